package dev.ferry.workload.load;

import java.time.Duration;

/**
 * An open-model load: requests leave at {@code ratePerSecond} on a fixed schedule whatever the
 * answers do, until {@code duration} has passed or {@code maxRequests} were sent.
 *
 * @param ratePerSecond requests per second
 * @param duration how long to send
 * @param maxRequests how many to send at most
 * @param maxInFlight requests waiting for their end at most; one more due is not sent and counts
 *     {@link Kind#CLIENT_LIMIT} (each holds a connection: keep it well under the ~20,000 open files
 *     a process may have)
 * @param guardTimeout a request whose sender has not ended it after this long ends {@link
 *     Kind#TIMEOUT} (senders have their own, shorter, timeouts)
 */
public record LoadConfig(double ratePerSecond, Duration duration, long maxRequests, int maxInFlight, Duration guardTimeout) {
  public LoadConfig {
    if (!(ratePerSecond > 0) || ratePerSecond > 100_000) {
      throw new IllegalArgumentException("ratePerSecond must be in (0, 100000]: " + ratePerSecond);
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration must be positive");
    }
    if (maxRequests < 1 || maxInFlight < 1) {
      throw new IllegalArgumentException("maxRequests and maxInFlight must be at least 1");
    }
  }

  /** {@code ratePerSecond} for {@code duration}, at most 2,000 in flight, 30 s guard. */
  public static LoadConfig of(double ratePerSecond, Duration duration) {
    long max = (long) Math.ceil(ratePerSecond * duration.toNanos() / 1e9);
    return new LoadConfig(ratePerSecond, duration, Math.max(1, max), 2000, Duration.ofSeconds(30));
  }

  public LoadConfig withMaxInFlight(int n) {
    return new LoadConfig(ratePerSecond, duration, maxRequests, n, guardTimeout);
  }

  public LoadConfig withMaxRequests(long n) {
    return new LoadConfig(ratePerSecond, duration, n, maxInFlight, guardTimeout);
  }
}
