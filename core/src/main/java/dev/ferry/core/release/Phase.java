package dev.ferry.core.release;

/** Where a LosslessDeployment stands, as recorded in {@code status.phase}. */
public enum Phase {
  /** The current revision serves with all its replicas; nothing to release. */
  Healthy,
  /** A release (or the first deployment) is creating the update revision's pods. */
  Provisioning,
  /** The update revision is ready and waits for a promotion ({@code autoPromote: false}). */
  AwaitingPromotion,
  /** Gates are being flipped: new pods in, old pods out of the Service. */
  Switching,
  /** After the switch: load balancers and proxies catch up before anything is drained. */
  Settling,
  /** Old pods are emptied one at a time through the drainer, then deleted. */
  Draining,
  /** A rolling release replaces old pods with new ones, a few at a time. */
  Rolling,
  /** The release gave up (its deadline passed); the old revision serves, the new set is at zero. */
  Aborted,
  /** No release, but fewer serving pods than replicas. */
  Degraded;

  /** A release is running: the phases between start and the end or abort. */
  public boolean releasing() {
    return switch (this) {
      case Provisioning, AwaitingPromotion, Switching, Settling, Draining, Rolling -> true;
      case Healthy, Aborted, Degraded -> false;
    };
  }
}
