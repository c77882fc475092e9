package dev.ferry.operator.deployment;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.AdoptAfterwards;
import dev.ferry.api.v1alpha1.AdoptKind;
import dev.ferry.api.v1alpha1.AdoptSpec;
import dev.ferry.api.v1alpha1.AdoptionStatus;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentStatus;
import dev.ferry.api.v1alpha1.StrategyType;
import dev.ferry.core.adoption.AdoptionAction;
import dev.ferry.core.adoption.AdoptionObservation;
import dev.ferry.core.adoption.AdoptionObservation.AdoptedPod;
import dev.ferry.core.adoption.AdoptionObservation.Kind;
import dev.ferry.core.adoption.AdoptionObservation.State;
import dev.ferry.core.adoption.AdoptionPhase;
import dev.ferry.core.adoption.AdoptionPlan;
import dev.ferry.core.adoption.AdoptionStep;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSetView;
import dev.ferry.core.release.Step;
import dev.ferry.operator.drain.Drainer;
import dev.ferry.operator.kube.EventRecorder;
import dev.ferry.operator.kube.PodStates;
import dev.ferry.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler's part for {@code spec.adopt} (docs/adopt.md): observe the adopted workload, its
 * Service and Ferry's set, ask {@link AdoptionPlan} for the next step, act, record. Until the
 * adoption is over the release plans are not asked: Ferry's first deployment would open its gates
 * at once, beside pods it has not taken over.
 */
final class Adoption {

  private static final Logger log = LoggerFactory.getLogger(Adoption.class);
  private static final Duration AFTER_ACTION = Duration.ofMillis(200);
  private static final Duration AFTER_ERROR = Duration.ofSeconds(5);
  private static final Duration RECHECK_INVALID = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;

  /** The status to write and when to look again. */
  record Outcome(LosslessDeploymentStatus status, Duration delay) {}

  Adoption(KubernetesClient client, EventRecorder events, OperatorMetrics metrics, Clock clock) {
    this.client = client;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Whether this pass is the adoption's: spec.adopt is set and the adoption is not Completed (or
   * its finalizer is still there), or an adoption runs whose spec.adopt was removed.
   */
  static boolean applies(LosslessDeployment ld) {
    AdoptionStatus a = ld.getStatus() == null ? null : ld.getStatus().getAdoption();
    boolean running = a != null && a.getPhase() != null && a.getPhase().running();
    if (ld.getSpec().getAdopt() == null) {
      return running;
    }
    return a == null || a.getPhase() != dev.ferry.api.v1alpha1.AdoptionPhase.COMPLETED || hasFinalizer(ld);
  }

  /** A deletion waits for the adoption only while its finalizer is on the LosslessDeployment. */
  static boolean holdsDeletion(LosslessDeployment ld) {
    return hasFinalizer(ld);
  }

  static boolean hasFinalizer(LosslessDeployment ld) {
    return ld.getMetadata().getFinalizers() != null
        && ld.getMetadata().getFinalizers().contains(AdoptSpec.ADOPTION_FINALIZER);
  }

  Outcome pass(LosslessDeployment ld, PodTemplateSpec rendered, String templateRevision, List<ReplicaSet> sets,
      Drainer drainer, Instant now) {
    AdoptSpec adopt = ld.getSpec().getAdopt();
    AdoptionStatus recorded = ld.getStatus() == null ? null : ld.getStatus().getAdoption();
    State state = retried(ld, state(recorded)) ? null : state(recorded);
    List<SpecProblem> problems = problems(ld, adopt, state, templateRevision);
    if (!problems.isEmpty()) {
      return invalid(ld, problems, now);
    }
    World w = observe(ld, adopt, templateRevision, state, sets, drainer, now);
    AdoptionStep step = AdoptionPlan.next(w.observation());
    try {
      act(ld, adopt, step.action(), new ClusterActions(client, ld, rendered, templateRevision,
          Stream.concat(w.ferryPods().stream(), w.adoptedPods().stream()).toList(), sets, drainer, now, clock));
    } catch (Drainer.DrainException | KubernetesClientException | IllegalStateException e) {
      metrics.error(LosslessDeploymentReconciler.KIND, "ActionFailed");
      events.warning(ld, "ActionFailed", step.reason() + ": " + e.getMessage());
      log.warn("{}/{}: adoption {} failed: {}", ld.getMetadata().getNamespace(), ld.getMetadata().getName(),
          step.action(), e.getMessage());
      return new Outcome(ld.getStatus(), AFTER_ERROR);
    }
    if (!(step.action() instanceof AdoptionAction.Release r && r.action() instanceof Wait)) {
      metrics.action(LosslessDeploymentReconciler.KIND, actionName(step.action()));
    }
    announce(ld, step, state);
    if (step.action() instanceof AdoptionAction.Finish && ld.isMarkedForDeletion()) {
      return new Outcome(ld.getStatus(), AFTER_ACTION); // the finalizer is gone, and with it the resource
    }
    LosslessDeploymentStatus next = record(ld, adopt, step, w, recorded, now);
    observe(ld, step, w.observation().drains());
    return new Outcome(next, delay(step, now));
  }

