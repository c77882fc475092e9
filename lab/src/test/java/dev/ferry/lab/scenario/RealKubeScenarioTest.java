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
 * the real Deployment, ReplicaSet, StatefulSet, EndpointSlice and garbage-collector controllers and
 * the shared kubelet, the operator as its own ServiceAccount. Ferry still moves every client once
 * and loses nothing, and its Rolling release loses no request; the StatefulSet's rolling update
 * still cuts clients off more than once, and the Deployment's loses requests.
 */
@Tag("real-kube")
class RealKubeScenarioTest {

  static final LabSettings SMALL_REAL = new LabSettings(3, 150, MqttProtocol.V5, 50, false, 100,
      Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(300),
      Duration.ofMinutes(2), LabSettings.EMQX, 0, false, 1, Kube.REAL);

  /** The same with the fleet in two shard processes, each a node whose kube-proxy reads the apiserver as kube-proxy. */
  static final LabSettings SHARDED_REAL = new LabSettings(3, 150, MqttProtocol.V5, 50, false, 100,
      Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(300),
      Duration.ofMinutes(2), LabSettings.EMQX, 2, false, 1, Kube.REAL);

  @Test
  void ferryMovesEveryClientOfAShardedFleetOnceOnTheRealControlPlane() {
    ScenarioReport ferry = ScenarioRunner.run(Scenario.FERRY, SHARDED_REAL, l -> {});
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

  @Test
  void httpFerryLosesNoRequestOnTheRealControlPlane() {
    ScenarioReport ferry = RequestScenarioRunner.run(Scenario.HTTP_FERRY, RequestScenarioTest.SMALL, Kube.REAL, l -> {});
    assertThat(ferry.requestsSent()).isGreaterThan(1000);
    assertThat(ferry.requestsFailed()).as("http-ferry: " + ferry.requests().paths()).isZero();
    assertThat(ferry.requests().perNewPod()).as("every new pod answered on the ingress").hasSize(RequestScenarioTest.SMALL.replicas());
  }

  @Test
  void theRealDeploymentControllersRollingUpdateLosesRequests() {
    ScenarioReport k8s = RequestScenarioRunner.run(Scenario.HTTP_K8S, RequestScenarioTest.SMALL, Kube.REAL, l -> {});
    assertThat(k8s.requestsSent()).isGreaterThan(1000);
    assertThat(k8s.requestsFailed()).as("http-k8s: " + k8s.requests().paths()).isGreaterThan(0);
  }
}
