package dev.ferry.lab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which pod a ReplicaSet deletes first: Kubernetes' order, case by case. */
class PodDeletionOrderTest {

  /** A pod: name, node or not, phase, Ready or not (and since when), cost, creation time. */
  static Pod pod(String name, boolean onNode, String phase, String readySince, Integer cost, String created) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created).endMetadata()
        .withNewSpec().withNodeName(onNode ? "node-0" : null).endSpec()
        .withNewStatus().withPhase(phase).endStatus();
    Pod p = b.build();
    if (cost != null) {
      p.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(
          "controller.kubernetes.io/pod-deletion-cost", cost.toString())));
    }
    if (readySince != null) {
      p.getStatus().setConditions(new ArrayList<>(List.of(new io.fabric8.kubernetes.api.model.PodConditionBuilder()
          .withType("Ready").withStatus("True").withLastTransitionTime(readySince).build())));
    }
    return p;
  }

  static Pod ready(String name, Integer cost, String readySince, String created) {
    return pod(name, true, "Running", readySince, cost, created);
  }

  static Pod invalidCost(Pod p) {
    p.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(
        "controller.kubernetes.io/pod-deletion-cost", "cheap")));
    return p;
  }

  static final String T0 = "2026-01-01T00:00:00Z";
  static final String T1 = "2026-01-01T00:01:00Z";
  static final String T2 = "2026-01-01T00:02:00Z";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("lowest cost first among ready pods",
            List.of(ready("a", 100, T0, T0), ready("b", -5, T0, T0), ready("c", 50, T0, T0)), "b"),
        Arguments.of("no annotation is cost 0",
            List.of(ready("a", 1, T0, T0), ready("b", null, T0, T0)), "b"),
        Arguments.of("an invalid cost counts as 0",
            List.of(ready("a", 1, T0, T0), invalidCost(ready("b", null, T0, T0))), "b"),
        Arguments.of("not ready before ready, whatever the costs",
            List.of(ready("a", -99999, T0, T0), pod("b", true, "Running", null, 1000, T0)), "b"),
        Arguments.of("pending before running",
            List.of(pod("a", true, "Running", null, 0, T0), pod("b", true, "Pending", null, 0, T0)), "b"),
        Arguments.of("not on a node before on a node",
            List.of(pod("a", true, "Pending", null, 0, T0), pod("b", false, "Pending", null, 0, T0)), "b"),
        Arguments.of("equal costs: ready for less time first",
            List.of(ready("a", 0, T0, T0), ready("b", 0, T2, T0), ready("c", 0, T1, T0)), "b"),
        Arguments.of("all else equal: newest first",
            List.of(ready("a", 0, T0, T0), ready("b", 0, T0, T2), ready("c", 0, T0, T1)), "b"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void firstToDelete(String why, List<Pod> pods, String expected) {
    List<Pod> order = new ArrayList<>(pods);
    order.sort(PodDeletionOrder.FIRST_TO_DELETE);
    assertThat(order.getFirst().getMetadata().getName()).as(why).isEqualTo(expected);
  }
}
