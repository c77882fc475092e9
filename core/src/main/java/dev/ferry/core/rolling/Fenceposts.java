package dev.ferry.core.rolling;

/**
 * maxSurge and maxUnavailable resolved to pod counts, the way Kubernetes' Deployment controller
 * does it ({@code ResolveFenceposts}): surge rounds up, unavailable rounds down; if both round to
 * zero, one pod may be unavailable, or the rollout could never make progress. Both given as zero is
 * an invalid spec.
 */
public record Fenceposts(int maxSurge, int maxUnavailable) {

  public static Fenceposts resolve(IntOrPercent surge, IntOrPercent unavailable, int replicas) {
    if (surge.value() == 0 && unavailable.value() == 0) {
      throw new IllegalArgumentException(
          "maxSurge and maxUnavailable cannot both be 0: no pod could ever be replaced");
    }
    if (unavailable.percent() && unavailable.value() > 100) {
      throw new IllegalArgumentException("maxUnavailable cannot be more than 100%, was " + unavailable);
    }
    int s = surge.resolve(replicas, true);
    int u = unavailable.resolve(replicas, false);
    if (s == 0 && u == 0) {
      u = 1;
    }
    return new Fenceposts(s, Math.min(u, Math.max(replicas, 1)));
  }
}
