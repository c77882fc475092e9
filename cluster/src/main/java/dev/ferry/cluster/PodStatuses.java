package dev.ferry.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** Reading and writing a pod's status as the kubelet does. */
public final class PodStatuses {
  private PodStatuses() {}

  public static Optional<PodCondition> condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(Pod pod, String type) {
    return condition(pod, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  public static boolean terminating(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  /** Every readiness gate's condition is True (a pod with none has all of them). */
  public static boolean gatesTrue(Pod pod) {
    List<PodReadinessGate> gates = pod.getSpec() == null ? null : pod.getSpec().getReadinessGates();
    return gates == null || gates.stream().allMatch(g -> isTrue(pod, g.getConditionType()));
  }

  /** Sets one condition in a status's list; true if that changed it (the time moves only on a change). */
  public static boolean setCondition(PodStatus status, String type, boolean value, String reason) {
    String s = value ? "True" : "False";
    List<PodCondition> cs = status.getConditions() == null ? new ArrayList<>() : new ArrayList<>(status.getConditions());
    Optional<PodCondition> old = cs.stream().filter(c -> type.equals(c.getType())).findFirst();
    if (old.isPresent() && s.equals(old.get().getStatus()) && (value || reason == null || reason.equals(old.get().getReason()))) {
      return false;
    }
    cs.removeIf(c -> type.equals(c.getType()));
    cs.add(new PodConditionBuilder().withType(type).withStatus(s).withReason(value ? null : reason)
        .withLastTransitionTime(now()).build());
    status.setConditions(cs);
    return true;
  }

  /** A time as the API writes it: seconds (the apiserver drops the fraction of a metav1.Time). */
  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /**
   * Changes a pod's status with optimistic concurrency: read, change, write, and on a conflict
   * (the operator writes its readiness gate into the same conditions) read again. {@code change}
   * returns false when there is nothing to write. False when the pod is gone.
   */
  public static boolean update(KubernetesClient client, String namespace, String name, Predicate<Pod> change) {
    for (int attempt = 1; ; attempt++) {
      Pod pod = client.pods().inNamespace(namespace).withName(name).get();
      if (pod == null) {
        return false;
      }
      if (pod.getStatus() == null) {
        pod.setStatus(new PodStatus());
      }
      if (!change.test(pod)) {
        return true;
      }
      try {
        client.pods().inNamespace(namespace).resource(pod).updateStatus();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return false;
        }
        if (e.getCode() != 409 || attempt >= 20) {
          throw e;
        }
      }
    }
  }
}
