package dev.ferry.lab.cluster;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ReplicaSet controller. Every pass, for each ReplicaSet of the namespace:
 *
 * <ul>
 *   <li>its pods are those whose controller owner reference is the set (no adoption of orphans);
 *   <li>too few active pods (not terminating, not finished): create the missing ones from the
 *       template, named {@code <set>-<5 random characters>};
 *   <li>too many: delete the surplus, first in {@link PodDeletionOrder} (Kubernetes' order, which
 *       honours {@code controller.kubernetes.io/pod-deletion-cost});
 *   <li>the status counts replicas and ready replicas.
 * </ul>
 *
 * And, for the garbage collector the mock server lacks: pods whose controlling ReplicaSet is gone
 * are deleted.
 */
final class ReplicaSetController {

  private static final Logger log = LoggerFactory.getLogger(ReplicaSetController.class);
  static final String KIND = "ReplicaSet";

  private final KubernetesClient client;
  private final String namespace;
  private final List<String> deleted = new CopyOnWriteArrayList<>();

  ReplicaSetController(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Pods this controller deleted to scale down or because their set was gone, in order. */
  List<String> deletedPods() {
    return List.copyOf(deleted);
  }

  void sync() {
    List<ReplicaSet> sets = client.apps().replicaSets().inNamespace(namespace).list().getItems();
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
    for (ReplicaSet rs : sets) {
      String uid = rs.getMetadata().getUid();
      List<Pod> owned = pods.stream().filter(p -> Pods.controllerUid(p, KIND).filter(uid::equals).isPresent()).toList();
      reconcile(rs, owned);
    }
    Set<String> live = sets.stream().map(rs -> rs.getMetadata().getUid()).collect(Collectors.toSet());
    for (Pod p : pods) {
      var owner = Pods.controllerUid(p, KIND);
      if (owner.isPresent() && !live.contains(owner.get()) && !Pods.terminating(p)) {
        delete(p, "its ReplicaSet is gone");
      }
    }
  }

  private void reconcile(ReplicaSet rs, List<Pod> owned) {
    List<Pod> active = owned.stream().filter(Pods::active).toList();
    int want = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    if (active.size() < want) {
      for (int i = active.size(); i < want; i++) {
        create(rs);
      }
    } else if (active.size() > want) {
      List<Pod> order = new ArrayList<>(active);
      order.sort(PodDeletionOrder.FIRST_TO_DELETE);
      for (Pod p : order.subList(0, active.size() - want)) {
        delete(p, "scale down of " + Pods.name(rs) + " to " + want);
      }
    }
    updateStatus(rs, owned);
  }

  private void create(ReplicaSet rs) {
    var template = Serialization.clone(rs.getSpec().getTemplate());
    ObjectMeta meta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    String name = Pods.name(rs) + "-" + Pods.generatedSuffix();
    Pod pod = new PodBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(namespace)
          .withLabels(meta.getLabels() == null ? new HashMap<>() : meta.getLabels())
          .withAnnotations(meta.getAnnotations() == null ? new HashMap<>() : meta.getAnnotations())
          .withFinalizers(Pods.GRACEFUL_DELETION_FINALIZER)
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion("apps/v1").withKind(KIND).withName(Pods.name(rs))
              .withUid(rs.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
    client.pods().inNamespace(namespace).resource(pod).create();
    log.info("event=pod_created controller=replicaset set={} pod={}", Pods.name(rs), name);
  }

  private void delete(Pod p, String why) {
    try {
      client.pods().inNamespace(namespace).withName(Pods.name(p)).delete();
      deleted.add(Pods.name(p));
      log.info("event=pod_deleted controller=replicaset pod={} cost={} ready={} reason=\"{}\"",
          Pods.name(p), Pods.deletionCost(p), Pods.ready(p), why);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private void updateStatus(ReplicaSet rs, List<Pod> owned) {
    List<Pod> active = owned.stream().filter(Pods::active).toList();
    int ready = (int) active.stream().filter(Pods::ready).count();
    ReplicaSetStatus want = new ReplicaSetStatus();
    want.setReplicas(active.size());
    want.setFullyLabeledReplicas(active.size());
    want.setReadyReplicas(ready);
    want.setAvailableReplicas(ready);
    want.setObservedGeneration(rs.getMetadata().getGeneration());
    ReplicaSetStatus now = rs.getStatus();
    if (now != null && Objects.equals(now.getReplicas(), want.getReplicas())
        && Objects.equals(now.getReadyReplicas(), want.getReadyReplicas())
        && Objects.equals(now.getObservedGeneration(), want.getObservedGeneration())) {
      return;
    }
    rs.setStatus(want);
    try {
      client.apps().replicaSets().inNamespace(namespace).resource(rs).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409 && e.getCode() != 404) {
        throw e; // a conflict is retried on the next pass, from a fresh read
      }
    }
  }
}
