package dev.ferry.lab.cluster;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The garbage collector's part the other controllers do not play: a ReplicaSet whose controlling
 * LosslessDeployment is gone is deleted (its pods then go with it, by the ReplicaSet controller).
 * Pods of gone ReplicaSets and StatefulSets, and EndpointSlices of gone Services, are collected by
 * their own controllers.
 */
final class OwnerCollector {

  private static final Logger log = LoggerFactory.getLogger(OwnerCollector.class);

  private final KubernetesClient client;
  private final String namespace;

  OwnerCollector(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  void sync() {
    var sets = client.apps().replicaSets().inNamespace(namespace).list().getItems();
    if (sets.stream().noneMatch(rs -> Pods.controllerUid(rs, "LosslessDeployment").isPresent())) {
      return;
    }
    Set<String> owners = client.resources(LosslessDeployment.class).inNamespace(namespace).list().getItems().stream()
        .map(ld -> ld.getMetadata().getUid()).collect(Collectors.toSet());
    for (ReplicaSet rs : sets) {
      var owner = Pods.controllerUid(rs, "LosslessDeployment");
      if (owner.isPresent() && !owners.contains(owner.get())) {
        client.apps().replicaSets().inNamespace(namespace).withName(Pods.name(rs)).delete();
        log.info("event=garbage_collected kind=ReplicaSet name={} owner=LosslessDeployment", Pods.name(rs));
      }
    }
  }
}
