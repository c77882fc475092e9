package dev.ferry.operator.kube;

import dev.ferry.api.FerryNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The serving gate: the pod condition {@code ferry.dev/serving} that the pods' readiness gate waits on. */
public final class PodGates {
  private PodGates() {}

  /**
   * Marks (or, with null, unmarks) a pod as held out of the Service by {@code holder}, so that its
   * LosslessDeployment does not open its gate while the holder needs it closed.
   */
  public static void holdOut(KubernetesClient client, String namespace, String podName, String holder) {
    Annotations.setOnPod(client, namespace, podName, FerryNames.HELD_OUT_ANNOTATION, holder);
  }

  /**
   * Sets the serving condition through the pod's status, with optimistic concurrency: the kubelet
   * writes the same conditions list, so a write based on a stale read is refused and retried.
   */
  public static void set(KubernetesClient client, String namespace, String podName, boolean open, Instant now) {
    String status = open ? "True" : "False";
    for (int attempt = 1; ; attempt++) {
      Pod p = client.pods().inNamespace(namespace).withName(podName).get();
      if (p == null) {
        throw new IllegalStateException("pod " + podName + " is gone");
      }
      List<PodCondition> conditions = p.getStatus() == null || p.getStatus().getConditions() == null
          ? new ArrayList<>() : new ArrayList<>(p.getStatus().getConditions());
      var existing = conditions.stream().filter(c -> FerryNames.SERVING_CONDITION.equals(c.getType())).findFirst();
      if (existing.isPresent() && status.equals(existing.get().getStatus())) {
        return;
      }
      conditions.removeIf(c -> FerryNames.SERVING_CONDITION.equals(c.getType()));
      conditions.add(new PodConditionBuilder()
          .withType(FerryNames.SERVING_CONDITION)
          .withStatus(status)
          .withReason(open ? "Serving" : "OutOfService")
          .withMessage(open ? "in the Service's endpoints (set by ferry)" : "taken out of the Service by ferry")
          .withLastTransitionTime(now.toString()) // the operator's clock: the plans count from it
          .build());
      p.getStatus().setConditions(conditions);
      try {
        client.pods().inNamespace(namespace).resource(p).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 5) {
          throw e;
        }
      }
    }
  }
}
