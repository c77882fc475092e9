package dev.ferry.core.adoption;

import dev.ferry.core.release.Reason;

/**
 * The adoption plan's answer: the action to take now and the state to record once it is done.
 *
 * @param action what to do
 * @param state the state after the action
 * @param reason why, as a condition and event reason
 * @param message for people: what happens and what it waits for
 * @param stalled the adoption cannot go on by itself (a drain refused, the workload gone)
 * @param drainPod the pod whose drain status.drain should report, or null
 * @param removedPod an adopted pod whose removal this step asks its controller for, or null
 */
public record AdoptionStep(
    AdoptionAction action, AdoptionObservation.State state, Reason reason, String message, boolean stalled,
    String drainPod, String removedPod) {

  public AdoptionStep {
    if (action == null || state == null || reason == null) {
      throw new IllegalArgumentException("a step needs an action, a state and a reason");
    }
  }
}
