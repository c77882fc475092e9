package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.lab.report.ScenarioReport;
import dev.ferry.operator.metrics.OperatorMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorSamplerTest {

  @Test
  void countersBecomeTheirIncreaseInEachSecondAndGaugesTheirLastValue() {
    long t0 = 10_000;
    List<OperatorSampler.Sample> samples = List.of(
        new OperatorSampler.Sample(t0 - 500, "Healthy", -1, 100, Map.of("SetGates", 2.0), 1, 10, 0.1),
        new OperatorSampler.Sample(t0 + 300, "Provisioning", -1, 100, Map.of("SetGates", 2.0), 1, 12, 0.3),
        new OperatorSampler.Sample(t0 + 2100, "Draining", 467, 300, Map.of("SetGates", 3.0, "StartDrain", 1.0), 1, 16, 0.7));

    ScenarioReport.Operator o = OperatorSampler.perSecond(samples, t0, 3);

    assertThat(o.phase()).containsExactly("Provisioning", "Provisioning", "Draining");
    assertThat(o.drainConnections()).containsExactly(-1, -1, 467);
    assertThat(o.evictions()).containsExactly(0, 0, 200);
    assertThat(o.actions().get("StartDrain")).containsExactly(0, 0, 1);
    assertThat(o.actions().get("SetGates")).containsExactly(0, 0, 1);
    assertThat(o.reconcileMeanMs()[0]).isCloseTo(100.0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(o.reconcileMeanMs()[1]).as("no reconcile ran").isEqualTo(-1.0);
    assertThat(o.reconcileMeanMs()[2]).isCloseTo(100.0, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void theSamplerReadsTheOperatorsMeters() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    OperatorMetrics metrics = new OperatorMetrics(registry);
    metrics.phase("LosslessDeployment", "ns", "mqtt", "Draining", List.of("Healthy", "Draining"));
    metrics.drain("ns", "mqtt", 667, 667);
    metrics.drain("ns", "mqtt", 467, 467);
    metrics.action("LosslessDeployment", "StartDrain");
    metrics.reconciled("LosslessDeployment", Duration.ofMillis(20), false);

    OperatorSampler.Sample s = OperatorSampler.read(registry, "mqtt", 1);

    assertThat(s.phase()).isEqualTo("Draining");
    assertThat(s.drainConnections()).isEqualTo(467);
    assertThat(s.evictions()).isEqualTo(200);
    assertThat(s.actions()).containsEntry("StartDrain", 1.0);
    assertThat(s.reconciles()).isEqualTo(1);
  }
}
