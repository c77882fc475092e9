package dev.ferry.lab.cluster;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The StatefulSet controller, with Kubernetes' defaults: {@code podManagementPolicy: OrderedReady}
 * (or {@code Parallel}) and {@code updateStrategy: RollingUpdate} without partition or
 * maxUnavailable. Pods are named {@code <set>-<ordinal>}. Every pass, for each StatefulSet, it makes
 * at most one change:
 *
 * <ol>
 *   <li>While any of its pods is terminating, it waits.
 *   <li>Ordinals {@code 0..replicas-1} in turn: a missing one is created (from the current
 *       template), and the controller waits until it is Running and Ready before the next; with
 *       {@code Parallel}, every missing one is created in the same pass, without waiting.
 *   <li>Ordinals at or above {@code replicas} are deleted, highest first, one at a time.
 *   <li>Rolling update, once every pod is Running and Ready: the highest ordinal whose
 *       {@code controller-revision-hash} is not the template's is deleted; step 2 recreates it with
 *       the new template once the old pod is gone (the name is reused, so not before), and waits
 *       until it is Running and Ready before the next ordinal down.
 * </ol>
 *
 * Pods whose StatefulSet is gone are deleted (the garbage collector's part).
 */
final class StatefulSetController {

  private static final Logger log = LoggerFactory.getLogger(StatefulSetController.class);
  static final String KIND = "StatefulSet";
  static final String REVISION_LABEL = "controller-revision-hash";
  static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

  private final KubernetesClient client;
  private final String namespace;
  private final List<String> deleted = new CopyOnWriteArrayList<>();

  StatefulSetController(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Pods this controller deleted (for an update, a scale-down or a vanished set), in order. */
  List<String> deletedPods() {
    return List.copyOf(deleted);
  }

  static String revision(StatefulSet sts) {
    return Pods.name(sts) + "-" + hash(sts.getSpec().getTemplate());
  }

  void sync() {
    List<StatefulSet> sets = client.apps().statefulSets().inNamespace(namespace).list().getItems();
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
    for (StatefulSet sts : sets) {
      String uid = sts.getMetadata().getUid();
      List<Pod> owned = pods.stream().filter(p -> Pods.controllerUid(p, KIND).filter(uid::equals).isPresent()).toList();
      reconcile(sts, owned);
      updateStatus(sts, owned);
    }
    Set<String> live = sets.stream().map(s -> s.getMetadata().getUid()).collect(Collectors.toSet());
    for (Pod p : pods) {
      var owner = Pods.controllerUid(p, KIND);
      if (owner.isPresent() && !live.contains(owner.get()) && !Pods.terminating(p)) {
        delete(p, "its StatefulSet is gone");
      }
    }
  }

  private void reconcile(StatefulSet sts, List<Pod> owned) {
    if (owned.stream().anyMatch(Pods::terminating)) {
      return;
    }
    int replicas = sts.getSpec().getReplicas() == null ? 1 : sts.getSpec().getReplicas();
    Map<Integer, Pod> byOrdinal = new TreeMap<>();
    owned.forEach(p -> byOrdinal.put(ordinal(sts, p), p));
    boolean parallel = "Parallel".equals(sts.getSpec().getPodManagementPolicy());
    boolean created = false;
    for (int i = 0; i < replicas; i++) {
      Pod p = byOrdinal.get(i);
      if (p == null) {
        create(sts, i);
        if (!parallel) {
          return;
        }
        created = true;
      } else if (!parallel && !runningAndReady(p)) {
        return;
      }
    }
    if (created) {
      return;
    }
    for (int i : byOrdinal.keySet().stream().sorted((a, b) -> b - a).toList()) {
      if (i >= replicas) {
        delete(byOrdinal.get(i), "scale down of " + Pods.name(sts) + " to " + replicas);
        return;
      }
    }
    String update = revision(sts);
    for (int i = replicas - 1; i >= 0; i--) {
      Pod p = byOrdinal.get(i);
      if (!update.equals(label(p, REVISION_LABEL))) {
        delete(p, "rolling update of " + Pods.name(sts) + " to " + update);
        return;
      }
    }
  }

  private static boolean runningAndReady(Pod p) {
    return "Running".equals(Pods.phase(p)) && Pods.ready(p);
  }

  private void create(StatefulSet sts, int ordinal) {
    PodTemplateSpec template = Serialization.clone(sts.getSpec().getTemplate());
    ObjectMeta meta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    String name = Pods.name(sts) + "-" + ordinal;
    Map<String, String> labels = meta.getLabels() == null ? new HashMap<>() : new HashMap<>(meta.getLabels());
    labels.put(REVISION_LABEL, revision(sts));
    labels.put(POD_NAME_LABEL, name);
    labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
    Pod pod = new PodBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(namespace)
          .withLabels(labels)
          .withAnnotations(meta.getAnnotations() == null ? new HashMap<>() : meta.getAnnotations())
          .withFinalizers(Pods.GRACEFUL_DELETION_FINALIZER)
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion("apps/v1").withKind(KIND).withName(Pods.name(sts))
              .withUid(sts.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
    pod.getSpec().setHostname(name);
    pod.getSpec().setSubdomain(sts.getSpec().getServiceName());
    try {
      client.pods().inNamespace(namespace).resource(pod).create();
      log.info("event=pod_created controller=statefulset set={} pod={} revision={}", Pods.name(sts), name, labels.get(REVISION_LABEL));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e; // 409: the old pod of that name is still there; the next pass looks again
      }
    }
  }

  private void delete(Pod p, String why) {
    try {
      client.pods().inNamespace(namespace).withName(Pods.name(p)).delete();
      deleted.add(Pods.name(p));
      log.info("event=pod_deleted controller=statefulset pod={} reason=\"{}\"", Pods.name(p), why);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private void updateStatus(StatefulSet sts, List<Pod> owned) {
    String update = revision(sts);
    List<Pod> active = owned.stream().filter(Pods::active).toList();
    int ready = (int) active.stream().filter(Pods::ready).count();
    int updated = (int) active.stream().filter(p -> update.equals(label(p, REVISION_LABEL))).count();
    int replicas = sts.getSpec().getReplicas() == null ? 1 : sts.getSpec().getReplicas();
    StatefulSetStatus now = sts.getStatus();
    String current = now == null || now.getCurrentRevision() == null ? update : now.getCurrentRevision();
    if (updated == replicas && active.size() == replicas && ready == replicas) {
      current = update; // the update is complete
    }
    String currentRevision = current;
    int currentCount = (int) active.stream().filter(p -> currentRevision.equals(label(p, REVISION_LABEL))).count();
    StatefulSetStatus want = new StatefulSetStatus();
    want.setReplicas(active.size());
    want.setReadyReplicas(ready);
    want.setAvailableReplicas(ready);
    want.setUpdatedReplicas(updated);
    want.setCurrentReplicas(currentCount);
    want.setCurrentRevision(current);
    want.setUpdateRevision(update);
    want.setObservedGeneration(sts.getMetadata().getGeneration());
    if (now != null && Objects.equals(now.getReplicas(), want.getReplicas())
        && Objects.equals(now.getReadyReplicas(), want.getReadyReplicas())
        && Objects.equals(now.getUpdatedReplicas(), want.getUpdatedReplicas())
        && Objects.equals(now.getCurrentReplicas(), want.getCurrentReplicas())
        && Objects.equals(now.getCurrentRevision(), want.getCurrentRevision())
        && Objects.equals(now.getUpdateRevision(), want.getUpdateRevision())
        && Objects.equals(now.getObservedGeneration(), want.getObservedGeneration())) {
      return;
    }
    sts.setStatus(want);
    try {
      client.apps().statefulSets().inNamespace(namespace).resource(sts).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409 && e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static int ordinal(StatefulSet sts, Pod p) {
    String prefix = Pods.name(sts) + "-";
    try {
      return Integer.parseInt(Pods.name(p).substring(prefix.length()));
    } catch (RuntimeException e) {
      return Integer.MAX_VALUE; // not one of ours by name: condemned
    }
  }

  private static String label(Pod p, String key) {
    return p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(key);
  }

  static String hash(PodTemplateSpec template) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256")
          .digest(Serialization.asJson(template).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
