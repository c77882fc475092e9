package dev.ferry.core.release;

/**
 * A plan's answer: the one action to take now, and the status to record once it is done.
 *
 * @param action what to do
 * @param status the status after the action (phase, revisions, when the phase started)
 * @param reason why, as a condition/event reason
 * @param message for people: what happens and what it waits for
 * @param stalled the release cannot go on by itself (a deadline passed, a drain overran): the
 *     Progressing condition turns False
 * @param drainPod the pod whose drain the reconciler should report in {@code status.drain}, or null
 */
public record Step(
    Action action, ReleaseStatus status, Reason reason, String message, boolean stalled, String drainPod) {

  public Step {
    if (action == null || status == null || reason == null) {
      throw new IllegalArgumentException("a step needs an action, a status and a reason");
    }
  }
}
