package dev.ferry.core.release;

import dev.ferry.core.release.Action.StopDrain;
import dev.ferry.core.release.Action.Wait;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What people ask of a release in progress ({@code ferry abort}, {@code retry}, {@code pause},
 * {@code resume}), applied around a release plan as pure functions: which revision the plan aims
 * at, which status it starts from, and how its step changes.
 *
 * <ul>
 *   <li><b>Abort</b> (the template's revision T is named as aborted, and another revision C served
 *       before): the plan aims at C, as if the template had been set back — a rollback, so the
 *       serving revision is brought back to full size before any pod of T is drained, and every
 *       client of T moves to C the lossless way. Once C serves alone the phase is Aborted, with T
 *       as the update revision, as a release past its deadline ends; it stays Aborted until the
 *       template changes or the release is retried.
 *   <li><b>Retry</b> (an Aborted release, named together with the time it was aborted): the plan
 *       starts from the serving revision as in a steady state, so the release of T starts over. The
 *       time makes each retry good for one abort: a retried release that is aborted again (by its
 *       deadline, say) stays aborted.
 *   <li><b>Pause</b> while a release runs: hold between steps. A drain that runs is stopped (the
 *       pod accepts clients again; its gate keeps the Service from sending it new ones); nothing
 *       else is done; the phase stays. Resuming starts the stopped drain again. The progress
 *       deadline does not run while paused: the phase's clock restarts once a poll. A template
 *       changed while paused and steady is not released: the plan aims at the serving revision and
 *       keeps it up (scaling, gates, leftovers), as with a paused Deployment; so does a first
 *       deployment. Abort and retry are carried out even while paused.
 * </ul>
 *
 * <p>An abort names a revision; once the template names another, the operator removes the abort
 * (it was for a release that no longer is), so a later release of the same revision is not aborted
 * by an old request.</p>
 */
public final class ReleaseControl {
  private ReleaseControl() {}

  /** How often a paused release looks again when nothing wakes it. */
  static final Duration PAUSED_POLL = Duration.ofSeconds(30);

  /**
   * @param abort the revision whose release is aborted, or null
   * @param retry the aborted release to try again ({@link #retryToken}), or null
   * @param paused hold the release between steps
   */
  public record Requests(String abort, String retry, boolean paused) {
    public static final Requests NONE = new Requests(null, null, false);
  }

  /** What {@code ferry retry} writes: the revision and when its release was aborted. */
  public static String retryToken(String revision, Instant abortedAt) {
    return revision + "@" + abortedAt;
  }

  /** Whether the release of {@code target} is to be aborted: named, and there is a revision to go back to. */
  public static boolean aborting(Requests r, String target, ReleaseStatus s) {
    return r.abort() != null && r.abort().equals(target) && s.currentRevision() != null
        && !target.equals(s.currentRevision());
  }

  private static boolean retrying(Requests r, String target, ReleaseStatus s) {
    return !aborting(r, target, s) && s.phase() == Phase.Aborted && s.currentRevision() != null
        && target.equals(s.updateRevision()) && s.phaseStartedAt() != null
        && retryToken(target, s.phaseStartedAt()).equals(r.retry());
  }

  /**
   * The revision the plan aims at: the serving one while the template's release is aborted, or
   * while a paused LosslessDeployment has a template it has not started to release (the plan then
   * keeps up the serving revision — scaling, gates, leftovers — and the new one waits).
   */
  public static String planTarget(Requests r, String target, ReleaseStatus s) {
    return aborting(r, target, s) || heldBeforeStart(r, target, s) ? s.currentRevision() : target;
  }

  /** Paused, steady on a serving revision, and the template names another: its release waits. */
  private static boolean heldBeforeStart(Requests r, String target, ReleaseStatus s) {
    return r.paused() && s.currentRevision() != null && !target.equals(s.currentRevision())
        && !s.phase().releasing();
  }

  /** The status the plan starts from: an Aborted release that stays aborted, or is retried, is steady on C. */
  public static ReleaseStatus planStatus(Requests r, String target, ReleaseStatus s) {
    if (s.phase() == Phase.Aborted && (aborting(r, target, s) || retrying(r, target, s))) {
      return new ReleaseStatus(Phase.Healthy, s.currentRevision(), s.currentRevision(), s.phaseStartedAt());
    }
    return s;
  }

