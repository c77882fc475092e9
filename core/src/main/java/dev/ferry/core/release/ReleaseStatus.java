package dev.ferry.core.release;

import java.time.Instant;

/**
 * What the plans keep in {@code status} between passes.
 *
 * @param phase the phase
 * @param currentRevision the revision that completed last (null before the first deployment)
 * @param updateRevision the revision being rolled out (equals current when none)
 * @param phaseStartedAt when the phase (or the release's target) last changed: deadlines and
 *     settling are measured from it, so they survive an operator restart
 */
public record ReleaseStatus(
    Phase phase, String currentRevision, String updateRevision, Instant phaseStartedAt) {

  public static ReleaseStatus initial() {
    return new ReleaseStatus(Phase.Provisioning, null, null, null);
  }
}
