package dev.ferry.core.migration;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Expand/contract schema migrations tied to the phases of a release, as a pure function:
 * observation in, one decision out (DESIGN §1.5 and §4, issue 8).
 *
 * <h2>The rules</h2>
 *
 * Call V the schema version of the template's revision (the target), C the schema version of the
 * revision that serves ({@code currentRevision}), and E the version whose expand last succeeded
 * ({@code status.schema.version}).
 *
 * <ul>
 *   <li><b>Point of no return.</b> If a succeeded contract retired V (V ran before the contracted
 *       version), the template is refused, whatever else holds: the old version would run against a
 *       schema it cannot read. This is checked first, so it is shown before anything starts.
 *   <li><b>Expand before the first new pod.</b> While a release starts or runs and V differs from C:
 *       unless V = E (already expanded) or there is no expand template, the expand Job of V must
 *       have succeeded before the release may create a pod of the new revision. Its failure aborts
 *       the release, naming the Job and its reason: the new revision never gets a pod, the old one
 *       keeps serving. A release that keeps the schema version (V = C, which includes every rollback
 *       to the serving revision) needs no migration and goes ahead at once.
 *   <li><b>One release's migrations at a time.</b> While a migration Job of another version or step
 *       runs, no Job starts and no release changes the schema version: it waits for that Job.
 *   <li><b>Contract only when everything holds</b> (no release under way, V = E, a contract
 *       template): no pod of a revision with another schema version is left (Terminating ones
 *       count), {@code rollbackWindowSeconds} have passed since the release completed, and, when a
 *       session check is configured, it verified that no session of an old version is left (an
 *       unknown count waits, it is not taken for zero). Each unmet condition is reported on its
 *       own. Nothing here has a deadline: time alone never forces a contract.
 *   <li><b>After the contract</b>, or without a contract template, or when V was not expanded by a
 *       release (a rollback to a version still in place): nothing to do. A failed contract is
 *       reported and not retried by itself; users are not affected, the new revision serves.
 * </ul>
 *
 * Every decision follows from the observation alone (what the cluster shows: Jobs, pods, sessions;
 * what {@code status.schema} remembers: E, when the release completed, the contracts), so after an
 * operator restart the same observation gives the same decision, and a Job already created is
 * followed, not created twice.
 */
public final class MigrationPlan {

  private MigrationPlan() {}

  // ---- observation ----

  /** Where the release stands, as the release plan (blue-green or rolling) sees it. */
  public enum ReleaseStage {
    /** No release under way: the target revision is the one that serves (also right after one completed). */
    NO_RELEASE,
    /** A release to the target revision started and no pod of that revision exists yet. */
    STARTING,
    /** Pods of the target revision exist; the release runs. */
    NEW_PODS_EXIST
  }

  public enum JobState { NONE, RUNNING, SUCCEEDED, FAILED }

  /**
   * One migration Job as observed.
   *
   * @param name its name ({@link #jobName})
   * @param state none (not created, or gone), running, succeeded or failed
   * @param reason for a failed Job, the reason of its Failed condition (e.g. BackoffLimitExceeded)
   *     and what it says; otherwise null
   */
  public record JobView(String name, JobState state, String reason) {
    public static JobView none(String name) {
      return new JobView(name, JobState.NONE, null);
    }

    public static JobView running(String name) {
      return new JobView(name, JobState.RUNNING, null);
    }

    public static JobView succeeded(String name) {
      return new JobView(name, JobState.SUCCEEDED, null);
    }

    public static JobView failed(String name, String reason) {
      return new JobView(name, JobState.FAILED, reason);
    }
  }

  /** Database sessions of old schema versions, as the optional session check reports them. */
  public sealed interface Sessions {
    /** No session check is configured. */
    record NotChecked() implements Sessions {}

    /** The check is configured but gave no answer (database unreachable, no permission, …). */
    record Unknown(String why) implements Sessions {}

    /** The check counted this many sessions of old versions. */
    record Counted(int n) implements Sessions {}
  }

  /**
   * A succeeded contract that made the target's schema version unreadable.
   *
   * @param contractedVersion the version whose contract retired the target's
   * @param contractedAt when that contract succeeded
   */
  public record Retirement(String contractedVersion, Instant contractedAt) {}

