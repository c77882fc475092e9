package dev.ferry.workload.load;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Per-second counts and latency histograms (HdrHistogram, microseconds, 3 significant digits) of a
 * load, attributed to the second a request was sent in. Thread-safe; readable while the load runs.
 */
public final class LoadStats {
  private static final long MAX_MICROS = 3_600_000_000L;

  private final long startNanos;
  private final ConcurrentHashMap<Long, Bucket> buckets = new ConcurrentHashMap<>();
  private final Bucket total = new Bucket();

  public LoadStats(long startNanos) {
    this.startNanos = startNanos;
  }

  /** Counts a request sent at {@code sentNanos}; returns the second it belongs to. */
  public long sent(long sentNanos) {
    long s = secondOf(sentNanos);
    bucket(s).sent.incrementAndGet();
    total.sent.incrementAndGet();
    return s;
  }

  /** Counts the end of a request that {@link #sent} counted in {@code second}. */
  public void ended(long second, Outcome o) {
    bucket(second).record(o);
    total.record(o);
  }

  private long secondOf(long nanos) {
    return Math.max(0, (nanos - startNanos) / 1_000_000_000L);
  }

  private Bucket bucket(long second) {
    return buckets.computeIfAbsent(second, k -> new Bucket());
  }

  /** Everything so far. */
  public LoadReport report() {
    List<SecondStats> seconds = new ArrayList<>();
    new TreeMap<>(buckets).forEach((s, b) -> seconds.add(b.snapshot(s)));
    SecondStats t = total.snapshot(-1);
    return new LoadReport(t.sent(), t.ok(), t.failed(), t.errors(), t.p50Ms(), t.p99Ms(), t.maxMs(), List.copyOf(seconds));
  }

  private static final class Bucket {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong ok = new AtomicLong();
    final AtomicLongArray errors = new AtomicLongArray(Kind.values().length);
    final Histogram latency = new Histogram(MAX_MICROS, 3);
    final ConcurrentHashMap<String, LongAdder> perPod = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, LongAdder> failedPerTarget = new ConcurrentHashMap<>();

    void record(Outcome o) {
      if (o.kind() == Kind.OK) {
        ok.incrementAndGet();
        long us = Math.min(MAX_MICROS, Math.max(1, o.latencyNanos() / 1000));
        synchronized (latency) {
          latency.recordValue(us);
        }
      } else {
        errors.incrementAndGet(o.kind().ordinal());
        if (o.target() != null) {
          failedPerTarget.computeIfAbsent(o.target(), k -> new LongAdder()).increment();
        }
      }
      if (o.pod() != null) {
        perPod.computeIfAbsent(o.pod(), k -> new LongAdder()).increment();
      }
    }

    SecondStats snapshot(long second) {
      Map<Kind, Long> errs = new EnumMap<>(Kind.class);
      long failed = 0;
      for (Kind k : Kind.values()) {
        long n = errors.get(k.ordinal());
        if (n > 0) {
          errs.put(k, n);
          failed += n;
        }
      }
      double p50;
      double p99;
      double max;
      synchronized (latency) {
        boolean empty = latency.getTotalCount() == 0;
        p50 = empty ? 0 : latency.getValueAtPercentile(50) / 1000.0;
        p99 = empty ? 0 : latency.getValueAtPercentile(99) / 1000.0;
        max = empty ? 0 : latency.getMaxValue() / 1000.0;
      }
      Map<String, Long> pods = new TreeMap<>();
      perPod.forEach((k, v) -> pods.put(k, v.sum()));
      Map<String, Long> targets = new TreeMap<>();
      failedPerTarget.forEach((k, v) -> targets.put(k, v.sum()));
      return new SecondStats(second, sent.get(), ok.get(), failed, Map.copyOf(errs), p50, p99, max, pods, targets);
    }
  }
}
