package dev.ferry.lab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import org.junit.jupiter.api.Test;

/** What the lab runs in its pods: the broker version an image gives; and the endpoint conditions. */
class LabPodsTest {

  @Test
  void theBrokerVersionIsTheImageTag() {
    assertThat(LabPods.version("emqx:5.8.2")).isEqualTo("5.8.2");
    assertThat(LabPods.version("registry:5000/emqx/emqx:5.7.0-alpine")).isEqualTo("5.7.0");
    assertThat(LabPods.version("registry:5000/emqx")).isNull();
    assertThat(LabPods.version("emqx:latest")).isNull();
  }

  @Test
  void anImageTaggedJoinsAfterJoinsItsClusterThatLateAndStillHasItsVersion() {
    assertThat(LabPods.joinDelay("emqx:5.8.1-joins-after-20s")).isEqualTo(java.time.Duration.ofSeconds(20));
    assertThat(LabPods.joinDelay("emqx:5.8.1")).isZero();
    assertThat(LabPods.joinDelay(null)).isZero();
    assertThat(LabPods.version("emqx:5.8.1-joins-after-20s")).isEqualTo("5.8.1");
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
