package dev.ferry.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's Prometheus metrics: how reconciles go, which phase each resource is in, how far the
 * running drain is. Names follow Prometheus conventions (base units, {@code _total} counters).
 */
public final class OperatorMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void reconciled(String kind, Duration took, boolean failed) {
    Timer.builder("ferry_reconcile").description("time spent in one reconcile")
        .tags("kind", kind, "result", failed ? "error" : "ok").register(registry).record(took);
  }

  /** Each step's share of one pass (read, brokers, decide, act, record; adoption, rebalance where they run). */
  public void steps(String kind, PassLaps laps) {
    laps.steps().forEach((step, took) -> Timer.builder("ferry_reconcile_step")
        .description("time spent in each step of a reconcile: reading the cluster, asking the brokers, deciding, acting, recording, adoption, automatic rebalance")
        .tags("kind", kind, "step", step).register(registry).record(took));
  }

  public void error(String kind, String reason) {
    Counter.builder("ferry_reconcile_errors").description("reconciles that failed, by reason")
        .tags("kind", kind, "reason", reason).register(registry).increment();
  }

  public void action(String kind, String action) {
    Counter.builder("ferry_actions").description("actions carried out, by type")
        .tags("kind", kind, "action", action).register(registry).increment();
  }

  /** 1 for the phase the resource is in, 0 for the others it was seen in. */
  public void phase(String kind, String namespace, String name, String phase, Iterable<String> allPhases) {
    for (String p : allPhases) {
      gauge("ferry_phase", "1 for the phase a resource is in",
          Tags.of("kind", kind, "namespace", namespace, "name", name, "phase", p)).set(p.equals(phase) ? 1 : 0);
    }
  }

  /**
   * Connections and sessions left on the pod being drained (-1 when none drains); the connections
   * that left it since the last pass count as evictions, so that a dashboard shows their rate.
   */
  public void drain(String namespace, String name, long connections, long sessions) {
    Tags release = Tags.of("namespace", namespace, "name", name);
    long before = gauge("ferry_drain_connections", "connections left on the pod being drained", release)
        .getAndSet(connections);
    gauge("ferry_drain_sessions", "sessions left on the pod being drained", release).set(sessions);
    Counter evictions = Counter.builder("ferry_drain_evictions")
        .description("connections that left the pods being drained, as the operator saw them fall")
        .tags(release).register(registry);
    evictions.increment(evicted(before, connections));
  }

  /**
   * How many connections a drain moved between two passes: only a fall counts, not the rise when the
   * next pod's drain starts, nor the -1 a finished drain leaves.
   */
  static long evicted(long before, long now) {
    return before >= 0 && now >= 0 && now < before ? before - now : 0;
  }

  /** A migration Job started, succeeded or failed ({@code step}: expand or contract). */
  public void migrationJob(String namespace, String name, String step, String result) {
    Counter.builder("ferry_migration_jobs").description("schema migration Jobs, by step and result")
        .tags("namespace", namespace, "name", name, "step", step, "result", result).register(registry).increment();
  }

  /**
   * 1 for the phase status.schema is in, 0 for the others; and how many conditions keep the
   * contract waiting now (0 when it does not wait).
   */
  public void schema(String namespace, String name, String phase, Iterable<String> allPhases, int contractWaitingOn) {
    for (String p : allPhases) {
      gauge("ferry_schema_phase", "1 for the phase of status.schema",
          Tags.of("namespace", namespace, "name", name, "phase", p)).set(p.equals(phase) ? 1 : 0);
    }
    gauge("ferry_contract_unmet_conditions", "conditions that keep the contract migration waiting",
        Tags.of("namespace", namespace, "name", name)).set(contractWaitingOn);
  }

  private AtomicLong gauge(String name, String description, Tags tags) {
    String key = name + tags;
    return gauges.computeIfAbsent(key, k -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder(name, value, AtomicLong::get).description(description).tags(tags).register(registry);
      return value;
    });
  }
}
