package dev.ferry.core.migration;

import dev.ferry.core.migration.MigrationPlan.Decision;
import dev.ferry.core.migration.MigrationPlan.ReleaseStage;
import dev.ferry.core.release.Action;
import dev.ferry.core.release.Action.EnsureRevisionSet;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSetView;
import dev.ferry.core.release.RevisionSets;
import dev.ferry.core.release.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Where the migration decision meets the release plan (blue-green or rolling), as pure functions:
 * which stage the release is in for {@link MigrationPlan}, which revision the release plan may aim
 * at, and how the migration decision changes the release plan's step.
 *
 * <ul>
 *   <li>While the expand (or another release's migration Job) runs, the release may do everything
 *       but give the new revision its first pods: the step that would create or grow the template's
 *       revision set waits instead.
 *   <li>An expand that failed aborts the release: the release plan keeps the serving revision as it
 *       is (it aims at it), and the status says Aborted with the template's revision as the update
 *       revision, as a release that missed its deadline does.
 *   <li>A template that returns to a retired schema version is not released at all: the release plan
 *       aims at what it aimed at before (the running release's target, or the serving revision; a
 *       release toward the refused revision, recorded while a contract Job made it wait, is turned
 *       back to the serving revision).
 *   <li>The progress deadline counts from the first pod of the new revision, not from the start of
 *       the expand, however long the expand took.
 * </ul>
 */
public final class ReleaseGate {

  /** How often a release that waits for a migration looks again when nothing wakes it. */
  static final Duration MIGRATION_POLL = Duration.ofSeconds(5);

  private ReleaseGate() {}

  /**
   * The release's stage as {@link MigrationPlan} sees it.
   *
   * @param templateRevision the template's revision now
   * @param status what the release plan recorded last
   * @param templateHasPods whether any pod of the template's revision exists (Terminating ones too)
   */
  public static ReleaseStage stage(String templateRevision, ReleaseStatus status, boolean templateHasPods) {
    String current = status.currentRevision();
    boolean settled = current != null && templateRevision.equals(current)
        && (!status.phase().releasing() || current.equals(status.updateRevision()));
    if (settled) {
      return ReleaseStage.NO_RELEASE;
    }
    return templateHasPods ? ReleaseStage.NEW_PODS_EXIST : ReleaseStage.STARTING;
  }

  /**
   * The revision the release plan should aim at: the template's, unless the decision keeps the
   * release from it. Null when there is none to aim at (a first deployment whose expand failed, a
   * refused template before anything was deployed): then nothing is released.
   */
  public static String planTarget(Decision d, String templateRevision, ReleaseStatus status) {
    return switch (d) {
      case Decision.AbortRelease a -> status.currentRevision();
      // A release toward the refused revision itself (recorded while a migration Job made it wait)
      // is turned back to the serving revision; any other release under way goes on.
      case Decision.RefuseRollback r -> status.phase().releasing() && status.updateRevision() != null
          && !status.updateRevision().equals(templateRevision) ? status.updateRevision() : status.currentRevision();
      default -> templateRevision;
    };
  }

  /**
   * The step to take: the release plan's, changed by the migration decision.
   *
   * @param planned the release plan's step (computed for {@link #planTarget})
   * @param d the migration decision
   * @param templateRevision the template's revision
   * @param status what the release plan recorded last
   * @param sets the revision sets as observed
   */
  public static Step gate(
      Step planned, Decision d, String templateRevision, ReleaseStatus status, List<RevisionSetView> sets,
      Instant now) {
    return switch (d) {
      case Decision.RunExpand x -> holdNewPods(planned, d, templateRevision, sets, now);
      case Decision.WaitExpand x -> holdNewPods(planned, d, templateRevision, sets, now);
      case Decision.WaitForMigration x -> holdNewPods(planned, d, templateRevision, sets, now);
      case Decision.AbortRelease a -> aborted(planned, d, templateRevision, status, now);
      case Decision.RefuseRollback r ->
          new Step(planned.action(), planned.status(), dev.ferry.core.release.Reason.RollbackRefused,
              d.message(), true, planned.drainPod());
      default -> deadlineFromFirstPod(planned, templateRevision, sets, now);
    };
  }

  /** A step for when the release plan has nothing to aim at (see {@link #planTarget}). */
  public static Step nothingToRelease(Decision d, String templateRevision, ReleaseStatus status, Instant now) {
    if (d instanceof Decision.AbortRelease) {
      return new Step(new Wait(now.plusSeconds(60)), abortedStatus(templateRevision, status, now),
          dev.ferry.core.release.Reason.ExpandFailed, d.message(), true, null);
    }
    return new Step(new Wait(now.plusSeconds(60)), status, dev.ferry.core.release.Reason.RollbackRefused,
        d.message(), true, null);
  }

  /**
   * What the release plan is told it recorded last. While an expand failure aborts the release, the
   * plan keeps the serving revision as in a steady state. Once the expand may run again (its Job
   * deleted and the spec changed), a release it aborted starts over: the release plans keep an
   * Aborted release aborted until the template changes, which fixing a migration does not do.
   *
   * @param abortedByExpand whether the recorded Aborted phase is an expand failure's
   */
  public static ReleaseStatus remembered(ReleaseStatus status, boolean abortedByExpand, Decision d) {
    boolean steady = d instanceof Decision.AbortRelease
        || (status.phase() == Phase.Aborted && abortedByExpand);
    if (steady && status.currentRevision() != null) {
      return new ReleaseStatus(Phase.Healthy, status.currentRevision(), status.currentRevision(), status.phaseStartedAt());
    }
    return status;
  }

  /**
   * While a migration Job must finish first: no pod of the new revision, and no serving pod taken
   * away either (a rolling release with no surge would drain an old pod first), so that an expand
   * that fails has changed nothing for users. What restores or keeps serving goes on: opening gates,
   * stopping a drain, scaling the serving revision, removing empty revision sets.
   */
  private static Step holdNewPods(
      Step planned, Decision d, String templateRevision, List<RevisionSetView> sets, Instant now) {
    boolean grows = planned.action() instanceof EnsureRevisionSet e && e.revision().equals(templateRevision)
        && e.replicas() > RevisionSets.size(sets, templateRevision);
    boolean takesServingAway = switch (planned.action()) {
      case Action.StartDrain x -> true;
      case Action.StartDrains x -> true;
      case Action.DeletePod x -> true;
      case Action.SetGates g -> g.gates().containsValue(false);
      default -> false;
    };
    if (!grows && !takesServingAway) {
      return planned;
    }
    return new Step(new Wait(now.plus(MIGRATION_POLL)), planned.status(), dev.ferry.core.release.Reason.MigratingSchema,
        d.message(), false, null);
  }

  private static Step aborted(Step planned, Decision d, String templateRevision, ReleaseStatus status, Instant now) {
    return new Step(planned.action(), abortedStatus(templateRevision, status, now),
        dev.ferry.core.release.Reason.ExpandFailed, d.message(), true, planned.drainPod());
  }

  private static ReleaseStatus abortedStatus(String templateRevision, ReleaseStatus status, Instant now) {
    boolean already = status.phase() == Phase.Aborted && templateRevision.equals(status.updateRevision())
        && status.phaseStartedAt() != null;
    return new ReleaseStatus(Phase.Aborted, status.currentRevision(), templateRevision,
        already ? status.phaseStartedAt() : now);
  }

  /**
   * A release whose new revision gets its first pods now: its progress deadline counts from here
   * (an expand before it may have taken longer than the deadline itself).
   */
  private static Step deadlineFromFirstPod(Step planned, String templateRevision, List<RevisionSetView> sets, Instant now) {
    ReleaseStatus s = planned.status();
    if (planned.action() instanceof EnsureRevisionSet e && e.revision().equals(templateRevision) && e.replicas() > 0
        && RevisionSets.size(sets, templateRevision) == 0 && s.phase().releasing()
        && !now.equals(s.phaseStartedAt())) {
      return new Step(planned.action(), new ReleaseStatus(s.phase(), s.currentRevision(), s.updateRevision(), now),
          planned.reason(), planned.message(), planned.stalled(), planned.drainPod());
    }
    return planned;
  }
}
