package dev.ferry.operator.deployment;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.Conditions;
import dev.ferry.api.v1alpha1.ContractedVersion;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.MigrationsSpec;
import dev.ferry.api.v1alpha1.SchemaPhase;
import dev.ferry.api.v1alpha1.SchemaStatus;
import dev.ferry.core.migration.MigrationPlan;
import dev.ferry.core.migration.MigrationPlan.Decision;
import dev.ferry.core.migration.MigrationPlan.JobState;
import dev.ferry.core.migration.MigrationPlan.JobView;
import dev.ferry.core.migration.MigrationPlan.Observation;
import dev.ferry.core.migration.MigrationPlan.ReleaseStage;
import dev.ferry.core.migration.MigrationPlan.Retirement;
import dev.ferry.core.migration.MigrationPlan.Sessions;
import dev.ferry.core.migration.MigrationPlan.Unmet;
import dev.ferry.core.migration.ReleaseGate;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.operator.kube.Copies;
import dev.ferry.operator.kube.PodStates;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The edges of the expand/contract migrations ({@code spec.migrations}, issue 8) for one pass of
 * the reconciler: what the cluster shows (the resource's migration Jobs, its pods' schema versions,
 * the optional session count) turned into {@link MigrationPlan}'s observation; the Jobs created from
 * the templates; and what {@code status.schema} and the SchemaMigrated / RollbackRefused conditions
 * become. The decision itself is core's.
 */
final class SchemaMigrations {

  static final String EXPAND = "expand";
  static final String CONTRACT = "contract";

  private SchemaMigrations() {}

  /** Whether the resource's migrations are wired at all: a schema version is what ties them to revisions. */
  static boolean enabled(LosslessDeployment ld) {
    MigrationsSpec m = ld.getSpec().getMigrations();
    return m != null && m.getSchemaVersion() != null && !m.getSchemaVersion().isBlank();
  }

  /** The schema version a revision's pod template (or pod) carries; null when it carries none. */
  static String version(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
    return meta == null || meta.getAnnotations() == null ? null
        : meta.getAnnotations().get(FerryNames.SCHEMA_VERSION_ANNOTATION);
  }

  static String version(ReplicaSet rs) {
    return rs.getSpec() == null || rs.getSpec().getTemplate() == null ? null
        : version(rs.getSpec().getTemplate().getMetadata());
  }

