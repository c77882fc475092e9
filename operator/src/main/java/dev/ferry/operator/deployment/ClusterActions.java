package dev.ferry.operator.deployment;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.core.release.Action;
import dev.ferry.core.release.Action.DeletePod;
import dev.ferry.core.release.Action.DeleteRevisionSets;
import dev.ferry.core.release.Action.EnsureRevisionSet;
import dev.ferry.core.release.Action.SetGates;
import dev.ferry.core.release.Action.StartDrain;
import dev.ferry.core.release.Action.StartDrains;
import dev.ferry.core.release.Action.StopDrain;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.operator.drain.Drainer;
import dev.ferry.operator.drain.Drainer.DrainException;
import dev.ferry.operator.kube.Annotations;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Carries out core's actions against the cluster and the drainer. Each is idempotent: targets are
 * absolute, so doing one twice after a crash changes nothing the second time.
 */
final class ClusterActions {

  private final KubernetesClient client;
  private final LosslessDeployment ld;
  private final PodTemplateSpec rendered;
  private final String templateRevision;
  private final List<Pod> pods;
  private final List<ReplicaSet> sets;
  private final Drainer drainer;
  private final Instant now;
  private final Clock clock;

  ClusterActions(
      KubernetesClient client, LosslessDeployment ld, PodTemplateSpec rendered, String templateRevision,
      List<Pod> pods, List<ReplicaSet> sets, Drainer drainer, Instant now, Clock clock) {
    this.client = client;
    this.ld = ld;
    this.rendered = rendered;
    this.templateRevision = templateRevision;
    this.pods = pods;
    this.sets = sets;
    this.drainer = drainer;
    this.now = now;
    this.clock = clock;
  }

  void apply(Action action) throws DrainException {
    switch (action) {
      case EnsureRevisionSet e -> ensureRevisionSet(e.revision(), e.replicas());
      case SetGates g -> setGates(g.gates());
      case StartDrain d -> startDrain(d);
      case StartDrains many -> startDrains(many);
      case StopDrain d -> stopDrain(d);
      case DeletePod d -> deletePod(d);
      case DeleteRevisionSets d -> d.revisions().forEach(r -> set(r).ifPresent(rs ->
          client.apps().replicaSets().inNamespace(ns()).withName(rs.getMetadata().getName()).delete()));
      case Wait w -> { }
    }
  }

  /**
   * Marks the pod with when its drain starts, then starts it: a pod that may be draining always
   * carries the mark (a crash between the two leaves a mark and no drain, which the next pass sees
   * and starts again, counting from then). The plans start a drain only on a pod that does not drain.
   */
  private void startDrain(StartDrain d) throws DrainException {
    Pod p = pod(d.pod());
    // Stamped when the drain is started, not when the pass began: EMQX ticks once a second from
    // its start, and the plan looks at a running drain just after each tick (PodRemoval.nextLook).
    annotate(d.pod(), FerryNames.DRAIN_STARTED_AT_ANNOTATION, clock.instant().toString());
    drainer.start(p, d.migrateTo().stream().map(this::pod).toList(), d.share());
  }

