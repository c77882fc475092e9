package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.lab.cluster.Kube;
import dev.ferry.lab.fleet.MqttProtocol;
import dev.ferry.lab.report.ScenarioReport;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The lab on the real control plane ({@code ferry lab compare --kube real}): the same scenarios with
 * the real ReplicaSet, StatefulSet, EndpointSlice and garbage-collector controllers and the shared
 * kubelet. Ferry still moves every client once and loses nothing; the StatefulSet's rolling update
 * still cuts clients off more than once.
 */
@Tag("real-kube")
class RealKubeScenarioTest {

  static final LabSettings SMALL_REAL = new LabSettings(3, 150, MqttProtocol.V5, 50, false, 100,
      Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(300),
      Duration.ofMinutes(2), LabSettings.EMQX, 0, false, 1, Kube.REAL);

  @Test
  void ferryMovesEveryClientOnceOnTheRealControlPlane() {
    ScenarioReport ferry = ScenarioRunner.run(Scenario.FERRY, SMALL_REAL, l -> {});
    assertThat(ferry.maxDisconnectsPerClient()).isEqualTo(1);
    assertThat(ferry.disconnectsHistogram()).containsOnlyKeys(1);
    assertThat(ferry.messagesLost()).isZero();
    assertThat(ferry.timeline().connectionsPerNode()).hasSizeGreaterThanOrEqualTo(4); // old and new nodes
  }

  @Test
  void theStatefulSetsRollingUpdateCutsClientsOffRepeatedly() {
    ScenarioReport rolling = ScenarioRunner.run(Scenario.ROLLING, SMALL_REAL, l -> {});
    assertThat(rolling.maxDisconnectsPerClient()).isGreaterThan(1);
    assertThat(rolling.minConnectedFraction()).isLessThan(1.0);
  }
}