  /** {@code ferry retry} of a rolled-back adoption, named with when it was rolled back: it starts again, once. */
  private static boolean retried(LosslessDeployment ld, State state) {
    var a = ld.getMetadata().getAnnotations();
    String retry = a == null ? null : a.get(FerryNames.RETRY_ANNOTATION);
    return retry != null && state != null && state.phase() == AdoptionPhase.RolledBack && !ld.isMarkedForDeletion()
        && retry.equals(dev.ferry.core.release.ReleaseControl.retryToken(state.revision(), state.phaseStartedAt()));
  }

  // ---- validation ----

  /** What stands in the way; the cluster is checked only before the adoption (re)starts. */
  private List<SpecProblem> problems(LosslessDeployment ld, AdoptSpec adopt, State state, String templateRevision) {
    if (adopt == null) {
      return List.of(new SpecProblem("spec.adopt", "cannot be removed while the adoption runs ("
          + state.phase() + "): abort it (ferry abort) and let it roll back first"));
    }
    boolean starting = state == null || !AdoptionPlan.revision(state, templateRevision).equals(state.revision());
    if (!starting || ld.isMarkedForDeletion()) {
      return List.of();
    }
    var s = ld.getStatus();
    if (state == null && s != null && s.getCurrentRevision() != null) {
      return List.of(new SpecProblem("spec.adopt", "this LosslessDeployment runs pods of its own already: only a "
          + "new one takes a workload over"));
    }
    String ns = ld.getMetadata().getNamespace();
    StatefulSet sts = adopt.getKind() == AdoptKind.STATEFUL_SET
        ? client.apps().statefulSets().inNamespace(ns).withName(adopt.getName()).get() : null;
    Deployment dep = adopt.getKind() == AdoptKind.DEPLOYMENT
        ? client.apps().deployments().inNamespace(ns).withName(adopt.getName()).get() : null;
    Service svc = client.services().inNamespace(ns).withName(ld.getSpec().getService().getName()).get();
    // Resumed after a crash between the record and the status write: the selector is Ferry's already.
    if (svc != null && annotation(svc, AdoptSpec.ADOPTED_SELECTOR_ANNOTATION) != null) {
      return List.of();
    }
    return AdoptionCheck.cluster(ld.getSpec(), sts, dep, svc);
  }

  private Outcome invalid(LosslessDeployment ld, List<SpecProblem> problems, Instant now) {
    LosslessDeploymentStatus invalid = StatusRecorder.invalid(ld, problems, now);
    if (!Objects.equals(ld.getStatus() == null ? null : ld.getStatus().getMessage(), invalid.getMessage())) {
      events.warning(ld, "InvalidSpec", invalid.getMessage());
      log.warn("{}/{}: {}", ld.getMetadata().getNamespace(), ld.getMetadata().getName(), invalid.getMessage());
    }
    metrics.error(LosslessDeploymentReconciler.KIND, "InvalidSpec");
    return new Outcome(invalid, RECHECK_INVALID);
  }

  // ---- observe ----

  /** The observation and the pods behind it (the actions need the Pod objects). */
  private record World(AdoptionObservation observation, List<Pod> ferryPods, List<Pod> adoptedPods) {}