  /**
   * Everything the plan decides from.
   *
   * @param stage where the release stands
   * @param targetRevision the template's revision
   * @param targetVersion V: the template's schema version
   * @param currentVersion C: the schema version of the revision that serves; null before the first
   *     deployment
   * @param expandedVersion E: {@code status.schema.version}, the version whose expand last
   *     succeeded; null when none did
   * @param expandJob the expand Job of V (state NONE when the spec has no expand template)
   * @param contractJob the contract Job of V (state NONE when the spec has no contract template)
   * @param hasExpand whether the spec has an expand template
   * @param hasContract whether the spec has a contract template
   * @param otherJobRunning a running migration Job other than the two above (another version, or
   *     the other step), or null
   * @param oldPods pods of revisions whose schema version is not V, Terminating ones included
   * @param oldSessions database sessions of other versions than V
   * @param now the time
   * @param releaseCompletedAt when the release that brought V completed
   *     ({@code status.schema.releaseCompletedAt}); null when not recorded yet
   * @param rollbackWindowSeconds {@code spec.migrations.rollbackWindowSeconds}
   * @param targetContractedAt when the contract of V succeeded (from {@code status.schema.contracted}),
   *     or null
   * @param targetRetired the contract that retired V, or null when V can still run
   */
  public record Observation(
      ReleaseStage stage,
      String targetRevision,
      String targetVersion,
      String currentVersion,
      String expandedVersion,
      JobView expandJob,
      JobView contractJob,
      boolean hasExpand,
      boolean hasContract,
      String otherJobRunning,
      int oldPods,
      Sessions oldSessions,
      Instant now,
      Instant releaseCompletedAt,
      long rollbackWindowSeconds,
      Instant targetContractedAt,
      Retirement targetRetired) {

    public Observation {
      if (stage == null || targetRevision == null || targetVersion == null || expandJob == null
          || contractJob == null || oldSessions == null || now == null) {
        throw new IllegalArgumentException("stage, target, jobs, sessions and now are required");
      }
      if (oldPods < 0 || rollbackWindowSeconds < 0) {
        throw new IllegalArgumentException("counts and durations cannot be negative");
      }
    }
  }

  // ---- decision ----

  /** {@code status.schema.phase}, in core's words. */
  public enum SchemaPhase { Expanding, Expanded, Contracting, Contracted, Failed }

  /** One condition that keeps the contract from running. */
  public sealed interface Unmet {
    String reason();

    String message();

    /** Pods of an old schema version exist, Terminating ones included. */
    record OldPodsRemain(int n) implements Unmet {
      public String reason() {
        return "OldPodsRemain";
      }

      public String message() {
        return n + " pod(s) of an old schema version still exist (Terminating ones count)";
      }
    }

    /** The rollback window has not closed yet. */
    record RollbackWindowOpen(long secondsLeft) implements Unmet {
      public String reason() {
        return "RollbackWindowOpen";
      }

      public String message() {
        return "the rollback window closes in " + secondsLeft + " s";
      }
    }

    /** The session check counted sessions of an old version. */
    record OldSessionsRemain(int n) implements Unmet {
      public String reason() {
        return "OldSessionsRemain";
      }

      public String message() {
        return n + " database session(s) of an old schema version remain";
      }
    }

    /** The session check is configured but could not count: no session left is not assumed. */
    record OldSessionsUnknown(String why) implements Unmet {
      public String reason() {
        return "OldSessionsUnknown";
      }

      public String message() {
        return "the database sessions of old schema versions could not be counted (" + why
            + "); the contract waits until they can";
      }
    }
  }

  /**
   * The plan's answer. {@link #phase()} is what {@code status.schema.phase} becomes, or null when it
   * stays as it is; {@link #reason()} is a condition/event reason, {@link #message()} for people.
   */
  public sealed interface Decision {
    SchemaPhase phase();

    String reason();

    String message();

    /** Create the expand Job (from spec.migrations.expand) under this name. */
    record RunExpand(String job, String version) implements Decision {
      public SchemaPhase phase() {
        return SchemaPhase.Expanding;
      }

      public String reason() {
        return "ExpandStarted";
      }

      public String message() {
        return "running the expand Job " + job + " for schema version " + version
            + " before the new revision gets a pod";
      }
    }

    /** The expand Job runs; no pod of the new revision yet. */
    record WaitExpand(String job) implements Decision {
      public SchemaPhase phase() {
        return SchemaPhase.Expanding;
      }

