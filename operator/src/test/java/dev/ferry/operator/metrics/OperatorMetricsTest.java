package dev.ferry.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {

  @Test
  void evictionsCountTheConnectionsThatLeftThePodsBeingDrained() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OperatorMetrics metrics = new OperatorMetrics(registry);

    metrics.drain("ns", "mqtt", -1, -1); // no drain yet
    metrics.drain("ns", "mqtt", 667, 667); // the first old pod's drain starts
    metrics.drain("ns", "mqtt", 467, 467);
    metrics.drain("ns", "mqtt", 0, 0);
    metrics.drain("ns", "mqtt", -1, -1); // deleted
    metrics.drain("ns", "mqtt", 665, 665); // the next one
    metrics.drain("ns", "mqtt", 600, 600);

    assertThat(registry.get("ferry_drain_evictions").tags("namespace", "ns", "name", "mqtt").counter().count())
        .isEqualTo(667 + 65);
    assertThat(registry.get("ferry_drain_connections").tags("namespace", "ns", "name", "mqtt").gauge().value())
        .isEqualTo(600);
  }

  @Test
  void onlyAFallInConnectionsIsAnEviction() {
    assertThat(OperatorMetrics.evicted(667, 467)).isEqualTo(200);
    assertThat(OperatorMetrics.evicted(5, 665)).isZero();
    assertThat(OperatorMetrics.evicted(12, -1)).isZero();
    assertThat(OperatorMetrics.evicted(-1, 665)).isZero();
  }

  @Test
  void everyMetricIsServedUnderItsPrometheusName() {
    List<String> names = DashboardTest.servedNames();

    assertThat(names).contains("ferry_phase", "ferry_drain_connections", "ferry_drain_evictions_total",
        "ferry_actions_total", "ferry_reconcile_errors_total", "ferry_reconcile_seconds_count",
        "ferry_migration_jobs_total", "ferry_schema_phase", "ferry_contract_unmet_conditions");
  }
}
