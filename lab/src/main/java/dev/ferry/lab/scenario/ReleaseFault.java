package dev.ferry.lab.scenario;

import java.time.Duration;

/**
 * What goes wrong during a release, in the fault scenarios: the faults EMQX Operator users met,
 * played the same way against it and against Ferry.
 */
public enum ReleaseFault {
  /** The happy path. */
  NONE,
  /** The template is set back to the old image as soon as the first old node starts draining. */
  ROLLBACK_MID_DRAIN,
  /**
   * The new image never starts (the lab's {@code -bad} images crash); {@link #BAD_IMAGE_FIXED_AFTER}
   * later the user corrects it to the good new image.
   */
  BAD_IMAGE,
  /** The new image never starts; {@link #BAD_IMAGE_FIXED_AFTER} later the user sets the old image back. */
  BAD_IMAGE_REVERTED,
  /** The new pods are Ready {@link #JOIN_DELAY} before they join the cluster (EMQX's /status does not wait). */
  LATE_JOIN,
  /** No release: a Rebalance is started on a cluster the Service spread evenly. */
  REBALANCE_BALANCED;

  /** The release ends on the revision it started from (a revert): done is enough, no new revision. */
  boolean endsWhereItStarted() {
    return this == ROLLBACK_MID_DRAIN || this == BAD_IMAGE_REVERTED;
  }

  static final Duration BAD_IMAGE_FIXED_AFTER = Duration.ofSeconds(20);
  static final Duration JOIN_DELAY = Duration.ofSeconds(20);

  /** The image a release to {@code v2} uses under this fault first. */
  String firstImage(String v2) {
    return switch (this) {
      case BAD_IMAGE, BAD_IMAGE_REVERTED -> v2 + "-bad";
      case LATE_JOIN -> v2 + "-joins-after-" + JOIN_DELAY.toSeconds() + "s";
      default -> v2;
    };
  }
}
