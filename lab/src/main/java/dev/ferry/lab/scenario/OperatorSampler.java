package dev.ferry.lab.scenario;

import dev.ferry.lab.report.ScenarioReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Reads the lab's operator's metrics once a second, what Prometheus would scrape, so that the report
 * can draw the Grafana dashboard's panels from a real release: the same meters, summed and
 * differenced per second as the dashboard's PromQL does.
 */
final class OperatorSampler {
  /** The cumulative values at one instant. */
  record Sample(long epochMillis, String phase, int drainConnections, double evictions, Map<String, Double> actions,
      double errors, long reconciles, double reconcileSeconds) {}

  private final MeterRegistry registry;
  private final String name;
  private final List<Sample> samples = new CopyOnWriteArrayList<>();

  /** @param name the LosslessDeployment whose gauges to read */
  OperatorSampler(MeterRegistry registry, String name) {
    this.registry = registry;
    this.name = name;
  }

  void sample() {
    samples.add(read(registry, name, System.currentTimeMillis()));
  }

  List<Sample> samples() {
    return List.copyOf(samples);
  }

  static Sample read(MeterRegistry r, String name, long now) {
    String phase = r.find("ferry_phase").tag("name", name).gauges().stream().filter(g -> g.value() == 1)
        .map(g -> g.getId().getTag("phase")).findFirst().orElse(null);
    Gauge drain = r.find("ferry_drain_connections").tag("name", name).gauge();
    Counter evictions = r.find("ferry_drain_evictions").tag("name", name).counter();
    Map<String, Double> actions = new TreeMap<>();
    r.find("ferry_actions").counters().forEach(c -> actions.merge(c.getId().getTag("action"), c.count(), Double::sum));
    double errors = r.find("ferry_reconcile_errors").counters().stream().mapToDouble(Counter::count).sum();
    long reconciles = r.find("ferry_reconcile").timers().stream().mapToLong(Timer::count).sum();
    double seconds = r.find("ferry_reconcile").timers().stream().mapToDouble(t -> t.totalTime(TimeUnit.SECONDS)).sum();
    return new Sample(now, phase, drain == null ? -1 : (int) drain.value(), evictions == null ? 0 : evictions.count(),
        actions, errors, reconciles, seconds);
  }

  /**
   * The samples as {@code n} seconds from {@code t0}: gauges as the second's last sample shows them,
   * counters as their increase over the second before (a second with no sample repeats the one before).
   */
  static ScenarioReport.Operator perSecond(List<Sample> samples, long t0, int n) {
    Sample[] last = new Sample[n];
    Sample before = null;
    for (Sample s : samples) {
      int i = ReleaseSteps.second(s.epochMillis(), t0);
      if (i < 0) {
        before = s;
      } else if (i < n) {
        last[i] = s;
      }
    }
    String[] phase = new String[n];
    int[] drain = new int[n];
    int[] evictions = new int[n];
    int[] errors = new int[n];
    double[] meanMs = new double[n];
    Map<String, int[]> actions = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Sample s = last[i] != null ? last[i] : before;
      if (s == null) {
        drain[i] = -1;
        meanMs[i] = -1;
        continue;
      }
      phase[i] = s.phase();
      drain[i] = s.drainConnections();
      evictions[i] = increase(before == null ? 0 : before.evictions(), s.evictions());
      errors[i] = increase(before == null ? 0 : before.errors(), s.errors());
      long runs = s.reconciles() - (before == null ? 0 : before.reconciles());
      meanMs[i] = runs <= 0 ? -1 : 1000 * (s.reconcileSeconds() - (before == null ? 0 : before.reconcileSeconds())) / runs;
      for (var a : s.actions().entrySet()) {
        double was = before == null ? 0 : before.actions().getOrDefault(a.getKey(), 0.0);
        actions.computeIfAbsent(a.getKey(), k -> new int[n])[i] = increase(was, a.getValue());
      }
      before = s;
    }
    return new ScenarioReport.Operator(phase, drain, evictions, actions, errors, meanMs);
  }

  private static int increase(double was, double now) {
    return (int) Math.round(Math.max(0, now - was));
  }
}
