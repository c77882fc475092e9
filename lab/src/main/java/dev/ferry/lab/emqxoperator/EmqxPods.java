package dev.ferry.lab.emqxoperator;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Pod writes the imitation makes: the on-serving condition its readiness gate reads. */
final class EmqxPods {
  private EmqxPods() {}

  /**
   * Sets a pod condition through the status subresource, retrying a conflict (the kubelet writes
   * the same list); the EMQX Operator sends a strategic-merge patch of that one condition.
   */
  static void setCondition(KubernetesClient client, String namespace, String podName, String type, String status) {
    for (int attempt = 1; ; attempt++) {
      Pod p = client.pods().inNamespace(namespace).withName(podName).get();
      if (p == null || p.getStatus() == null) {
        return;
      }
      List<PodCondition> conditions = p.getStatus().getConditions() == null
          ? new ArrayList<>() : new ArrayList<>(p.getStatus().getConditions());
      conditions.removeIf(c -> type.equals(c.getType()));
      conditions.add(new PodConditionBuilder().withType(type).withStatus(status)
          .withLastTransitionTime(Instant.now().toString()).build());
      p.getStatus().setConditions(conditions);
      try {
        client.pods().inNamespace(namespace).resource(p).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return;
        }
        if (e.getCode() != 409 || attempt >= 5) {
          throw e;
        }
      }
    }
  }
}
