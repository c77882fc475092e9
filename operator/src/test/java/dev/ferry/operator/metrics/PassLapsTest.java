package dev.ferry.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class PassLapsTest {

  @Test
  void aStepThatComesBackAddsUpAndEveryStepIsTimedOnce() throws Exception {
    PassLaps laps = new PassLaps();
    laps.lap("read");
    Thread.sleep(20);
    laps.lap("brokers");
    laps.lap("read");
    assertThat(laps.steps()).containsOnlyKeys("read", "brokers");
    assertThat(laps.steps().get("brokers")).isGreaterThanOrEqualTo(java.time.Duration.ofMillis(20));
    assertThat(laps.summary()).matches("read_ms=\\d+ brokers_ms=\\d+");

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new OperatorMetrics(registry).steps("LosslessDeployment", laps);
    assertThat(registry.scrape())
        .contains("ferry_reconcile_step_seconds_count{kind=\"LosslessDeployment\",step=\"brokers\"} 1")
        .contains("ferry_reconcile_step_seconds_count{kind=\"LosslessDeployment\",step=\"read\"} 1");
  }
}
