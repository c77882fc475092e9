package dev.ferry.core.adoption;

import dev.ferry.core.release.Action;

/**
 * The one thing the reconciler does next for an adoption. As with {@link Action}, targets are
 * absolute, so doing one twice after a crash does no harm.
 */
public sealed interface AdoptionAction {

  /**
   * Record what the adoption will change before it changes anything: the finalizer on the
   * LosslessDeployment, the workload's replicas and the Service's selector in annotations. What is
   * recorded already is left as it is (it is the state before the first change).
   */
  record Record() implements AdoptionAction {}

  /** An action of Ferry's own revision set and pods (or a drain of an adopted pod), or a Wait. */
  record Release(Action action) implements AdoptionAction {}

  /**
   * Set the Service's selector: the recorded one plus ferry.dev/deployment ({@code toFerry}), or
   * the recorded one as it was.
   */
  record SwitchService(boolean toFerry) implements AdoptionAction {}

  /**
   * Set the workload's replicas. For a Deployment, {@code markedPod} (the drained one) first gets
   * pod-deletion-cost -99999 so that its ReplicaSet removes exactly it; a StatefulSet always removes
   * its highest ordinal, so it needs no mark (null).
   */
  record ScaleWorkload(int replicas, String markedPod) implements AdoptionAction {}

  /** Delete the workload ({@code afterwards: Delete}), once it is at zero replicas. */
  record DeleteWorkload() implements AdoptionAction {}

  /**
   * The adoption is over: remove the finalizer and, with {@code restore} (a rollback), the
   * annotations the adoption wrote.
   */
  record Finish(boolean restore) implements AdoptionAction {}
}
