package dev.ferry.core.pacing;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paces evictions so that no more than {@code ratePerSecond} happen in any one-second window.
 *
 * <p>A fixed "n per tick" budget is not enough on its own: a tick that runs late followed by one
 * that runs on time puts two budgets inside one second. So the pacer remembers what it granted in
 * the last second and grants only what is left of the rate in the window ending now. Time is a
 * value passed in (milliseconds on any monotonic clock), so the pacer is pure and testable.
 *
 * <p>Not thread-safe: one pacer belongs to one eviction loop.
 */
public final class EvictionPacer {

  private static final long WINDOW_MILLIS = 1000;

  private final int ratePerSecond;
  /** Grants still inside the window: {time, count} pairs, oldest first. */
  private final Deque<long[]> grants = new ArrayDeque<>();
  private int grantedInWindow;
  private long lastNow = Long.MIN_VALUE;

  public EvictionPacer(int ratePerSecond) {
    if (ratePerSecond < 1) {
      throw new IllegalArgumentException("ratePerSecond must be at least 1, was " + ratePerSecond);
    }
    this.ratePerSecond = ratePerSecond;
  }

  public int ratePerSecond() {
    return ratePerSecond;
  }

  /** How many evictions may happen at {@code nowMillis} without breaking the rate. */
  public int available(long nowMillis) {
    expire(nowMillis);
    return ratePerSecond - grantedInWindow;
  }

  /**
   * Grants up to {@code wanted} evictions at {@code nowMillis} and records them.
   *
   * @return how many were granted: {@code min(wanted, available(nowMillis))}
   */
  public int take(long nowMillis, int wanted) {
    if (wanted < 0) {
      throw new IllegalArgumentException("wanted must not be negative, was " + wanted);
    }
    int granted = Math.min(wanted, available(nowMillis));
    if (granted > 0) {
      grants.addLast(new long[] {nowMillis, granted});
      grantedInWindow += granted;
    }
    return granted;
  }

  private void expire(long nowMillis) {
    if (nowMillis < lastNow) {
      throw new IllegalArgumentException("time went backwards: " + nowMillis + " < " + lastNow);
    }
    lastNow = nowMillis;
    // A grant at t counts for the window (t - 1000, t]: it leaves once now - t >= 1000.
    while (!grants.isEmpty() && nowMillis - grants.peekFirst()[0] >= WINDOW_MILLIS) {
      grantedInWindow -= (int) grants.pollFirst()[1];
    }
  }
}
