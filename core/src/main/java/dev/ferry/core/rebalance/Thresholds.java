package dev.ferry.core.rebalance;

/**
 * When a rebalance counts as balanced: donors' average D and recipients' average R are balanced when
 * {@code D <= R + absolute} or {@code D <= R * relative}. EMQX requires relative > 1.0.
 */
public record Thresholds(double absolute, double relative) {
  public Thresholds {
    if (!(absolute >= 0)) {
      throw new IllegalArgumentException("absolute threshold must be >= 0, was " + absolute);
    }
    if (!(relative > 1.0)) {
      throw new IllegalArgumentException("relative threshold must be > 1.0, was " + relative);
    }
  }

  /** The balanced test of EMQX's node rebalance. */
  public boolean balanced(double donorAverage, double recipientAverage) {
    return donorAverage <= recipientAverage + absolute || donorAverage <= recipientAverage * relative;
  }
}