      public String reason() {
        return "Expanding";
      }

      public String message() {
        return "waiting for the expand Job " + job + "; the new revision gets no pod before it succeeds";
      }
    }

    /** Another migration Job runs: one release's migrations at a time. */
    record WaitForMigration(String job) implements Decision {
      public SchemaPhase phase() {
        return null;
      }

      public String reason() {
        return "WaitingForMigration";
      }

      public String message() {
        return "the migration Job " + job + " still runs; one release's migrations at a time";
      }
    }

    /** The expand Job failed: the release is Aborted, the old revision keeps serving. */
    record AbortRelease(String job, String jobReason) implements Decision {
      public SchemaPhase phase() {
        return SchemaPhase.Failed;
      }

      public String reason() {
        return "ExpandFailed";
      }

      public String message() {
        return "the expand Job " + job + " failed (" + (jobReason == null ? "no reason given" : jobReason)
            + "); the release is aborted, the new revision got no pod and the old one keeps serving";
      }
    }

    /** The schema can serve the target: the release may create pods of the new revision. */
    record AllowNewPods(String why) implements Decision {
      public SchemaPhase phase() {
        return SchemaPhase.Expanded;
      }

      public String reason() {
        return "Expanded";
      }

      public String message() {
        return why;
      }
    }

    /** The contract waits; every unmet condition is listed. */
    record WaitContract(List<Unmet> unmet) implements Decision {
      public WaitContract {
        unmet = List.copyOf(unmet);
        if (unmet.isEmpty()) {
          throw new IllegalArgumentException("a contract waits for at least one condition");
        }
      }

      public SchemaPhase phase() {
        return SchemaPhase.Expanded;
      }

      public String reason() {
        return "WaitingToContract";
      }

      public String message() {
        List<String> parts = new ArrayList<>();
        for (Unmet u : unmet) {
          parts.add(u.message());
        }
        return "the contract waits: " + String.join("; ", parts);
      }
    }

    /** Create the contract Job (from spec.migrations.contract) under this name. */
    record RunContract(String job, String version) implements Decision {
      public SchemaPhase phase() {
        return SchemaPhase.Contracting;
      }

      public String reason() {
        return "ContractStarted";
      }

      public String message() {
        return "no old pod, no old session, rollback window closed: running the contract Job " + job
            + " for schema version " + version + "; afterwards a rollback to an older version is refused";
      }
    }

    /** The contract Job runs. */
    record WaitContractJob(String job) implements Decision {
      public SchemaPhase phase() {
        return SchemaPhase.Contracting;
      }

      public String reason() {
        return "Contracting";
      }

      public String message() {
        return "waiting for the contract Job " + job;
      }
    }

    /** The contract Job failed. The new revision serves; not retried until the Job is deleted. */
    record ContractFailed(String job, String jobReason) implements Decision {
      public SchemaPhase phase() {
        return SchemaPhase.Failed;
      }

      public String reason() {
        return "ContractFailed";
      }

      public String message() {
        return "the contract Job " + job + " failed (" + (jobReason == null ? "no reason given" : jobReason)
            + "); the new revision keeps serving; delete the Job and change the spec (e.g. an annotation of the contract template) to run it again";
      }
    }

    /** Nothing left to do for this version. */
    record Done(SchemaPhase phase, String message) implements Decision {
      public String reason() {
        return phase == SchemaPhase.Contracted ? "Contracted" : "NothingToContract";
      }
    }

    /** The template returns to a schema version a contract retired: refused, nothing starts. */
    record RefuseRollback(String revision, String version, String contractedVersion, Instant contractedAt)
        implements Decision {
      public SchemaPhase phase() {
        return null;
      }

      public String reason() {
        return "RollbackRefused";
      }

      public String message() {
        return "schema version " + contractedVersion + " was contracted at " + contractedAt
            + "; returning to revision " + revision + " (schema version " + version
            + ") would run the old version against a schema it cannot read";
      }
    }
  }

  // ---- the plan ----

  public static Decision next(Observation o) {
    if (o.targetRetired() != null) {
      Retirement r = o.targetRetired();
      return new Decision.RefuseRollback(o.targetRevision(), o.targetVersion(), r.contractedVersion(),
          r.contractedAt());
    }
    return o.stage() == ReleaseStage.NO_RELEASE ? afterRelease(o) : beforeNewPods(o);
  }

