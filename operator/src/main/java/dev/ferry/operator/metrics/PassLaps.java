package dev.ferry.operator.metrics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where one reconcile pass spends its time, step by step (reading the cluster, asking the brokers,
 * deciding, acting, recording): a release slower than its floor is the sum of its passes, and the
 * step that takes the time is what to look at ({@code ferry_reconcile_step_seconds}, and a debug
 * line per pass). Elapsed time only, measured on the monotonic clock; the decisions use the
 * injected Clock. One pass, one thread.
 */
public final class PassLaps {

  private long last = System.nanoTime();
  private final Map<String, Long> nanos = new LinkedHashMap<>();

  /** The time since the last lap (or the start) counts to {@code step}; a step may come back. */
  public void lap(String step) {
    long now = System.nanoTime();
    nanos.merge(step, now - last, Long::sum);
    last = now;
  }

  public Map<String, Duration> steps() {
    Map<String, Duration> out = new LinkedHashMap<>();
    nanos.forEach((k, v) -> out.put(k, Duration.ofNanos(v)));
    return out;
  }

  /** {@code read_ms=12 brokers_ms=840 …}, for a log line. */
  public String summary() {
    return nanos.entrySet().stream().map(e -> e.getKey() + "_ms=" + e.getValue() / 1_000_000)
        .collect(Collectors.joining(" "));
  }
}
