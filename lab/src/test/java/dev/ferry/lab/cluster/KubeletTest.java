package dev.ferry.lab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LifecycleBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kubelet's pure parts: preStop durations, readiness gates, versions; and the endpoint conditions. */
class KubeletTest {

  static Pod withPreStop(io.fabric8.kubernetes.api.model.Lifecycle lifecycle) {
    return new PodBuilder().withNewSpec().addNewContainer().withName("emqx").withLifecycle(lifecycle).endContainer().endSpec().build();
  }

  @Test
  void preStopSleepComesFromASleepActionOrAnExecOfSleep() {
    assertThat(Kubelet.preStopSleep(withPreStop(new LifecycleBuilder().withNewPreStop().withNewSleep(5L).endPreStop().build())))
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(Kubelet.preStopSleep(withPreStop(new LifecycleBuilder().withNewPreStop().withNewExec()
        .withCommand("/bin/sh", "-c", "sleep 2.5").endExec().endPreStop().build()))).isEqualTo(Duration.ofMillis(2500));
    assertThat(Kubelet.preStopSleep(withPreStop(new LifecycleBuilder().withNewPreStop().withNewExec()
        .withCommand("emqx", "ctl", "stop").endExec().endPreStop().build()))).isZero();
    assertThat(Kubelet.preStopSleep(withPreStop(null))).isZero();
  }

  @Test
  void readyNeedsEveryReadinessGateTrue() {
    Pod pod = new PodBuilder().withNewSpec().withReadinessGates(new PodReadinessGate("a"), new PodReadinessGate("b")).endSpec()
        .withNewStatus().withConditions(new PodConditionBuilder().withType("a").withStatus("True").build()).endStatus().build();
    assertThat(Kubelet.gatesTrue(pod)).isFalse();
    pod.getStatus().setConditions(List.of(
        new PodConditionBuilder().withType("a").withStatus("True").build(),
        new PodConditionBuilder().withType("b").withStatus("False").build()));
    assertThat(Kubelet.gatesTrue(pod)).isFalse();
    pod.getStatus().setConditions(List.of(
        new PodConditionBuilder().withType("a").withStatus("True").build(),
        new PodConditionBuilder().withType("b").withStatus("True").build()));
    assertThat(Kubelet.gatesTrue(pod)).isTrue();
    assertThat(Kubelet.gatesTrue(new PodBuilder().withNewSpec().endSpec().build())).isTrue();
  }

  @Test
  void theBrokerVersionIsTheImageTag() {
    assertThat(Kubelet.version("emqx:5.8.2")).isEqualTo("5.8.2");
    assertThat(Kubelet.version("registry:5000/emqx/emqx:5.7.0-alpine")).isEqualTo("5.7.0");
    assertThat(Kubelet.version("registry:5000/emqx")).isNull();
    assertThat(Kubelet.version("emqx:latest")).isNull();
  }

  @Test
  void endpointConditionsAreKubernetesOnes() {
    Pod readyPod = new PodBuilder().withNewMetadata().endMetadata().withNewStatus()
        .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build()).endStatus().build();
    assertThat(EndpointSliceController.Conditions.of(readyPod, false))
        .isEqualTo(new EndpointSliceController.Conditions(true, true, false));
    readyPod.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
    assertThat(EndpointSliceController.Conditions.of(readyPod, false))
        .isEqualTo(new EndpointSliceController.Conditions(false, true, true));
    Pod unready = new PodBuilder().withNewMetadata().endMetadata().withNewStatus().endStatus().build();
    assertThat(EndpointSliceController.Conditions.of(unready, false))
        .isEqualTo(new EndpointSliceController.Conditions(false, false, false));
    assertThat(EndpointSliceController.Conditions.of(unready, true))
        .isEqualTo(new EndpointSliceController.Conditions(true, true, false));
  }
}
