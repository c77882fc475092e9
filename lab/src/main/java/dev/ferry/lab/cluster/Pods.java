package dev.ferry.lab.cluster;

import dev.ferry.cluster.PodStatuses;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/** Reading and writing what the simulated components share about pods. */
final class Pods {

  /**
   * The finalizer every pod the lab's controllers create has: it stands for the API server's
   * graceful deletion, which fabric8's mock server lacks (see {@link dev.ferry.cluster.Kubelet}).
   */
  static final String GRACEFUL_DELETION_FINALIZER = dev.ferry.cluster.Kubelet.GRACEFUL_DELETION_FINALIZER;

  private Pods() {}

  /** Five random characters, as the API server appends to a {@code generateName}. */
  static String generatedSuffix() {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789"; // Kubernetes' generateName alphabet
    StringBuilder b = new StringBuilder(5);
    for (int i = 0; i < 5; i++) {
      b.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    }
    return b.toString();
  }

  static Optional<PodCondition> condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  static boolean isTrue(Pod pod, String type) {
    return condition(pod, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  /** The pod's Ready condition: its containers are ready and every readiness gate is True. */
  static boolean ready(Pod pod) {
    return isTrue(pod, "Ready");
  }

  static boolean terminating(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  /** Succeeded or Failed: it will not run again. */
  static boolean finished(Pod pod) {
    String phase = phase(pod);
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /** Counted by its controller: not terminating, not finished. */
  static boolean active(Pod pod) {
    return !terminating(pod) && !finished(pod);
  }

  static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  static String ip(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPodIP();
  }

  static String name(HasMetadata o) {
    return o.getMetadata().getName();
  }

  /** The uid of the object's controller of that kind, if it has one. */
  static Optional<String> controllerUid(HasMetadata o, String kind) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    if (refs == null) {
      return Optional.empty();
    }
    return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController()) && kind.equals(r.getKind()))
        .map(OwnerReference::getUid).findFirst();
  }

  static boolean matches(Map<String, String> selector, HasMetadata o) {
    if (selector == null || selector.isEmpty()) {
      return false; // an empty selector selects nothing here (Services without a selector)
    }
    Map<String, String> labels = o.getMetadata().getLabels();
    return labels != null && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  static int deletionCost(Pod pod) {
    Map<String, String> a = pod.getMetadata().getAnnotations();
    if (a == null) {
      return 0;
    }
    try {
      return Integer.parseInt(a.getOrDefault("controller.kubernetes.io/pod-deletion-cost", "0").trim());
    } catch (NumberFormatException e) {
      return 0; // an invalid cost is ignored, as the API server's validation would refuse it
    }
  }

  /** Sets one condition in a status's list; true if that changed it (the time moves only on a change). */
  static boolean setCondition(PodStatus status, String type, boolean value, String reason) {
    return PodStatuses.setCondition(status, type, value, reason);
  }

  /**
   * Changes a pod's status with optimistic concurrency (the operator writes the same conditions
   * list for its readiness gate): false when the pod is gone.
   */
  static boolean updateStatus(KubernetesClient client, String namespace, String name, Predicate<Pod> change) {
    return PodStatuses.update(client, namespace, name, change);
  }
}
