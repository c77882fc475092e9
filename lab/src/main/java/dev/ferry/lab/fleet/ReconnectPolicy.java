package dev.ferry.lab.fleet;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a client waits before its next connection attempt. {@code attempt} is 0 for the first
 * attempt after a disconnect and grows with every failed attempt; a successful connect resets it.
 */
@FunctionalInterface
public interface ReconnectPolicy {

  long delayMillis(int attempt);

  /**
   * Reconnects at once after a disconnect, as naive clients do (the storm Ferry prevents). After a
   * failed attempt it waits {@code retryAfterFailure}, so that a client facing a refusal does not
   * spin an event loop.
   */
  static ReconnectPolicy immediate(Duration retryAfterFailure) {
    long retry = retryAfterFailure.toMillis();
    return attempt -> attempt == 0 ? 0 : retry;
  }

  /**
   * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
   * a uniform random delay in {@code [0, min(cap, base * 2^attempt)]}. The randomness spreads a
   * crowd of clients that lost the same node over the whole window instead of a spike.
   */
  static ReconnectPolicy fullJitter(Duration base, Duration cap) {
    long b = base.toMillis();
    long c = cap.toMillis();
    if (b <= 0 || c < b) {
      throw new IllegalArgumentException("need 0 < base <= cap, was base=" + base + " cap=" + cap);
    }
    return attempt -> {
      long ceiling = attempt >= 30 ? c : Math.min(c, b << attempt);
      return ThreadLocalRandom.current().nextLong(ceiling + 1);
    };
  }
}
