package dev.ferry.core.pacing;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paces evictions so that no more than {@code ratePerSecond} happen in any one-second window, and,
 * when sliced, spreads them evenly over the second.
 *
 * <p>A fixed "n per tick" budget is not enough on its own: a tick that runs late followed by one
 * that runs on time puts two budgets inside one second. So the pacer remembers what it granted in
 * the last second and grants only what is left of the rate in the window ending now. Time is a
 * value passed in (milliseconds on any monotonic clock), so the pacer is pure and testable.
 *
 * <p>Sliced ({@code slicesPerSecond > 1}, ticks every {@code 1000 / slicesPerSecond} ms), a token
 * bucket also holds each grant to what the rate earned since the last one, at most one slice's
 * share ({@code ceil(rate / slices)}): 200/s in ten slices evicts 20 every 100 ms instead of 200 at
 * once. The same number leave per second, but the clients reconnect in a stream rather than a burst:
 * no reconnect peak, and fewer clients away at any instant. The one-second window still holds, so
 * the rate is never exceeded whatever the tick times.
 *
 * <p>Not thread-safe: one pacer belongs to one eviction loop.
 */
public final class EvictionPacer {

  private static final long WINDOW_MILLIS = 1000;

  private final int ratePerSecond;
  private final int slicesPerSecond;
  /** Evictions the rate has earned and not yet granted (sliced only), at most one slice's share. */
  private double tokens;
  private final double maxTokens;
  private long lastRefill = Long.MIN_VALUE;
  /** Grants still inside the window: {time, count} pairs, oldest first. */
  private final Deque<long[]> grants = new ArrayDeque<>();
  private int grantedInWindow;
  private long lastNow = Long.MIN_VALUE;

  /** A pacer that grants a whole second's rate at once (EMQX's way: one batch a second). */
  public EvictionPacer(int ratePerSecond) {
    this(ratePerSecond, 1);
  }

  /** A pacer that spreads the rate over {@code slicesPerSecond} equal grants a second. */
  public EvictionPacer(int ratePerSecond, int slicesPerSecond) {
    if (ratePerSecond < 1) {
      throw new IllegalArgumentException("ratePerSecond must be at least 1, was " + ratePerSecond);
    }
    if (slicesPerSecond < 1 || slicesPerSecond > 1000) {
      throw new IllegalArgumentException("slicesPerSecond must be 1..1000, was " + slicesPerSecond);
    }
    this.ratePerSecond = ratePerSecond;
    this.slicesPerSecond = slicesPerSecond;
    this.maxTokens = Math.ceil((double) ratePerSecond / slicesPerSecond);
    this.tokens = maxTokens;
  }

  public int ratePerSecond() {
    return ratePerSecond;
  }

  /** How many evictions may happen at {@code nowMillis} without breaking the rate. */
  public int available(long nowMillis) {
    expire(nowMillis);
    int inWindow = ratePerSecond - grantedInWindow;
    return slicesPerSecond == 1 ? inWindow : Math.min(inWindow, (int) Math.floor(tokens));
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
      tokens -= granted;
    }
    return granted;
  }

  private void expire(long nowMillis) {
    if (nowMillis < lastNow) {
      throw new IllegalArgumentException("time went backwards: " + nowMillis + " < " + lastNow);
    }
    lastNow = nowMillis;
    if (lastRefill != Long.MIN_VALUE) {
      tokens = Math.min(maxTokens, tokens + (nowMillis - lastRefill) * ratePerSecond / 1000.0);
    }
    lastRefill = nowMillis;
    // A grant at t counts for the window (t - 1000, t]: it leaves once now - t >= 1000.
    while (!grants.isEmpty() && nowMillis - grants.peekFirst()[0] >= WINDOW_MILLIS) {
      grantedInWindow -= (int) grants.pollFirst()[1];
    }
  }
}