  /**
   * The step to take: the plan's, changed by what was asked.
   *
   * @param planned the plan's step, computed for {@link #planTarget} from {@link #planStatus}
   * @param target the template's revision
   * @param before what the release recorded last
   * @param drains what the drainer reports, by pod
   */
  public static Step gate(
      Step planned, Requests r, String target, ReleaseStatus before, Map<String, DrainView> drains, Instant now) {
    if (aborting(r, target, before)) {
      return aborted(planned, target, before, now);
    }
    if (retrying(r, target, before)) {
      return new Step(planned.action(), planned.status(), Reason.Retrying,
          "retrying the release of " + target + " (ferry retry); " + planned.message(), planned.stalled(),
          planned.drainPod());
    }
    if (heldBeforeStart(r, target, before)) {
      // An Aborted release stays on record as such while the new template waits.
      ReleaseStatus status = before.phase() == Phase.Aborted ? before : planned.status();
      return new Step(planned.action(), status, planned.action() instanceof Wait ? Reason.Paused
          : planned.reason(), "paused: the release of " + target + " waits for ferry resume; " + planned.message(),
          planned.stalled(), planned.drainPod());
    }
    if (r.paused() && before.phase().releasing() && before.currentRevision() != null) {
      return paused(planned, before, drains, now);
    }
    return planned;
  }

  private static Step aborted(Step planned, String target, ReleaseStatus before, Instant now) {
    ReleaseStatus s = planned.status();
    String serving = before.currentRevision();
    if (s.phase().releasing() || !serving.equals(s.currentRevision())) {
      return new Step(planned.action(), s, planned.reason() == Reason.RollingBack ? Reason.Aborting : planned.reason(),
          "aborting the release of " + target + " (ferry abort): bringing " + serving + " back; " + planned.message(),
          false, planned.drainPod());
    }
    boolean already = before.phase() == Phase.Aborted && target.equals(before.updateRevision())
        && before.phaseStartedAt() != null;
    ReleaseStatus abortedStatus = new ReleaseStatus(Phase.Aborted, serving, target, already ? before.phaseStartedAt() : now);
    if (!(planned.action() instanceof Wait)) {
      return new Step(planned.action(), abortedStatus, planned.reason(),
          "release of " + target + " aborted: " + planned.message(), true, planned.drainPod());
    }
    return new Step(planned.action(), abortedStatus, Reason.Aborted,
        "release of " + target + " aborted (ferry abort); " + serving + " serves. ferry retry releases it again",
        true, null);
  }

  private static Step paused(Step planned, ReleaseStatus before, Map<String, DrainView> drains, Instant now) {
    // The phase's clock restarts while paused, so that the deadline does not run; only when it is a
    // poll old, so that status is written once a poll, not on every pass its own write would wake.
    boolean stale = before.phaseStartedAt() == null || before.phaseStartedAt().plus(PAUSED_POLL).isBefore(now);
    ReleaseStatus held = stale
        ? new ReleaseStatus(before.phase(), before.currentRevision(), before.updateRevision(), now) : before;
    // The drain still sending clients away first: it is the one whose clients land where they should not.
    String running = drains.entrySet().stream()
        .filter(e -> e.getValue().state() == DrainView.State.RUNNING)
        .sorted(Map.Entry.<String, DrainView>comparingByValue(java.util.Comparator.comparing(DrainView::clientsSentAway))
            .thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey).findFirst().orElse(null);
    if (running != null) {
      DrainView d = drains.get(running);
      return new Step(new StopDrain(running), held, Reason.Paused,
          "paused: stopping the drain of " + running + (d.connections() >= 0 ? " (" + d.connections()
              + " connections left)" : "") + "; ferry resume starts it again", false, running);
    }
    return new Step(new Wait(now.plus(PAUSED_POLL)), held, Reason.Paused,
        "paused: the release of " + before.updateRevision() + " is held in " + before.phase()
            + "; ferry resume goes on", false, null);
  }
}
