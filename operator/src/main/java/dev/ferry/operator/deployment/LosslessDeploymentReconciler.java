package dev.ferry.operator.deployment;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.DrainSpec;
import dev.ferry.api.v1alpha1.DrainType;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentStatus;
import dev.ferry.api.v1alpha1.StrategyType;
import dev.ferry.core.bluegreen.BlueGreenObservation;
import dev.ferry.core.bluegreen.BlueGreenPlan;
import dev.ferry.core.migration.MigrationPlan.Decision;
import dev.ferry.core.migration.MigrationPlan.Sessions;
import dev.ferry.core.migration.ReleaseGate;
import dev.ferry.core.release.Action;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.ReleaseControl;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSetView;
import dev.ferry.core.release.Step;
import dev.ferry.core.rolling.RollingObservation;
import dev.ferry.core.rolling.RollingPlan;
import dev.ferry.operator.drain.Drainer;
import dev.ferry.operator.drain.EmqxDrainer;
import dev.ferry.operator.drain.HttpDrainer;
import dev.ferry.operator.drain.NoDrainer;
import dev.ferry.operator.emqx.EmqxCredentials;
import dev.ferry.operator.kube.Annotations;
import dev.ferry.operator.kube.EventRecorder;
import dev.ferry.operator.kube.PodStates;
import dev.ferry.operator.kube.Revisions;
import dev.ferry.operator.metrics.OperatorMetrics;
import dev.ferry.operator.metrics.PassLaps;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a LosslessDeployment: validate, observe, ask core's plan for the one next action, act,
 * record. It keeps nothing between passes that the cluster and the status do not show, so it can be
 * stopped at any moment and carry on.
 *
 * <p>Pods and ReplicaSets are read fresh from the API server on every pass (not from a cache): a
 * decision such as "this pod is drained, delete it" must never rest on a stale view. The informers
 * below only wake the reconciler when something changes.
 */
// Not generation-aware: a promotion is an annotation, which does not bump the generation.
// On all events: a LosslessDeployment being deleted mid-adoption is reconciled too (its finalizer,
// ferry.dev/adoption, is the reconciler's own, not the framework's).
@ControllerConfiguration(name = "losslessdeployment", generationAwareEventProcessing = false,
    triggerReconcilerOnAllEvents = true)
public final class LosslessDeploymentReconciler implements Reconciler<LosslessDeployment> {

  private static final Logger log = LoggerFactory.getLogger(LosslessDeploymentReconciler.class);
  static final String KIND = "LosslessDeployment";
  /** After an action, look again soon: its effect shows within a moment. */
  private static final Duration AFTER_ACTION = Duration.ofMillis(200);
  private static final Duration AFTER_ERROR = Duration.ofSeconds(5);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final dev.ferry.operator.rebalance.AutoRebalancer autoRebalancer;
  private final Adoption adoption;
  /** The emqx drains' progress as last seen, by resource: a cache, status.drain restores the one it reports. */
  private final Map<String, Map<String, EmqxDrainer.Progress>> drainProgress = new java.util.concurrent.ConcurrentHashMap<>();
  private final HttpClient drainHttp = HttpDrainer.newHttpClient();
  private final Map<String, Instant> httpDrainStarts = HttpDrainer.newStartTimes();
  /** The last session count that kept a contract waiting, by resource: asked again after SESSION_RECHECK. */
  private final Map<String, CountedAt> sessionCounts = new java.util.concurrent.ConcurrentHashMap<>();
  private static final Duration SESSION_RECHECK = Duration.ofSeconds(3);
  /** Connect, login and query timeout of the session check: a reconcile waits for it. */
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(3);

  private record CountedAt(Sessions sessions, Instant at) {}

  public LosslessDeploymentReconciler(KubernetesClient client, OperatorMetrics metrics, Clock clock) {
    this.client = client;
    this.events = new EventRecorder(client, "ferry-operator", clock);
    this.metrics = metrics;
    this.clock = clock;
    this.autoRebalancer = new dev.ferry.operator.rebalance.AutoRebalancer(client, events);
    this.adoption = new Adoption(client, events, metrics, clock);
  }

