package dev.ferry.workload.ingress;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One pod the ingress may send to, with its warmup as the pod's annotations give it ({@code
 * ferry.dev/ready-at}, {@code ferry.dev/warmup-seconds}).
 *
 * @param address the pod's address
 * @param readyAt when the pod became ready (null: long ago)
 * @param warmup how long its weight takes to rise linearly from ~0 to 1 after {@code readyAt}
 *     (zero: full weight at once)
 */
public record Upstream(InetSocketAddress address, Instant readyAt, Duration warmup) {
  public Upstream {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(warmup, "warmup");
  }

  /** A pod with no warmup. */
  public static Upstream of(InetSocketAddress address) {
    return new Upstream(address, null, Duration.ZERO);
  }

  /** A pod ready since {@code readyAt}, warming up for {@code warmupSeconds}. */
  public static Upstream warming(InetSocketAddress address, Instant readyAt, long warmupSeconds) {
    return new Upstream(address, readyAt, Duration.ofSeconds(warmupSeconds));
  }

  /**
   * The weight at {@code now}, as Dubbo's warmup computes it: the share of the warmup that has
   * passed since {@code readyAt}, at least {@code minWeight}, at most 1.
   */
  public double weight(Instant now, double minWeight) {
    if (readyAt == null || warmup.isZero() || warmup.isNegative()) {
      return 1.0;
    }
    double w = (double) Duration.between(readyAt, now).toMillis() / warmup.toMillis();
    return Math.max(minWeight, Math.min(1.0, w));
  }
}