  private static Decision beforeNewPods(Observation o) {
    String v = o.targetVersion();
    if (v.equals(o.currentVersion())) {
      return new Decision.AllowNewPods("the release keeps schema version " + v + "; no migration needed");
    }
    if (o.otherJobRunning() != null) {
      return new Decision.WaitForMigration(o.otherJobRunning());
    }
    if (!o.hasExpand()) {
      return new Decision.AllowNewPods("no expand migration for schema version " + v);
    }
    if (v.equals(o.expandedVersion())) {
      return new Decision.AllowNewPods("schema version " + v + " is expanded");
    }
    JobView job = o.expandJob();
    return switch (job.state()) {
      case NONE -> new Decision.RunExpand(job.name(), v);
      case RUNNING -> new Decision.WaitExpand(job.name());
      case FAILED -> new Decision.AbortRelease(job.name(), job.reason());
      case SUCCEEDED -> new Decision.AllowNewPods(
          "the expand Job " + job.name() + " succeeded; schema version " + v + " is expanded");
    };
  }

  private static Decision afterRelease(Observation o) {
    String v = o.targetVersion();
    if (!o.hasContract()) {
      return new Decision.Done(SchemaPhase.Expanded, "no contract migration for schema version " + v);
    }
    JobView job = o.contractJob();
    if (o.targetContractedAt() != null || job.state() == JobState.SUCCEEDED) {
      return new Decision.Done(SchemaPhase.Contracted, "schema version " + v + " is contracted");
    }
    if (!v.equals(o.expandedVersion())) {
      return new Decision.Done(SchemaPhase.Expanded, "schema version " + v
          + " was not brought in by an expand (a rollback to a version still in place): nothing to contract");
    }
    switch (job.state()) {
      case RUNNING:
        return new Decision.WaitContractJob(job.name());
      case FAILED:
        return new Decision.ContractFailed(job.name(), job.reason());
      default:
        break;
    }
    List<Unmet> unmet = unmet(o);
    if (!unmet.isEmpty()) {
      return new Decision.WaitContract(unmet);
    }
    if (o.otherJobRunning() != null) {
      return new Decision.WaitForMigration(o.otherJobRunning());
    }
    return new Decision.RunContract(job.name(), v);
  }

  /** The contract's conditions that do not hold, in a fixed order: pods, window, sessions. */
  static List<Unmet> unmet(Observation o) {
    List<Unmet> unmet = new ArrayList<>();
    if (o.oldPods() > 0) {
      unmet.add(new Unmet.OldPodsRemain(o.oldPods()));
    }
    Instant completed = o.releaseCompletedAt() != null ? o.releaseCompletedAt() : o.now();
    Duration left = Duration.between(o.now(), completed.plusSeconds(o.rollbackWindowSeconds()));
    if (left.compareTo(Duration.ZERO) > 0) {
      long seconds = left.getSeconds() + (left.getNano() > 0 ? 1 : 0);
      unmet.add(new Unmet.RollbackWindowOpen(seconds));
    }
    switch (o.oldSessions()) {
      case Sessions.Unknown u -> unmet.add(new Unmet.OldSessionsUnknown(u.why()));
      case Sessions.Counted c when c.n() > 0 -> unmet.add(new Unmet.OldSessionsRemain(c.n()));
      default -> {}
    }
    return unmet;
  }

  // ---- naming ----

  /**
   * The name of a migration Job: {@code <owner>-<step>-<version>}, lower-cased, characters a name
   * cannot hold replaced by '-', at most 63 characters (the Job's pods carry it as a label value);
   * a longer name is cut and ends in a hash of the whole, so distinct versions keep distinct names.
   * The same inputs always give the same name, so a Job already created is found again.
   *
   * @param step "expand" or "contract"
   */
  public static String jobName(String owner, String step, String version) {
    String raw = (owner + "-" + step + "-" + version).toLowerCase(Locale.ROOT);
    String name = raw.replaceAll("[^a-z0-9-]", "-").replaceAll("-+$", "");
    if (name.length() <= 63 && name.equals(raw)) {
      return name;
    }
    String hash = Integer.toHexString(raw.hashCode() & 0x7fffffff);
    int keep = Math.min(name.length(), 63 - hash.length() - 1);
    return name.substring(0, keep).replaceAll("-+$", "") + "-" + hash;
  }
}