  /** The migration Jobs this resource owns (label and ownerReference). */
  static Map<String, Job> jobs(KubernetesClient client, LosslessDeployment ld) {
    Map<String, Job> out = new LinkedHashMap<>();
    client.batch().v1().jobs().inNamespace(ld.getMetadata().getNamespace())
        .withLabel(FerryNames.MIGRATION_OWNER_LABEL, ld.getMetadata().getName()).list().getItems().stream()
        .filter(j -> j.getMetadata().getOwnerReferences() != null && j.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> Objects.equals(o.getUid(), ld.getMetadata().getUid())))
        .forEach(j -> out.put(j.getMetadata().getName(), j));
    return out;
  }

  /** A Job's state as Kubernetes' Job controller reports it through the Complete and Failed conditions. */
  static JobView view(String name, Job job) {
    if (job == null) {
      return JobView.none(name);
    }
    JobCondition failed = condition(job, "Failed");
    if (failed != null) {
      String reason = failed.getReason() == null ? "Failed" : failed.getReason();
      return JobView.failed(name, failed.getMessage() == null || failed.getMessage().isBlank()
          ? reason : reason + ": " + failed.getMessage());
    }
    if (condition(job, "Complete") != null) {
      return JobView.succeeded(name);
    }
    return JobView.running(name);
  }

  private static JobCondition condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return null;
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst().orElse(null);
  }

  // ---- one pass ----

  /**
   * What one pass observed and decided.
   *
   * @param observation the plan's input
   * @param decision the plan's answer
   * @param schema status.schema before this pass's decision, with contracts that succeeded since the
   *     last pass already recorded
   * @param contractedNow versions whose contract success this pass recorded
   */
  record Pass(Observation observation, Decision decision, SchemaStatus schema, List<String> contractedNow) {}

  /**
   * Observes and decides.
   *
   * @param allPods every pod of the resource, Terminating ones included
   * @param sessions asked only when nothing but the sessions could keep the contract waiting
   */
  static Pass decide(
      LosslessDeployment ld, String revision, ReleaseStatus remembered, List<ReplicaSet> sets, List<Pod> allPods,
      Map<String, Job> jobs, Supplier<Sessions> sessions, Instant now) {
    MigrationsSpec m = ld.getSpec().getMigrations();
    String owner = ld.getMetadata().getName();
    String v = m.getSchemaVersion();
    SchemaStatus schema = ld.getStatus() == null || ld.getStatus().getSchema() == null ? new SchemaStatus()
        : Copies.copy(ld.getStatus().getSchema(), SchemaStatus.class);
    if (schema.getContracted() == null) {
      schema.setContracted(new ArrayList<>());
    }

    if (schema.getServedVersions() == null) {
      schema.setServedVersions(new ArrayList<>());
    }
    String currentVersion = sets.stream()
        .filter(rs -> Objects.equals(ReplicaSets.revision(rs), remembered.currentRevision()))
        .map(SchemaMigrations::version).filter(Objects::nonNull).findFirst().orElse(null);
    if (currentVersion != null && !schema.getServedVersions().contains(currentVersion)) {
      schema.getServedVersions().add(currentVersion); // what a later contract retires
    }

    // A contract that succeeded is a point of no return whatever the template says now.
    List<String> contractedNow = new ArrayList<>();
    for (Job j : jobs.values()) {
      var labels = j.getMetadata().getLabels();
      String version = labels.get(FerryNames.SCHEMA_VERSION_LABEL);
      if (CONTRACT.equals(labels.get(FerryNames.MIGRATION_STEP_LABEL)) && version != null
          && view(j.getMetadata().getName(), j).state() == JobState.SUCCEEDED
          && schema.getContracted().stream().noneMatch(c -> version.equals(c.getVersion()))) {
        String at = j.getStatus() != null && j.getStatus().getCompletionTime() != null
            ? j.getStatus().getCompletionTime() : now.toString();
        schema.getContracted().add(new ContractedVersion(version, at,
            retired(version, sets, schema.getContracted(), schema.getServedVersions(), now)));
        contractedNow.add(version);
      }
    }

    String expandName = MigrationPlan.jobName(owner, EXPAND, v);
    String contractName = MigrationPlan.jobName(owner, CONTRACT, v);
    String otherRunning = jobs.values().stream()
        .filter(j -> !j.getMetadata().getName().equals(expandName) && !j.getMetadata().getName().equals(contractName))
        .filter(j -> view(j.getMetadata().getName(), j).state() == JobState.RUNNING)
        .map(j -> j.getMetadata().getName()).sorted().findFirst().orElse(null);
    boolean templateHasPods = allPods.stream().anyMatch(p -> revision.equals(PodStates.revision(p)));
    int oldPods = (int) allPods.stream().filter(p -> !v.equals(version(p.getMetadata()))).count();
    Instant completed = schema.getReleaseCompletedAt() == null ? null : Instant.parse(schema.getReleaseCompletedAt());
    long window = m.getRollbackWindowSeconds() == null ? 600 : m.getRollbackWindowSeconds();
    Instant contractedAt = schema.getContracted().stream().filter(c -> v.equals(c.getVersion()))
        .map(c -> Instant.parse(c.getContractedAt())).findFirst().orElse(null);
    Retirement retirement = schema.getContracted().stream()
        .filter(c -> c.getRetired() != null && c.getRetired().contains(v))
        .map(c -> new Retirement(c.getVersion(), Instant.parse(c.getContractedAt()))).findFirst().orElse(null);
    ReleaseStage stage = ReleaseGate.stage(revision, remembered, templateHasPods);
    // The window as the plan will see it, with releaseCompletedAt as this pass will record it.
    Instant completedAsRecorded = completed == null && stage == ReleaseStage.NO_RELEASE ? now : completed;

    Observation base = new Observation(
        stage, revision, v, currentVersion, schema.getVersion(),
        jobView(expandName, jobs, schema, ld), jobView(contractName, jobs, schema, ld),
        m.getExpand() != null, m.getContract() != null, otherRunning, oldPods, new Sessions.NotChecked(), now,
        completedAsRecorded, window, contractedAt, retirement);
    Decision d = MigrationPlan.next(base);
    // The session check costs a connection: asked only when it alone can decide (pods gone, window
    // closed, contract not run): the plan then says RunContract without it, or waits for nothing else.
    boolean onlySessionsLeft = m.getSessionCheck() != null && d instanceof Decision.RunContract;
    if (onlySessionsLeft) {
      base = new Observation(base.stage(), base.targetRevision(), base.targetVersion(), base.currentVersion(),
          base.expandedVersion(), base.expandJob(), base.contractJob(), base.hasExpand(), base.hasContract(),
          base.otherJobRunning(), base.oldPods(), sessions.get(), base.now(), base.releaseCompletedAt(),
          base.rollbackWindowSeconds(), base.targetContractedAt(), base.targetRetired());
      d = MigrationPlan.next(base);
    }
    return new Pass(base, d, schema, contractedNow);
  }

  /**
   * A Job of the target as the plan must see it. A failed Job that is gone (ttlSecondsAfterFinished)
   * still counts as failed while status.schema records its failure and the spec did not change since:
   * it is not retried by itself. Fixing the template (a new generation) after deleting it retries.
   */
  private static JobView jobView(String name, Map<String, Job> jobs, SchemaStatus schema, LosslessDeployment ld) {
    Job job = jobs.get(name);
    if (job == null && name.equals(schema.getFailedJob())
        && Objects.equals(schema.getFailedGeneration(), ld.getMetadata().getGeneration())) {
      return JobView.failed(name, (schema.getFailedReason() == null ? "failed" : schema.getFailedReason())
          + "; the Job is gone, its failure is kept in status.schema until the spec changes");
    }
    return view(name, job);
  }

  /**
   * The schema versions a contract of {@code version} retires: every version that served before it
   * ({@code status.schema.servedVersions}: a rollback with a changed template makes a ReplicaSet of an
   * old version newer than the contracted one's), those of the revisions whose ReplicaSet is older
   * than the oldest one of {@code version} (the revisions the release replaced, for resources that
   * served before the list existed), and everything earlier contracts contracted or retired: contracts are
   * cumulative, and a ReplicaSet pruned by the revision history limit must not make an old version
   * look safe again. A revision created later (a release that was aborted, then replaced) is not
   * taken for an older one.
   */
  static List<String> retired(
      String version, List<ReplicaSet> sets, List<ContractedVersion> earlier, List<String> served, Instant now) {
    TreeSet<String> out = new TreeSet<>(retiredByReplicaSets(version, sets, now));
    out.addAll(served); // every version that served before: its ReplicaSet may be gone or look newer
    for (ContractedVersion c : earlier) {
      out.add(c.getVersion());
      if (c.getRetired() != null) {
        out.addAll(c.getRetired());
      }
    }
    out.remove(version);
    return List.copyOf(out);
  }

  private static List<String> retiredByReplicaSets(String version, List<ReplicaSet> sets, Instant now) {
    Instant since = sets.stream().filter(rs -> version.equals(version(rs))).map(SchemaMigrations::created)
        .min(Instant::compareTo).orElse(now);
    TreeSet<String> out = new TreeSet<>();
    for (ReplicaSet rs : sets) {
      String v = version(rs);
      if (v != null && !v.equals(version) && !created(rs).isAfter(since)) {
        out.add(v);
      }
    }
    return List.copyOf(out);
  }

  private static Instant created(ReplicaSet rs) {
    String t = rs.getMetadata().getCreationTimestamp();
    return t == null ? Instant.EPOCH : Instant.parse(t);
  }

  // ---- acting ----

  /**
   * Creates the Job a RunExpand or RunContract asks for, from the template, owned by the resource.
   *
   * @return whether this call created it (false: it existed already, which is fine)
   */
  static boolean createJob(KubernetesClient client, LosslessDeployment ld, String step, String name, String version) {
    MigrationsSpec m = ld.getSpec().getMigrations();
    JobTemplateSpec template = Serialization.clone(EXPAND.equals(step) ? m.getExpand() : m.getContract());
    Map<String, String> labels = new LinkedHashMap<>();
    Map<String, String> annotations = new LinkedHashMap<>();
    if (template.getMetadata() != null) {
      if (template.getMetadata().getLabels() != null) {
        labels.putAll(template.getMetadata().getLabels());
      }
      if (template.getMetadata().getAnnotations() != null) {
        annotations.putAll(template.getMetadata().getAnnotations());
      }
    }
    labels.put(FerryNames.MIGRATION_OWNER_LABEL, ld.getMetadata().getName());
    labels.put(FerryNames.MIGRATION_STEP_LABEL, step);
    labels.put(FerryNames.SCHEMA_VERSION_LABEL, version);
    Job job = new JobBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(ld.getMetadata().getNamespace())
          .withLabels(labels)
          .withAnnotations(annotations)
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion(ld.getApiVersion()).withKind(ld.getKind())
              .withName(ld.getMetadata().getName()).withUid(ld.getMetadata().getUid())
              .withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
    try {
      client.batch().v1().jobs().inNamespace(ld.getMetadata().getNamespace()).resource(job).create();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false; // created by an earlier pass that did not live to record it
      }
      throw e;
    }
  }

  // ---- status ----

  /**
   * status.schema after this pass: the plan's phase, the expanded version once the expand this
   * release waited for succeeded, the release's completion for the rollback window, and the failure
   * record (kept across the Job's removal, cleared by the next run or success).
   */
  static SchemaStatus schemaStatus(Pass pass, LosslessDeployment ld, Map<String, Job> jobs, Instant now) {
    SchemaStatus s = Copies.copy(pass.schema(), SchemaStatus.class);
    Observation o = pass.observation();
    Decision d = pass.decision();
    String v = o.targetVersion();
    if (expandSucceededNow(pass)) {
      Job job = jobs.get(o.expandJob().name());
      s.setVersion(v);
      s.setExpandedAt(job != null && job.getStatus() != null && job.getStatus().getCompletionTime() != null
          ? job.getStatus().getCompletionTime() : now.toString());
      s.setReleaseCompletedAt(null);
      clearFailure(s);
    }
    // The rollback window counts from the end of the last release that changed the version.
    boolean changesVersion = o.stage() != ReleaseStage.NO_RELEASE && !v.equals(o.currentVersion());
    if (changesVersion && (d instanceof Decision.AllowNewPods || d instanceof Decision.RunExpand
        || d instanceof Decision.WaitExpand)) {
      s.setReleaseCompletedAt(null);
    }
    if (o.stage() == ReleaseStage.NO_RELEASE && v.equals(s.getVersion()) && s.getReleaseCompletedAt() == null) {
      s.setReleaseCompletedAt(now.toString());
    }
    switch (d) {
      case Decision.RunExpand x -> clearFailure(s);
      case Decision.RunContract x -> clearFailure(s);
      case Decision.AbortRelease a -> recordFailure(s, a.job(), a.jobReason(), ld);
      case Decision.ContractFailed c -> recordFailure(s, c.job(), c.jobReason(), ld);
      default -> { }
    }
    if (!pass.contractedNow().isEmpty() && pass.contractedNow().contains(v)) {
      clearFailure(s);
    }
    SchemaPhase phase = phase(d.phase());
    boolean keepContracted = d instanceof Decision.AllowNewPods && s.getPhase() == SchemaPhase.CONTRACTED
        && o.targetContractedAt() != null;
    if (phase != null && !keepContracted) {
      s.setPhase(phase);
    }
    return s;
  }

  /** The expand this release waited for (phase Expanding) succeeded: V is now the expanded version. */
  static boolean expandSucceededNow(Pass pass) {
    Observation o = pass.observation();
    return pass.decision() instanceof Decision.AllowNewPods && o.expandJob().state() == JobState.SUCCEEDED
        && !o.targetVersion().equals(o.expandedVersion()) && !o.targetVersion().equals(o.currentVersion())
        && pass.schema().getPhase() == SchemaPhase.EXPANDING;
  }

  private static void recordFailure(SchemaStatus s, String job, String reason, LosslessDeployment ld) {
    if (job.equals(s.getFailedJob())) {
      return; // keep the generation it failed in: a spec change after that is what retries
    }
    s.setFailedJob(job);
    s.setFailedReason(reason);
    s.setFailedGeneration(ld.getMetadata().getGeneration());
  }

  private static void clearFailure(SchemaStatus s) {
    s.setFailedJob(null);
    s.setFailedReason(null);
    s.setFailedGeneration(null);
  }

  static SchemaPhase phase(MigrationPlan.SchemaPhase p) {
    if (p == null) {
      return null;
    }
    return switch (p) {
      case Expanding -> SchemaPhase.EXPANDING;
      case Expanded -> SchemaPhase.EXPANDED;
      case Contracting -> SchemaPhase.CONTRACTING;
      case Contracted -> SchemaPhase.CONTRACTED;
      case Failed -> SchemaPhase.FAILED;
    };
  }

  /**
   * The SchemaMigrated condition: True once nothing is left to do for the template's version. While
   * the contract waits the reason lists every unmet condition (e.g. {@code OldPodsRemain,RollbackWindowOpen}).
   */
  static Condition schemaMigrated(Pass pass, List<Condition> previous, Long generation, Instant now) {
    Decision d = pass.decision();
    return dev.ferry.operator.kube.StatusConditions.of(previous, Conditions.SCHEMA_MIGRATED,
        d instanceof Decision.Done, reason(d), message(pass), generation, now);
  }

  static String reason(Decision d) {
    if (d instanceof Decision.WaitContract w) {
      return String.join(",", w.unmet().stream().map(Unmet::reason).toList());
    }
    return d.reason();
  }

  /**
   * For people. The open rollback window is shown with the time it closes, not the seconds left:
   * a message that changed every second would rewrite the status every second.
   */
  static String message(Pass pass) {
    Decision d = pass.decision();
    if (!(d instanceof Decision.WaitContract w)) {
      return d.message();
    }
    Observation o = pass.observation();
    List<String> parts = new ArrayList<>();
    for (Unmet u : w.unmet()) {
      if (u instanceof Unmet.RollbackWindowOpen && o.releaseCompletedAt() != null) {
        parts.add("the rollback window (" + o.rollbackWindowSeconds() + " s) closes at "
            + o.releaseCompletedAt().plusSeconds(o.rollbackWindowSeconds()));
      } else {
        parts.add(u.message());
      }
    }
    return "the contract of schema version " + o.targetVersion() + " waits: " + String.join("; ", parts);
  }

  /** When to look again for the migration's sake; null when nothing waits on time. */
  static Duration recheck(Pass pass) {
    Decision d = pass.decision();
    Observation o = pass.observation();
    if (d instanceof Decision.WaitContract w) {
      Duration poll = Duration.ofSeconds(5);
      for (Unmet u : w.unmet()) {
        if (u instanceof Unmet.RollbackWindowOpen && o.releaseCompletedAt() != null) {
          Duration left = Duration.between(o.now(), o.releaseCompletedAt().plusSeconds(o.rollbackWindowSeconds()));
          if (left.compareTo(poll) < 0) {
            poll = left.isNegative() ? Duration.ZERO : left;
          }
        }
      }
      return poll;
    }
    if (d instanceof Decision.WaitExpand || d instanceof Decision.WaitContractJob
        || d instanceof Decision.WaitForMigration) {
      return Duration.ofSeconds(5); // the Job informer wakes the reconciler earlier
    }
    if (d instanceof Decision.RunExpand || d instanceof Decision.RunContract) {
      return Duration.ofMillis(200);
    }
    return null;
  }
}
