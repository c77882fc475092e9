package dev.ferry.workload.dubbo;

import java.time.Duration;

/**
 * The consumer the load generator calls {@link WorkService} through.
 *
 * @param registry Dubbo's registry address, e.g. {@code zookeeper://127.0.5.100:2181}
 * @param timeout Dubbo's call {@code timeout}
 * @param retries Dubbo's {@code retries} (failover to another provider on a network error or
 *     timeout; Dubbo's default is 2)
 * @param loadbalance Dubbo's {@code loadbalance}: {@code random} (the default, weighted, honours
 *     warmup), {@code roundrobin}, {@code leastactive}, ...
 */
public record DubboConsumerConfig(String registry, Duration timeout, int retries, String loadbalance) {
  /** Dubbo's defaults: 1 s timeout, 2 retries, weighted random. */
  public static DubboConsumerConfig of(String registry) {
    return new DubboConsumerConfig(registry, Duration.ofSeconds(1), 2, "random");
  }

  public DubboConsumerConfig withRetries(int n) {
    return new DubboConsumerConfig(registry, timeout, n, loadbalance);
  }

  public DubboConsumerConfig withTimeout(Duration d) {
    return new DubboConsumerConfig(registry, d, retries, loadbalance);
  }
}