  private World observe(LosslessDeployment ld, AdoptSpec adopt, String templateRevision, State state,
      List<ReplicaSet> sets, Drainer drainer, Instant now) {
    String ns = ld.getMetadata().getNamespace();
    String revision = AdoptionPlan.revision(state, templateRevision);
    HasMetadata workload = workload(ns, adopt);
    List<Pod> adopted = workload == null ? List.of() : adoptedPods(ns, adopt, workload);
    List<Pod> ferry = client.pods().inNamespace(ns).withLabel(FerryNames.DEPLOYMENT_LABEL, ld.getMetadata().getName())
        .withLabel(FerryNames.REVISION_LABEL, revision).list().getItems();
    List<Pod> live = Stream.concat(ferry.stream(), adopted.stream()).filter(p -> !PodStates.terminating(p)).toList();
    Drainer.Observation seen = drainer.observe(live);
    Map<String, String> outside = seen.notInCluster();
    List<PodView> ferryViews = ferry.stream()
        .map(p -> PodStates.view(p).withNotInCluster(outside.get(p.getMetadata().getName()))).toList();
    List<AdoptedPod> adoptedViews = adopted.stream().map(p -> new AdoptedPod(
        PodStates.view(p).withNotInCluster(outside.get(p.getMetadata().getName())), ordinal(adopt, p))).toList();
    RevisionSetView ferrySet = sets.stream().filter(rs -> revision.equals(ReplicaSets.revision(rs)))
        .map(ReplicaSets::view).findFirst().orElse(null);
    Service svc = client.services().inNamespace(ns).withName(ld.getSpec().getService().getName()).get();
    String abort = ld.getMetadata().getAnnotations() == null ? null
        : ld.getMetadata().getAnnotations().get(FerryNames.ABORT_ANNOTATION);
    boolean rollback = ld.isMarkedForDeletion() || revision.equals(abort);
    var observation = new AdoptionObservation(spec(ld, adopt), templateRevision, state, workloadView(workload),
        serviceView(svc, ld), hasFinalizer(ld), ferrySet, ferryViews, adoptedViews,
        seen.drains(), rollback, now);
    return new World(observation, ferry, adopted);
  }

  private HasMetadata workload(String ns, AdoptSpec adopt) {
    return adopt.getKind() == AdoptKind.STATEFUL_SET
        ? client.apps().statefulSets().inNamespace(ns).withName(adopt.getName()).get()
        : client.apps().deployments().inNamespace(ns).withName(adopt.getName()).get();
  }

  /**
   * The workload's own pods: those it controls (a StatefulSet), or those controlled by its
   * ReplicaSets (a Deployment). Found by owner, not by labels: Ferry's pods carry the same labels.
   */
  private List<Pod> adoptedPods(String ns, AdoptSpec adopt, HasMetadata workload) {
    Set<String> owners = Set.of(workload.getMetadata().getUid());
    if (adopt.getKind() == AdoptKind.DEPLOYMENT) {
      owners = client.apps().replicaSets().inNamespace(ns).list().getItems().stream()
          .filter(rs -> controlledBy(rs.getMetadata(), workload.getMetadata().getUid()))
          .map(rs -> rs.getMetadata().getUid()).collect(Collectors.toSet());
    }
    Set<String> by = owners;
    return client.pods().inNamespace(ns).list().getItems().stream()
        .filter(p -> by.stream().anyMatch(uid -> controlledBy(p.getMetadata(), uid)))
        .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
  }

