package dev.ferry.core.bluegreen;

import dev.ferry.core.release.DrainSettings;
import java.time.Duration;

/**
 * The parts of a LosslessDeployment's spec that the blue-green plan reads.
 *
 * @param replicas pods per revision
 * @param autoPromote switch as soon as the new set is ready; false waits for a promotion
 * @param initialDelay after the switch, before the first old pod is drained
 * @param progressDeadline how long the new set may take to become ready before the release aborts
 * @param drain how old pods are drained
 * @param revisionHistoryLimit empty old revision sets kept for rollback
 */
public record BlueGreenSpec(
    int replicas,
    boolean autoPromote,
    Duration initialDelay,
    Duration progressDeadline,
    DrainSettings drain,
    int revisionHistoryLimit) {

  public BlueGreenSpec {
    if (replicas < 0 || revisionHistoryLimit < 0) {
      throw new IllegalArgumentException("replicas and revisionHistoryLimit must not be negative");
    }
  }
}