  @Override
  public List<EventSource<?, LosslessDeployment>> prepareEventSources(EventSourceContext<LosslessDeployment> context) {
    // Pods and ReplicaSets carry the ferry.dev/deployment label: map them to their resource by it.
    return List.of(
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, LosslessDeployment.class)
                .withLabelSelector(FerryNames.DEPLOYMENT_LABEL)
                .withSecondaryToPrimaryMapper(p -> byLabel(p.getMetadata()))
                .build(),
            context),
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ReplicaSet.class, LosslessDeployment.class)
                .withLabelSelector(FerryNames.DEPLOYMENT_LABEL)
                .withSecondaryToPrimaryMapper(rs -> byLabel(rs.getMetadata()))
                .build(),
            context),
        // The Rebalances spec.rebalance.auto creates (labelled with their deployment): their end is recorded at once.
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(dev.ferry.api.v1alpha1.Rebalance.class, LosslessDeployment.class)
                .withLabelSelector(FerryNames.DEPLOYMENT_LABEL)
                .withSecondaryToPrimaryMapper(rb -> byLabel(rb.getMetadata()))
                .build(),
            context),
        // Migration Jobs: a Job that completes or fails lets the release (or the contract) go on.
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, LosslessDeployment.class)
                .withLabelSelector(FerryNames.MIGRATION_OWNER_LABEL)
                .withSecondaryToPrimaryMapper(j -> {
                  var labels = j.getMetadata().getLabels();
                  String owner = labels == null ? null : labels.get(FerryNames.MIGRATION_OWNER_LABEL);
                  return owner == null ? Set.of() : Set.of(new ResourceID(owner, j.getMetadata().getNamespace()));
                })
                .build(),
            context));
  }

  private static Set<ResourceID> byLabel(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
    String name = meta.getLabels() == null ? null : meta.getLabels().get(FerryNames.DEPLOYMENT_LABEL);
    return name == null ? Set.of() : Set.of(new ResourceID(name, meta.getNamespace()));
  }

  @Override
  public UpdateControl<LosslessDeployment> reconcile(LosslessDeployment ld, Context<LosslessDeployment> context) {
    long t0 = System.nanoTime();
    PassLaps laps = new PassLaps();
    boolean failed = false;
    try {
      // The informer's copy may not show this reconciler's last status write yet: decide from the
      // API server's copy, as for pods and ReplicaSets.
      LosslessDeployment fresh = client.resource(ld).get();
      laps.lap("read");
      return fresh == null ? UpdateControl.noUpdate() : pass(fresh, laps);
    } catch (RuntimeException e) {
      failed = true;
      throw e;
    } finally {
      laps.lap("record");
      metrics.reconciled(KIND, Duration.ofNanos(System.nanoTime() - t0), failed);
      metrics.steps(KIND, laps);
      if (log.isDebugEnabled()) { // the summary is built on every pass otherwise
        log.debug("event=reconcile_pass resource={}/{} {}", ld.getMetadata().getNamespace(), ld.getMetadata().getName(),
            laps.summary());
      }
    }
  }

  private UpdateControl<LosslessDeployment> pass(LosslessDeployment ld, PassLaps laps) {
    Instant now = clock.instant();
    String ns = ld.getMetadata().getNamespace();
    String name = ld.getMetadata().getName();
    if (ld.isMarkedForDeletion() && !Adoption.holdsDeletion(ld)) {
      return UpdateControl.noUpdate(); // only a running adoption holds a deletion (docs/adopt.md)
    }

    List<SpecProblem> problems = SpecValidator.validate(ld.getSpec(), secretName -> secret(ns, secretName));
    if (!problems.isEmpty()) {
      LosslessDeploymentStatus invalid = StatusRecorder.invalid(ld, problems, now);
      if (!Objects.equals(ld.getStatus() == null ? null : ld.getStatus().getMessage(), invalid.getMessage())) {
        events.warning(ld, "InvalidSpec", invalid.getMessage());
        log.warn("{}/{}: {}", ns, name, invalid.getMessage());
      }
      metrics.error(KIND, "InvalidSpec");
      return status(ld, invalid).rescheduleAfter(Duration.ofMinutes(1));
    }

    // Render and name the revision; a hash that collides with a different template moves the count up.
    int collisions = ld.getStatus() == null || ld.getStatus().getCollisionCount() == null ? 0 : ld.getStatus().getCollisionCount();
    PodTemplateSpec rendered = TemplateRenderer.render(ld);
    String revision = Revisions.hash(rendered, collisions);
    List<ReplicaSet> sets = client.apps().replicaSets().inNamespace(ns).withLabel(FerryNames.DEPLOYMENT_LABEL, name)
        .list().getItems().stream().filter(rs -> dev.ferry.api.ReleaseVerbs.ownedBy(rs, ld)).toList();
    String digest = Revisions.digest(rendered);
    for (ReplicaSet rs : sets) {
      String theirs = rs.getMetadata().getAnnotations() == null ? null
          : rs.getMetadata().getAnnotations().get(FerryNames.TEMPLATE_DIGEST_ANNOTATION);
      if (revision.equals(ReplicaSets.revision(rs)) && theirs != null && !theirs.equals(digest)) {
        LosslessDeploymentStatus s = dev.ferry.operator.kube.Copies.copy(
            ld.getStatus() == null ? new LosslessDeploymentStatus() : ld.getStatus(), LosslessDeploymentStatus.class);
        s.setCollisionCount(collisions + 1);
        events.normal(ld, "HashCollision", "revision " + revision + " collides with another template; counting up");
        return status(ld, s).rescheduleAfter(AFTER_ACTION);
      }
    }

    if (Adoption.applies(ld)) {
      laps.lap("read");
      Adoption.Outcome taken = adoption.pass(ld, rendered, revision, sets, drainer(ld), now);
      laps.lap("adoption");
      return status(ld, taken.status()).rescheduleAfter(taken.delay());
    }
    ensureService(ld);
    List<Pod> pods = client.pods().inNamespace(ns).withLabel(FerryNames.DEPLOYMENT_LABEL, name).list().getItems();
    List<Pod> allPods = pods;
    Set<String> ourRevisions = new TreeSet<>();
    sets.forEach(rs -> ourRevisions.add(ReplicaSets.revision(rs)));
    pods = pods.stream().filter(p -> ourRevisions.contains(PodStates.revision(p))).toList();
    List<RevisionSetView> setViews = sets.stream().map(ReplicaSets::view).toList();

    Drainer drainer = drainer(ld);
    List<Pod> live = pods.stream().filter(p -> !PodStates.terminating(p)).toList();
    laps.lap("read");
    Drainer.Observation seen = drainer.observe(live);
    laps.lap("brokers");
    drainProgress.values().removeIf(Map::isEmpty); // resources with no drain running remember nothing
    Map<String, DrainView> drains = ld.getSpec().drainOrDefaults().getType() == DrainType.EMQX
        ? withRecordedProgress(ld, seen.drains()) : seen.drains();
    Set<String> holders = holders(ns, pods);
    List<PodView> views = pods.stream()
        .map(p -> {
          PodView v = PodStates.view(p).withNotInCluster(seen.notInCluster().get(p.getMetadata().getName()));
          return v.heldOut() && !holders.contains(PodStates.heldBy(p)) ? v.withHeldOut(false) : v;
        })
        .toList();

    ReleaseStatus remembered = StatusRecorder.releaseStatus(ld.getStatus());

    forgetObsoleteAbort(ld, revision);
    laps.lap("read"); // the holders' Rebalances
    Decided decided = decide(ld, revision, remembered, sets, allPods, setViews, views, live, drains, now);
    laps.lap("decide");
    Step step = decided.step();
    SchemaMigrations.Pass migration = decided.migration();
    Map<String, Job> jobs = decided.jobs();

    String failure = null;
    try {
      if (migration != null) {
        runMigration(ld, migration);
      }
      new ClusterActions(client, ld, rendered, revision, pods, sets, drainer, now, clock).apply(step.action());
      if (step.action() instanceof Action.StartDrains many) {
        many.drains().forEach(d -> metrics.action(KIND, d.getClass().getSimpleName()));
      } else if (!(step.action() instanceof Wait)) {
        metrics.action(KIND, step.action().getClass().getSimpleName());
      }
    } catch (Drainer.DrainException | KubernetesClientException | IllegalStateException e) {
      failure = e.getMessage();
    }
    laps.lap("act");

    LosslessDeploymentStatus next;
    if (failure != null) {
      // Nothing moves on: the step is decided again on the next pass. Say why, keep the rest.
      metrics.error(KIND, "ActionFailed");
      events.warning(ld, "ActionFailed", step.reason() + ": " + failure);
      log.warn("{}/{}: {} failed: {}", ns, name, step.action(), failure);
      next = StatusRecorder.record(ld, new Step(new Wait(now.plus(AFTER_ERROR)), remembered.phase() == null
          ? step.status() : remembered, step.reason(), "failed: " + failure, true, step.drainPod()),
          views, drains, collisions == 0 ? null : collisions, selector(ld), now);
      if (migration != null) {
        // The migration part of this pass happened (a Job may have been created): its status too,
        // or a fast expand would later be taken for one this release did not wait for.
        recordMigration(ld, migration, jobs, next, now);
      }
      return status(ld, next).rescheduleAfter(AFTER_ERROR);
    }

    next = StatusRecorder.record(ld, step, views, drains, collisions == 0 ? null : collisions, selector(ld), now);
    announce(ld, step, remembered);
    laps.lap("record");
    Duration rebalanceRecheck = autoRebalancer.pass(ld, next, live,
        () -> emqxApis(client, ns, ld.getSpec().getDrain().getEmqx())::connect, now);
    laps.lap("rebalance");
    Duration migrationRecheck = null;
    if (migration != null) {
      recordMigration(ld, migration, jobs, next, now);
      migrationRecheck = SchemaMigrations.recheck(migration);
    }
    metrics.phase(KIND, ns, name, step.status().phase().name(),
        Arrays.stream(dev.ferry.core.release.Phase.values()).map(Enum::name).toList());
    DrainView d = step.drainPod() == null ? null : drains.get(step.drainPod());
    metrics.drain(ns, name, d == null ? -1 : d.connections(), d == null ? -1 : d.sessions());
    // From the end of this pass, not its start: a recheck at a given moment (a drain looked at just
    // after EMQX's tick) must not come late by the pass's own time.
    Duration delay = step.action() instanceof Wait w
        ? Duration.between(clock.instant(), w.recheckAt()) : AFTER_ACTION;
    for (Duration recheck : Arrays.asList(migrationRecheck, rebalanceRecheck)) {
      if (recheck != null && recheck.compareTo(delay) < 0) {
        delay = recheck;
      }
    }
    if (delay.compareTo(Duration.ofMillis(100)) < 0) {
      delay = Duration.ofMillis(100);
    }
    return status(ld, next).rescheduleAfter(delay);
  }

  /** The step of one pass and, with schema migrations, what they decided (acted on and recorded with it). */
  private record Decided(Step step, SchemaMigrations.Pass migration, Map<String, Job> jobs) {}

  /**
   * Decides the pass's step: the migrations' say first, then what people asked (ferry abort, retry,
   * pause) around the release plan.
   */
  private Decided decide(LosslessDeployment ld, String revision, ReleaseStatus remembered, List<ReplicaSet> sets,
      List<Pod> allPods, List<RevisionSetView> setViews, List<PodView> views, List<Pod> live,
      Map<String, DrainView> drains, Instant now) {
    // Schema migrations first: they decide whether the release may give the new revision pods.
    SchemaMigrations.Pass migration = null;
    Map<String, Job> jobs = Map.of();
    if (SchemaMigrations.enabled(ld)) {
      jobs = SchemaMigrations.jobs(client, ld);
      migration = SchemaMigrations.decide(ld, revision, remembered, sets, allPods, jobs, () -> oldSessions(ld, now), now);
    }
    Decision decision = migration == null ? null : migration.decision();
    String planTarget = decision == null ? revision : ReleaseGate.planTarget(decision, revision, remembered);
    ReleaseStatus planStatus = decision == null ? remembered
        : ReleaseGate.remembered(remembered, abortedByExpand(ld), decision);

    // What people asked (ferry abort, retry, pause): around the plan, after the migrations' say.
    ReleaseControl.Requests requests = requests(ld);
    String templateTarget = planTarget;
    if (templateTarget != null && templateTarget.equals(revision)) {
      planTarget = ReleaseControl.planTarget(requests, templateTarget, planStatus);
      planStatus = ReleaseControl.planStatus(requests, templateTarget, planStatus);
    }

    Step step;
    if (planTarget == null) {
      step = ReleaseGate.nothingToRelease(decision, revision, remembered, now);
    } else if (ld.getSpec().getStrategy().getType() == StrategyType.ROLLING) {
      Set<String> inEndpoints = dev.ferry.operator.kube.Endpoints.serving(client, ld);
      step = RollingPlan.next(new RollingObservation(
          Specs.rolling(ld.getSpec()), planTarget, planStatus, setViews, views, drains,
          inEndpoints, endpointsLeft(live, inEndpoints, now), now));
    } else {
      String promoted = ld.getMetadata().getAnnotations() == null ? null
          : ld.getMetadata().getAnnotations().get(FerryNames.PROMOTE_ANNOTATION);
      step = BlueGreenPlan.next(new BlueGreenObservation(
          Specs.blueGreen(ld.getSpec()), planTarget, promoted, planStatus, setViews, views, drains, now));
    }
    if (decision != null && planTarget != null) {
      step = ReleaseGate.gate(step, decision, revision, remembered, setViews, now);
    }
    if (templateTarget != null && templateTarget.equals(revision)) {
      step = ReleaseControl.gate(step, requests, revision, remembered, drains, now);
    }

    return new Decided(step, migration, jobs);
  }

  /**
   * An abort names the revision whose release it stops; once the template names another, that
   * release is over, and the abort is removed so that it never stops a later release of the same
   * revision (a revert, an undo).
   */
  private void forgetObsoleteAbort(LosslessDeployment ld, String revision) {
    var a = ld.getMetadata().getAnnotations();
    String abort = a == null ? null : a.get(FerryNames.ABORT_ANNOTATION);
    if (abort == null || abort.equals(revision)) {
      return;
    }
    Annotations.set(client.resources(LosslessDeployment.class).inNamespace(ld.getMetadata().getNamespace())
        .withName(ld.getMetadata().getName()), FerryNames.ABORT_ANNOTATION, null);
    var left = new HashMap<>(a);
    left.remove(FerryNames.ABORT_ANNOTATION);
    ld.getMetadata().setAnnotations(left);
    events.normal(ld, "AbortCleared", "the abort of " + abort + " is over: the template is " + revision + " now");
  }

  /** What people asked of the release: the abort and retry annotations, spec.paused. */
  private static ReleaseControl.Requests requests(LosslessDeployment ld) {
    var a = ld.getMetadata().getAnnotations() == null ? Map.<String, String>of() : ld.getMetadata().getAnnotations();
    return new ReleaseControl.Requests(a.get(FerryNames.ABORT_ANNOTATION), a.get(FerryNames.RETRY_ANNOTATION),
        ld.getSpec().paused());
  }

  /** Events for each action and each phase change; Warning when the release is stuck. */
  private void announce(LosslessDeployment ld, Step step, ReleaseStatus before) {
    boolean phaseChanged = before.phase() != step.status().phase()
        || !Objects.equals(before.updateRevision(), step.status().updateRevision());
    boolean acted = !(step.action() instanceof Wait);
    boolean newlyStalled = step.stalled() && !Objects.equals(
        ld.getStatus() == null ? null : ld.getStatus().getMessage(), step.message());
    if (!acted && !phaseChanged && !newlyStalled) {
      return;
    }
    String message = (phaseChanged ? "[" + step.status().phase() + "] " : "") + step.message();
    if (step.stalled()) {
      events.warning(ld, step.reason().name(), message);
    } else {
      events.normal(ld, step.reason().name(), message);
    }
    log.info("{}/{} {} {}: {}", ld.getMetadata().getNamespace(), ld.getMetadata().getName(),
        step.status().phase(), step.reason(), step.message());
  }

  /** Creates the Job a RunExpand or RunContract asks for (a Job that exists already is left alone). */
  private void runMigration(LosslessDeployment ld, SchemaMigrations.Pass migration) {
    String ns = ld.getMetadata().getNamespace();
    String name = ld.getMetadata().getName();
    String step;
    String job;
    String version;
    switch (migration.decision()) {
      case Decision.RunExpand r -> { step = SchemaMigrations.EXPAND; job = r.job(); version = r.version(); }
      case Decision.RunContract r -> { step = SchemaMigrations.CONTRACT; job = r.job(); version = r.version(); }
      default -> { return; }
    }
    if (SchemaMigrations.createJob(client, ld, step, job, version)) {
      String reason = SchemaMigrations.EXPAND.equals(step) ? "ExpandStarted" : "ContractStarted";
      events.normal(ld, reason, migration.decision().message());
      metrics.migrationJob(ns, name, step, "started");
      log.info("event=migration_job_created resource={}/{} step={} job={} schema_version={}", ns, name, step, job, version);
    }
  }

  /** status.schema, the SchemaMigrated and RollbackRefused conditions, and the events of what changed. */
  private void recordMigration(
      LosslessDeployment ld, SchemaMigrations.Pass migration, Map<String, Job> jobs, LosslessDeploymentStatus next,
      Instant now) {
    String ns = ld.getMetadata().getNamespace();
    String name = ld.getMetadata().getName();
    Decision d = migration.decision();
    var old = ld.getStatus() == null ? null : ld.getStatus();
    var oldSchema = old == null ? null : old.getSchema();
    var schema = SchemaMigrations.schemaStatus(migration, ld, jobs, now);
    next.setSchema(schema);
    List<io.fabric8.kubernetes.api.model.Condition> previous = old == null ? null : old.getConditions();
    var conditions = new ArrayList<>(next.getConditions());
    var migrated = SchemaMigrations.schemaMigrated(migration, previous, ld.getMetadata().getGeneration(), now);
    conditions.add(migrated);
    if (d instanceof Decision.RefuseRollback) {
      conditions.add(dev.ferry.operator.kube.StatusConditions.of(previous, dev.ferry.api.v1alpha1.Conditions.ROLLBACK_REFUSED,
          true, "SchemaVersionRetired", d.message(), ld.getMetadata().getGeneration(), now));
    }
    next.setConditions(conditions);

    String v = migration.observation().targetVersion();
    if (SchemaMigrations.expandSucceededNow(migration)) {
      events.normal(ld, "ExpandSucceeded", "the expand Job " + migration.observation().expandJob().name()
          + " succeeded; schema version " + v + " is expanded and the new revision may get pods");
      metrics.migrationJob(ns, name, SchemaMigrations.EXPAND, "succeeded");
      log.info("event=migration_expanded resource={}/{} schema_version={}", ns, name, v);
    }
    for (String version : migration.contractedNow()) {
      var entry = schema.getContracted().stream().filter(c -> version.equals(c.getVersion())).findFirst().orElseThrow();
      events.normal(ld, "ContractSucceeded", "the contract of schema version " + version + " succeeded; retired: "
          + entry.getRetired() + " (a template that returns to them is refused from now on)");
      metrics.migrationJob(ns, name, SchemaMigrations.CONTRACT, "succeeded");
      log.info("event=migration_contracted resource={}/{} schema_version={} retired={}", ns, name, version,
          entry.getRetired());
    }
    boolean newFailure = schema.getFailedJob() != null
        && (oldSchema == null || !schema.getFailedJob().equals(oldSchema.getFailedJob()));
    if (newFailure) {
      String step = d instanceof Decision.ContractFailed ? SchemaMigrations.CONTRACT : SchemaMigrations.EXPAND;
      if (d instanceof Decision.ContractFailed) {
        // An expand failure is announced with the abort (announce): one event, not two.
        events.warning(ld, d.reason(), d.message());
      }
      metrics.migrationJob(ns, name, step, "failed");
      log.warn("event=migration_job_failed resource={}/{} step={} job={} reason={}", ns, name, step,
          schema.getFailedJob(), schema.getFailedReason());
    }
    String before = previous == null ? null : previous.stream()
        .filter(c -> dev.ferry.api.v1alpha1.Conditions.SCHEMA_MIGRATED.equals(c.getType()))
        .map(c -> c.getReason()).findFirst().orElse(null);
    if (d instanceof Decision.WaitContract && !migrated.getReason().equals(before)) {
      events.normal(ld, "WaitingToContract", migrated.getMessage());
      log.info("event=contract_waiting resource={}/{} unmet={}", ns, name, migrated.getReason());
    }
    int unmet = d instanceof Decision.WaitContract w ? w.unmet().size() : 0;
    metrics.schema(ns, name, schema.getPhase() == null ? "" : schema.getPhase().name(),
        Arrays.stream(dev.ferry.api.v1alpha1.SchemaPhase.values()).map(Enum::name).toList(), unmet);
  }

  /** Whether the recorded Aborted phase is an expand failure's (the Progressing condition keeps why). */
  private static boolean abortedByExpand(LosslessDeployment ld) {
    var s = ld.getStatus();
    return s != null && s.getPhase() == dev.ferry.api.v1alpha1.LosslessDeploymentPhase.ABORTED && s.getConditions() != null
        && s.getConditions().stream().anyMatch(c -> dev.ferry.api.v1alpha1.Conditions.PROGRESSING.equals(c.getType())
            && dev.ferry.core.release.Reason.ExpandFailed.name().equals(c.getReason()));
  }

  /**
   * Database sessions of old schema versions, for a contract that waits for nothing else. A count
   * that keeps the contract waiting is reused for a few seconds; a count of zero, which lets it run,
   * is always fresh. The Secret's values go only into the connection.
   */
  private Sessions oldSessions(LosslessDeployment ld, Instant now) {
    String ns = ld.getMetadata().getNamespace();
    String key = ns + "/" + ld.getMetadata().getName();
    CountedAt cached = sessionCounts.get(key);
    if (cached != null && now.isBefore(cached.at().plus(SESSION_RECHECK))) {
      return cached.sessions();
    }
    var pg = ld.getSpec().getMigrations().getSessionCheck().getPostgres();
    String version = ld.getSpec().getMigrations().getSchemaVersion();
    Sessions result;
    try {
      var db = dev.ferry.operator.kube.Secrets.postgres(client, ns, pg.getSecretName());
      result = dev.ferry.operator.migration.PostgresSessions.count(db, pg.getApplicationNamePrefix(), version,
          SESSION_TIMEOUT);
    } catch (IllegalStateException | KubernetesClientException e) {
      result = new Sessions.Unknown(e.getMessage());
    }
    if (cached == null || !cached.sessions().equals(result)) {
      log.info("event=session_check resource={} prefix={} target_version={} result={}", key,
          pg.getApplicationNamePrefix(), version, result);
    }
    // Entries of resources deleted while their contract waited go too (nothing else removes them).
    sessionCounts.values().removeIf(c -> c.at().isBefore(now.minus(SESSION_RECHECK.multipliedBy(20))));
    if (result instanceof Sessions.Counted c && c.n() == 0) {
      sessionCounts.remove(key);
    } else {
      sessionCounts.put(key, new CountedAt(result, now));
    }
    return result;
  }

  /**
   * When the emqx drain status.drain reports last changed, across an operator restart: status
   * recorded its state and counts with that time, and the drainer's memory of it starts afresh
   * after a restart. From it the plans tell a stalled drain.
   */
  static Map<String, DrainView> withRecordedProgress(LosslessDeployment ld, Map<String, DrainView> drains) {
    var recorded = ld.getStatus() == null ? null : ld.getStatus().getDrain();
    if (recorded == null || recorded.getPod() == null) {
      return drains;
    }
    DrainView d = drains.get(recorded.getPod());
    Instant since = PodStates.instant(recorded.getLastProgressAt());
    if (d == null || !d.active() || since == null || !StatusRecorder.sameProgress(recorded, d)
        || (d.progressAt() != null && !since.isBefore(d.progressAt()))) {
      return drains;
    }
    Map<String, DrainView> out = new HashMap<>(drains);
    out.put(recorded.getPod(), d.withTimes(d.startedAt(), since));
    return out;
  }

  /**
   * The holders of pods' holds that still exist ({@code Rebalance/<name>}): a hold whose Rebalance
   * is gone (its finalizer removed by hand) must not keep a pod out of its Service for good.
   */
  private Set<String> holders(String ns, List<Pod> pods) {
    Set<String> out = new TreeSet<>();
    for (Pod p : pods) {
      String h = PodStates.heldBy(p);
      if (h != null && h.startsWith("Rebalance/") && !out.contains(h)
          && client.resources(dev.ferry.api.v1alpha1.Rebalance.class).inNamespace(ns)
              .withName(h.substring("Rebalance/".length())).get() != null) {
        out.add(h);
      }
    }
    return out;
  }

  private Drainer drainer(LosslessDeployment ld) {
    DrainSpec d = ld.getSpec().drainOrDefaults();
    if (d.getType() == DrainType.HTTP) {
      return new HttpDrainer(drainHttp, new HttpDrainer.Settings(d.getHttp().getPort(), d.getHttp().getPath()),
          clock, httpDrainStarts);
    }
    if (d.getType() != DrainType.EMQX) {
      return new NoDrainer();
    }
    EmqxDrainer.Apis apis = emqxApis(client, ld.getMetadata().getNamespace(), d.getEmqx())::connect;
    var memory = drainProgress.computeIfAbsent(ld.getMetadata().getNamespace() + "/" + ld.getMetadata().getName(),
        k -> EmqxDrainer.newProgressMemory());
    return new EmqxDrainer(apis, new EmqxDrainer.Settings(d.getConnEvictRate(), d.getSessEvictRate(), d.getWaitTakeover(),
        d.getWaitHealthCheck() == null ? 0 : d.getWaitHealthCheck(), d.getEmqx().getRedirectTo()), clock, memory);
  }

  /** How the pods' EMQX APIs are reached, as {@code spec.drain.emqx} says (credentials and CA from Secrets). */
  public static dev.ferry.operator.emqx.EmqxConnector emqxApis(
      KubernetesClient client, String namespace, dev.ferry.api.v1alpha1.EmqxDrain emqx) {
    EmqxCredentials credentials = dev.ferry.operator.kube.Secrets.emqx(client, namespace, emqx.getApiKeySecret());
    String ca = dev.ferry.operator.kube.Secrets.emqxCa(client, namespace, emqx.getCaSecret());
    return dev.ferry.operator.emqx.EmqxConnector.of(emqx, credentials, ca);
  }

  private Secret secret(String namespace, String name) {
    return name == null ? null : client.secrets().inNamespace(namespace).withName(name).get();
  }

  /**
   * When the EndpointSlice was first seen without each pod whose gate is closed: recorded on the pod
   * ({@value FerryNames#ENDPOINTS_LEFT_AT_ANNOTATION}) the first pass that sees it, so that the
   * propagation wait counts from there across operator restarts. A record older than the gate's
   * last change belongs to an earlier closing and is written again. Recording an observation, not a
   * decision: the plan decides what to wait for.
   */
  private Map<String, Instant> endpointsLeft(List<Pod> live, Set<String> inEndpoints, Instant now) {
    Map<String, Instant> out = new HashMap<>();
    for (Pod p : live) {
      PodView v = PodStates.view(p);
      String name = p.getMetadata().getName();
      if (!v.gateFalse() || v.markedForDeletion()) {
        continue;
      }
      var a = p.getMetadata().getAnnotations();
      Instant recorded = a == null ? null : PodStates.instant(a.get(FerryNames.ENDPOINTS_LEFT_AT_ANNOTATION));
      if (inEndpoints.contains(name)) {
        // Listed (again): a slice that lagged behind the gate's opening lists it only now, so an
        // earlier "left" does not count; it is written anew when the slice drops the pod.
        if (recorded != null) {
          annotate(p, FerryNames.ENDPOINTS_LEFT_AT_ANNOTATION, null);
        }
        continue;
      }
      if (recorded != null && (v.gateChangedAt() == null || !recorded.isBefore(v.gateChangedAt()))) {
        out.put(name, recorded);
        continue;
      }
      // Counted from now even when the write failed (never shorter than from the real drop); a
      // failed write is tried again next pass, which then counts from its own now.
      annotate(p, FerryNames.ENDPOINTS_LEFT_AT_ANNOTATION, now.toString());
      out.put(name, now);
    }
    return out;
  }

  /** Sets (or, with null, removes) a pod annotation; false when the write failed. */
  private boolean annotate(Pod p, String key, String value) {
    try {
      Annotations.setOnPod(client, p.getMetadata().getNamespace(), p.getMetadata().getName(), key, value);
      return true;
    } catch (KubernetesClientException e) {
      log.debug("annotating {} with {}: {}", p.getMetadata().getName(), key, e.getMessage());
      return false;
    }
  }

  /** Creates the Service if it is missing; an existing one is adopted as it is (its selector never changes). */
  private void ensureService(LosslessDeployment ld) {
    if (ld.getSpec().getService() == null || ld.getSpec().getService().getName() == null) {
      return;
    }
    String ns = ld.getMetadata().getNamespace();
    String svc = ld.getSpec().getService().getName();
    if (client.services().inNamespace(ns).withName(svc).get() != null) {
      return;
    }
    List<ServicePort> ports = new ArrayList<>();
    ld.getSpec().getTemplate().getSpec().getContainers().forEach(c -> {
      if (c.getPorts() != null) {
        c.getPorts().forEach(p -> ports.add(new ServicePortBuilder()
            .withName(p.getName()).withPort(p.getContainerPort()).withProtocol(p.getProtocol())
            .withTargetPort(p.getName() != null ? new IntOrString(p.getName()) : new IntOrString(p.getContainerPort()))
            .build()));
      }
    });
    client.services().inNamespace(ns).resource(new ServiceBuilder()
        .withNewMetadata().withName(svc).withNamespace(ns)
          .addToLabels(FerryNames.DEPLOYMENT_LABEL, ld.getMetadata().getName()).endMetadata()
        .withNewSpec().withSelector(ld.getSpec().getSelector().getMatchLabels()).withPorts(ports).endSpec()
        .build()).create();
    events.normal(ld, "ServiceCreated", "created Service " + svc);
  }

  private static String selector(LosslessDeployment ld) {
    var m = ld.getSpec().getSelector() == null ? null : ld.getSpec().getSelector().getMatchLabels();
    if (m == null) {
      return null;
    }
    return String.join(",", m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList());
  }

  /** Writes the status if it changed: an unchanged write would only wake this reconciler again. */
  private UpdateControl<LosslessDeployment> status(LosslessDeployment ld, LosslessDeploymentStatus s) {
    if (!Objects.equals(ld.getStatus(), s)) {
      ld.setStatus(s);
      dev.ferry.operator.kube.StatusWriter.replace(client, ld);
    }
    return UpdateControl.noUpdate();
  }
}
