package dev.ferry.lab.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Comparator;

/**
 * Which pod a ReplicaSet removes first when it has too many: the first in this order. It is
 * Kubernetes' own ({@code ActivePodsWithRanks.Less} in {@code pkg/controller/controller_utils.go}),
 * less the parts that need more than one node:
 *
 * <ol>
 *   <li>not yet on a node before on a node;
 *   <li>Pending before Unknown before Running;
 *   <li>not Ready before Ready (Ready includes the readiness gates);
 *   <li>lower {@code controller.kubernetes.io/pod-deletion-cost} before higher;
 *   <li>(more pods of the set on the same node first: one node here, so always equal);
 *   <li>Ready for a shorter time before Ready for longer;
 *   <li>(more container restarts first: the lab's containers never restart);
 *   <li>newer before older.
 * </ol>
 *
 * Note the order of 3 and 4: Kubernetes removes a not-Ready pod before a Ready one whatever their
 * costs; the cost only decides among pods that are equally ready.
 */
final class PodDeletionOrder {

  private PodDeletionOrder() {}

  static final Comparator<Pod> FIRST_TO_DELETE = Comparator
      .comparing((Pod p) -> p.getSpec() != null && p.getSpec().getNodeName() != null)
      .thenComparingInt(PodDeletionOrder::phaseRank)
      .thenComparing(Pods::ready)
      .thenComparingInt(Pods::deletionCost)
      .thenComparing(PodDeletionOrder::readySince, Comparator.nullsFirst(Comparator.reverseOrder()))
      .thenComparing(PodDeletionOrder::created, Comparator.nullsFirst(Comparator.reverseOrder()));

  private static int phaseRank(Pod p) {
    String phase = Pods.phase(p);
    if (phase == null || "Pending".equals(phase)) {
      return 0;
    }
    return "Running".equals(phase) ? 2 : 1;
  }

  /** When the pod became Ready, if it is. */
  private static Instant readySince(Pod p) {
    if (!Pods.ready(p)) {
      return null;
    }
    return Pods.condition(p, "Ready").map(c -> parse(c.getLastTransitionTime())).orElse(null);
  }

  private static Instant created(Pod p) {
    return parse(p.getMetadata().getCreationTimestamp());
  }

  private static Instant parse(String t) {
    if (t == null || t.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(t);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