  /**
   * Starts each drain at its offset from now, side by side: EMQX ticks once a second from each
   * start, so the offsets are what interleave their bursts. One after the other, a start that takes
   * longer than the gap (on a busy cluster: the pod's annotation, the pod's /nodes and the start
   * call, most of a second) would push every later one, and the phases would bunch. Failures are
   * reported once every start is done, naming the drains that did start (they run, marked; the next
   * pass starts the missing ones).
   */
  private void startDrains(StartDrains many) throws DrainException {
    List<java.util.concurrent.Future<Void>> starts = new ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < many.drains().size(); i++) {
        Duration offset = many.offsets().get(i);
        StartDrain d = many.drains().get(i);
        starts.add(pool.submit(() -> {
          Thread.sleep(offset);
          startDrain(d);
          return null;
        }));
      }
    }
    List<String> started = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int i = 0; i < starts.size(); i++) { // all done: the pool's close waited for them
      if (starts.get(i).state() == java.util.concurrent.Future.State.SUCCESS) {
        started.add(many.drains().get(i).pod());
      } else {
        failures.add(starts.get(i).exceptionNow());
      }
    }
    if (failures.stream().anyMatch(InterruptedException.class::isInstance)) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting drains; started " + started);
    }
    if (!failures.isEmpty()) {
      DrainException failed = new DrainException((started.isEmpty() ? "" : "started the drains of "
          + String.join(", ", started) + "; ") + failures.stream().map(Throwable::getMessage)
          .collect(java.util.stream.Collectors.joining("; ")), failures.get(0));
      failures.stream().skip(1).forEach(failed::addSuppressed);
      throw failed;
    }
  }

  /** Stops the drain, then removes the mark: until the stop succeeded the pod may still be draining. */
  private void stopDrain(StopDrain d) throws DrainException {
    drainer.stop(pod(d.pod()));
    var a = pod(d.pod()).getMetadata().getAnnotations();
    if (a != null && a.containsKey(FerryNames.DRAIN_STARTED_AT_ANNOTATION)) {
      annotate(d.pod(), FerryNames.DRAIN_STARTED_AT_ANNOTATION, null);
    }
  }

  private void annotate(String podName, String key, String value) {
    Annotations.setOnPod(client, ns(), podName, key, value);
  }

  private void ensureRevisionSet(String revision, int replicas) {
    var existing = set(revision);
    if (existing.isPresent()) {
      scale(existing.get(), replicas);
      return;
    }
    if (!revision.equals(templateRevision)) {
      // Only the template's own revision can be created; an old one that is gone cannot come back.
      throw new IllegalStateException("revision set " + revision + " is gone and is not the template's");
    }
    client.apps().replicaSets().inNamespace(ns()).resource(newReplicaSet(revision, replicas)).create();
  }

  private ReplicaSet newReplicaSet(String revision, int replicas) {
    PodTemplateSpec template = TemplateRenderer.forRevision(rendered, revision);
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(FerryNames.DEPLOYMENT_LABEL, ld.getMetadata().getName());
    labels.put(FerryNames.REVISION_LABEL, revision);
    var selector = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder(ld.getSpec().getSelector())
        .addToMatchLabels(FerryNames.REVISION_LABEL, revision).build();
    return new ReplicaSetBuilder()
        .withNewMetadata()
          .withName(ReplicaSets.name(ld, revision))
          .withNamespace(ns())
          .withLabels(labels)
          .addToAnnotations(FerryNames.TEMPLATE_DIGEST_ANNOTATION, dev.ferry.operator.kube.Revisions.digest(rendered))
          // What `ferry undo` sets the template back to, and the number it names it by.
          .addToAnnotations(FerryNames.SOURCE_TEMPLATE_ANNOTATION,
              io.fabric8.kubernetes.client.utils.Serialization.asJson(ld.getSpec().getTemplate()))
          .addToAnnotations(FerryNames.REVISION_NUMBER_ANNOTATION,
              Integer.toString(dev.ferry.api.ReleaseVerbs.nextNumber(sets)))
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion(ld.getApiVersion()).withKind(ld.getKind())
              .withName(ld.getMetadata().getName()).withUid(ld.getMetadata().getUid())
              .withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withSelector(selector)
          .withTemplate(template)
        .endSpec()
        .build();
  }

  private void scale(ReplicaSet rs, int replicas) {
    Integer now = rs.getSpec().getReplicas();
    if (now != null && now == replicas) {
      return;
    }
    // An absolute number by merge patch: the ReplicaSet controller writes the set's status all the
    // time, and an edit carrying an older resourceVersion would be refused (409) mid-release.
    client.apps().replicaSets().inNamespace(ns()).withName(rs.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  /** True before False, so that serving capacity never dips during a switch. */
  private void setGates(Map<String, Boolean> gates) {
    List<String> order = new ArrayList<>();
    gates.forEach((pod, open) -> { if (open) order.add(pod); });
    gates.forEach((pod, open) -> { if (!open) order.add(pod); });
    var life = ld.getSpec().getLifecycle();
    boolean warmup = life != null && life.getWarmupSeconds() != null && life.getWarmupSeconds() > 0;
    for (String pod : order) {
      if (warmup && gates.get(pod)) {
        markReadyAt(pod);
      }
      setGate(pod, gates.get(pod));
    }
  }

  /** When a pod starts to serve: weight-aware proxies grow its share from here over the warmup. */
  private void markReadyAt(String podName) {
    // Read fresh: the pass's copy may not show the last pass's mark yet, and a second mark would
    // start the warmup over.
    Pod fresh = client.pods().inNamespace(ns()).withName(podName).get();
    var a = (fresh == null ? pod(podName) : fresh).getMetadata().getAnnotations();
    if (a == null || !a.containsKey(FerryNames.READY_AT_ANNOTATION)) {
      annotate(podName, FerryNames.READY_AT_ANNOTATION, now.toString());
    }
  }

  private void setGate(String podName, boolean open) {
    dev.ferry.operator.kube.PodGates.set(client, ns(), podName, open, now);
  }

  private void deletePod(DeletePod d) {
    Pod p = pod(d.pod());
    var annotations = p.getMetadata().getAnnotations();
    if (annotations == null || !FerryNames.DRAINED_POD_DELETION_COST.equals(annotations.get(FerryNames.POD_DELETION_COST_ANNOTATION))) {
      annotate(d.pod(), FerryNames.POD_DELETION_COST_ANNOTATION, FerryNames.DRAINED_POD_DELETION_COST);
    }
    set(d.revision()).ifPresent(rs -> scale(rs, d.revisionSetReplicas()));
  }

  private java.util.Optional<ReplicaSet> set(String revision) {
    return sets.stream().filter(rs -> revision.equals(ReplicaSets.revision(rs))).findFirst();
  }

  private Pod pod(String name) {
    return pods.stream().filter(p -> p.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalStateException("pod " + name + " is gone"));
  }

  private String ns() {
    return ld.getMetadata().getNamespace();
  }
}