  private static boolean controlledBy(ObjectMeta meta, String uid) {
    return meta.getOwnerReferences() != null && meta.getOwnerReferences().stream()
        .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && uid.equals(o.getUid()));
  }

  /** A StatefulSet pod's ordinal: the number after the last dash of its name; -1 for a Deployment's pod. */
  private static int ordinal(AdoptSpec adopt, Pod p) {
    if (adopt.getKind() != AdoptKind.STATEFUL_SET) {
      return -1;
    }
    String name = p.getMetadata().getName();
    try {
      return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE; // not an ordinal name: the controller removes it first, so it goes first
    }
  }

  private static AdoptionObservation.Workload workloadView(HasMetadata w) {
    if (w == null) {
      return new AdoptionObservation.Workload(false, 0, null);
    }
    Integer replicas = w instanceof StatefulSet s ? s.getSpec().getReplicas() : ((Deployment) w).getSpec().getReplicas();
    String recorded = annotation(w, AdoptSpec.ADOPTED_REPLICAS_ANNOTATION);
    return new AdoptionObservation.Workload(true, replicas == null ? 1 : replicas,
        recorded == null ? null : Integer.valueOf(recorded));
  }

  private AdoptionObservation.Service serviceView(Service svc, LosslessDeployment ld) {
    if (svc == null) {
      return new AdoptionObservation.Service(false, false, Set.of());
    }
    var selector = svc.getSpec().getSelector();
    return new AdoptionObservation.Service(annotation(svc, AdoptSpec.ADOPTED_SELECTOR_ANNOTATION) != null,
        selector != null && ld.getMetadata().getName().equals(selector.get(FerryNames.DEPLOYMENT_LABEL)),
        dev.ferry.operator.kube.Endpoints.serving(client, ld));
  }

  private static AdoptionObservation.Spec spec(LosslessDeployment ld, AdoptSpec adopt) {
    var strategy = ld.getSpec().getStrategy();
    Duration delay = Duration.ZERO;
    Duration deadline = Duration.ofSeconds(600);
    if (strategy.getType() == StrategyType.BLUE_GREEN) {
      var bg = strategy.blueGreenOrDefaults();
      delay = Duration.ofSeconds(bg.getInitialDelaySeconds());
      deadline = Duration.ofSeconds(bg.getProgressDeadlineSeconds());
    } else if (strategy.rollingOrDefaults().getProgressDeadlineSeconds() != null) {
      deadline = Duration.ofSeconds(strategy.rollingOrDefaults().getProgressDeadlineSeconds());
    }
    return new AdoptionObservation.Spec(adopt.getKind() == AdoptKind.STATEFUL_SET ? Kind.StatefulSet : Kind.Deployment,
        adopt.getName(), adopt.afterwardsOrDefault() == AdoptAfterwards.DELETE, ld.getSpec().getReplicas(), delay,
        deadline, Specs.drain(ld.getSpec()));
  }

  private static State state(AdoptionStatus a) {
    if (a == null || a.getPhase() == null) {
      return null;
    }
    Instant since = a.getPhaseStartedAt() == null ? null : Instant.parse(a.getPhaseStartedAt());
    return new State(AdoptionPhase.valueOf(switch (a.getPhase()) {
      case PROVISIONING -> "Provisioning";
      case SWITCHING -> "Switching";
      case SETTLING -> "Settling";
      case DRAINING -> "Draining";
      case COMPLETED -> "Completed";
      case ROLLING_BACK -> "RollingBack";
      case ROLLED_BACK -> "RolledBack";
    }), a.getRevision(), since);
  }

  // ---- act ----

  private void act(LosslessDeployment ld, AdoptSpec adopt, AdoptionAction action, ClusterActions release)
      throws Drainer.DrainException {
    AdoptedObjects objects = new AdoptedObjects(client, ld, adopt);
    switch (action) {
      case AdoptionAction.Record r -> objects.record();
      case AdoptionAction.Release r -> release.apply(r.action());
      case AdoptionAction.SwitchService s -> objects.switchService(s.toFerry());
      case AdoptionAction.ScaleWorkload s -> objects.scale(s.replicas(), s.markedPod());
      case AdoptionAction.DeleteWorkload d -> objects.delete();
      case AdoptionAction.Finish f -> objects.finish(f.restore());
    }
  }

  private static String actionName(AdoptionAction a) {
    return a instanceof AdoptionAction.Release r ? r.action().getClass().getSimpleName() : a.getClass().getSimpleName();
  }

  // ---- record ----

  private void announce(LosslessDeployment ld, AdoptionStep step, State before) {
    boolean acted = !(step.action() instanceof AdoptionAction.Release r && r.action() instanceof Wait);
    boolean phaseChanged = before == null || before.phase() != step.state().phase();
    boolean newlyStalled = step.stalled()
        && !Objects.equals(ld.getStatus() == null ? null : ld.getStatus().getMessage(), step.message());
    if (!acted && !phaseChanged && !newlyStalled) {
      return;
    }
    String message = (phaseChanged ? "[Adoption " + step.state().phase() + "] " : "") + step.message();
    if (step.stalled()) {
      events.warning(ld, step.reason().name(), message);
    } else {
      events.normal(ld, step.reason().name(), message);
    }
    log.info("{}/{} adoption {} {}: {}", ld.getMetadata().getNamespace(), ld.getMetadata().getName(),
        step.state().phase(), step.reason(), step.message());
  }

  private LosslessDeploymentStatus record(LosslessDeployment ld, AdoptSpec adopt, AdoptionStep step, World w,
      AdoptionStatus before, Instant now) {
    State s = step.state();
    boolean completed = s.phase() == AdoptionPhase.Completed;
    ReleaseStatus release = new ReleaseStatus(phase(s.phase()), completed ? s.revision() : null, s.revision(),
        s.phaseStartedAt());
    dev.ferry.core.release.Action shown = step.action() instanceof AdoptionAction.Release r ? r.action() : new Wait(now);
    Step asRelease = new Step(shown, release, step.reason(), step.message(), step.stalled(), step.drainPod());
    Map<String, DrainView> drains = w.observation().drains();
    Integer collisions = ld.getStatus() == null ? null : ld.getStatus().getCollisionCount();
    LosslessDeploymentStatus next = StatusRecorder.record(ld, asRelease, w.observation().ferryPods(), drains,
        collisions, selector(ld), now);
    AdoptionStatus a = new AdoptionStatus();
    a.setPhase(apiPhase(s.phase()));
    a.setPhaseStartedAt(s.phaseStartedAt() == null ? null : s.phaseStartedAt().toString());
    a.setRevision(s.revision());
    a.setWorkload(adopt == null ? before.getWorkload() : adopt.getKind().kindName() + "/" + adopt.getName());
    List<String> removed = new ArrayList<>();
    if (before != null && Objects.equals(before.getRevision(), s.revision()) && before.getRemoved() != null
        && (before.getPhase() != dev.ferry.api.v1alpha1.AdoptionPhase.ROLLED_BACK || s.phase() == AdoptionPhase.RolledBack)) {
      removed.addAll(before.getRemoved());
    }
    if (step.removedPod() != null && !removed.contains(step.removedPod())) {
      removed.add(step.removedPod());
    }
    a.setRemoved(removed);
    next.setAdoption(a);
    return next;
  }

  /** The same gauges as a release: ferry_phase (the release phase the adoption shows) and the drain's counts. */
  private void observe(LosslessDeployment ld, AdoptionStep step, Map<String, DrainView> drains) {
    String ns = ld.getMetadata().getNamespace();
    String name = ld.getMetadata().getName();
    metrics.phase(LosslessDeploymentReconciler.KIND, ns, name, phase(step.state().phase()).name(),
        java.util.Arrays.stream(Phase.values()).map(Enum::name).toList());
    DrainView d = step.drainPod() == null ? null : drains.get(step.drainPod());
    metrics.drain(ns, name, d == null ? -1 : d.connections(), d == null ? -1 : d.sessions());
  }

  private static Phase phase(AdoptionPhase p) {
    return switch (p) {
      case Provisioning -> Phase.Provisioning;
      case Switching -> Phase.Switching;
      case Settling -> Phase.Settling;
      case Draining -> Phase.Draining;
      case Completed -> Phase.Healthy;
      case RollingBack, RolledBack -> Phase.Aborted;
    };
  }

  private static dev.ferry.api.v1alpha1.AdoptionPhase apiPhase(AdoptionPhase p) {
    return switch (p) {
      case Provisioning -> dev.ferry.api.v1alpha1.AdoptionPhase.PROVISIONING;
      case Switching -> dev.ferry.api.v1alpha1.AdoptionPhase.SWITCHING;
      case Settling -> dev.ferry.api.v1alpha1.AdoptionPhase.SETTLING;
      case Draining -> dev.ferry.api.v1alpha1.AdoptionPhase.DRAINING;
      case Completed -> dev.ferry.api.v1alpha1.AdoptionPhase.COMPLETED;
      case RollingBack -> dev.ferry.api.v1alpha1.AdoptionPhase.ROLLING_BACK;
      case RolledBack -> dev.ferry.api.v1alpha1.AdoptionPhase.ROLLED_BACK;
    };
  }

  private static String selector(LosslessDeployment ld) {
    var m = ld.getSpec().getSelector() == null ? null : ld.getSpec().getSelector().getMatchLabels();
    return m == null ? null
        : String.join(",", m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList());
  }

  private static Duration delay(AdoptionStep step, Instant now) {
    if (step.action() instanceof AdoptionAction.Release r && r.action() instanceof Wait wait) {
      Duration d = Duration.between(now, wait.recheckAt());
      return d.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : d;
    }
    return AFTER_ACTION;
  }

  static String annotation(HasMetadata o, String key) {
    var a = o.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }
}
