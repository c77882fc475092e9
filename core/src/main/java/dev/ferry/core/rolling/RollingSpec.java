package dev.ferry.core.rolling;

import dev.ferry.core.release.DrainSettings;
import java.time.Duration;

/**
 * The parts of a LosslessDeployment's spec that the rolling plan reads.
 *
 * @param replicas desired pods
 * @param maxSurge pods above {@code replicas} allowed during the roll
 * @param maxUnavailable pods below {@code replicas} allowed to be out of service, draining included
 * @param delayOnline after a new pod's containers are ready, how long before it gets traffic
 * @param propagation after the EndpointSlice dropped an old pod, how long proxies get to learn it
 * @param progressDeadline no progress for this long: the roll is reported stalled
 * @param drain how old pods are drained
 * @param revisionHistoryLimit empty old revision sets kept for rollback
 */
public record RollingSpec(
    int replicas,
    IntOrPercent maxSurge,
    IntOrPercent maxUnavailable,
    Duration delayOnline,
    Duration propagation,
    Duration progressDeadline,
    DrainSettings drain,
    int revisionHistoryLimit) {

  public Fenceposts fenceposts() {
    return Fenceposts.resolve(maxSurge, maxUnavailable, replicas);
  }
}
