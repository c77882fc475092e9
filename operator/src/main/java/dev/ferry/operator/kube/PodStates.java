package dev.ferry.operator.kube;

import dev.ferry.api.FerryNames;
import dev.ferry.core.release.PodView;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.util.Optional;

/** Reads what the plans need from a Pod: readiness, the serving gate, deletion marks. */
public final class PodStates {
  private PodStates() {}

  public static Optional<PodCondition> condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean containersReady(Pod pod) {
    return condition(pod, "ContainersReady").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  /** Gone or going: a deletion timestamp, or a phase it never comes back from. */
  public static boolean terminating(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return pod.getMetadata().getDeletionTimestamp() != null || "Failed".equals(phase) || "Succeeded".equals(phase);
  }

  public static boolean markedForDeletion(Pod pod) {
    var a = pod.getMetadata().getAnnotations();
    return a != null && FerryNames.DRAINED_POD_DELETION_COST.equals(a.get(FerryNames.POD_DELETION_COST_ANNOTATION));
  }

  public static boolean heldOut(Pod pod) {
    return heldBy(pod) != null;
  }

  /** Who holds the pod out of its Service ({@code Rebalance/<name>}), or null. */
  public static String heldBy(Pod pod) {
    var a = pod.getMetadata().getAnnotations();
    return a == null ? null : a.get(FerryNames.HELD_OUT_ANNOTATION);
  }

  public static String revision(Pod pod) {
    var l = pod.getMetadata().getLabels();
    return l == null ? "" : l.getOrDefault(FerryNames.REVISION_LABEL, "");
  }

  public static PodView view(Pod pod) {
    Optional<PodCondition> gate = condition(pod, FerryNames.SERVING_CONDITION);
    Boolean gateValue = gate.map(c -> "True".equals(c.getStatus()) ? Boolean.TRUE
        : "False".equals(c.getStatus()) ? Boolean.FALSE : null).orElse(null);
    boolean ready = containersReady(pod);
    Instant readyAt = ready ? condition(pod, "ContainersReady").map(c -> time(c.getLastTransitionTime())).orElse(null) : null;
    return new PodView(
        pod.getMetadata().getName(), revision(pod), ready, gateValue,
        gate.map(c -> time(c.getLastTransitionTime())).orElse(null), readyAt,
        terminating(pod), markedForDeletion(pod), heldOut(pod));
  }

  /** An RFC 3339 time, or null when missing or unreadable. */
  public static Instant instant(String rfc3339) {
    return time(rfc3339);
  }

  static Instant time(String rfc3339) {
    if (rfc3339 == null || rfc3339.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(rfc3339);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
