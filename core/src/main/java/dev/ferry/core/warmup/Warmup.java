package dev.ferry.core.warmup;

/**
 * The share of traffic a freshly started instance should get, as Apache Dubbo computes it.
 *
 * <p>Dubbo's load balancers weigh a provider that has been up for {@code uptime} of a
 * {@code warmup} period at {@code weight * uptime / warmup}, never below 1 and never above the full
 * weight, so a new instance's traffic grows linearly while its caches and JIT warm up.
 */
public final class Warmup {

  private Warmup() {}

  /**
   * @param uptimeMillis how long the instance has been serving (negative counts as 0)
   * @param warmupMillis the warm-up period; 0 or less means no warm-up
   * @param fullWeight the weight once warm (at least 0)
   * @return the weight to use now
   */
  public static int weight(long uptimeMillis, long warmupMillis, int fullWeight) {
    if (fullWeight < 0) {
      throw new IllegalArgumentException("fullWeight must not be negative, was " + fullWeight);
    }
    if (warmupMillis <= 0 || uptimeMillis >= warmupMillis || fullWeight == 0) {
      return fullWeight;
    }
    long uptime = Math.max(0, uptimeMillis);
    // Same arithmetic as Dubbo's calculateWarmupWeight: (int) (uptime / (warmup / weight)).
    int ww = (int) (uptime / ((double) warmupMillis / fullWeight));
    return ww < 1 ? 1 : Math.min(ww, fullWeight);
  }
}
