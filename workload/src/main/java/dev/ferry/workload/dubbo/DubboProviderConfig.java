package dev.ferry.workload.dubbo;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * One simulated pod's Dubbo provider.
 *
 * @param podName what it answers with
 * @param address where the Dubbo protocol listens (and the address it registers), e.g. 127.0.5.1:20880
 * @param qosPort Dubbo's QoS server port on the same host ({@code curl http://host:qosPort/offline})
 * @param registry Dubbo's registry address, e.g. {@code zookeeper://127.0.5.100:2181}
 * @param startupTime from {@code start} until the application starts Dubbo (its own start-up)
 * @param delay Dubbo's {@code delay}: the export (and registration) waits this long after Dubbo
 *     started; zero: at once
 * @param warmup Dubbo's {@code warmup}: consumers weigh it from ~0 up to full over this long after
 *     it was exported; Dubbo's own default is 10 minutes
 * @param serviceTime how long a call takes, without holding a thread
 * @param shutdownWait Dubbo's {@code shutwait}: how long its graceful shutdown waits for calls in flight
 * @param coldExtra extra time per call just after Dubbo started, falling linearly to zero over
 *     {@code coldPeriod} (an application still warming up: JIT, caches, connection pools, as {@code
 *     HttpServiceConfig}'s cold start); zero for none
 * @param coldPeriod see {@code coldExtra}
 */
public record DubboProviderConfig(
    String podName,
    InetSocketAddress address,
    int qosPort,
    String registry,
    Duration startupTime,
    Duration delay,
    Duration warmup,
    Duration serviceTime,
    Duration shutdownWait,
    Duration coldExtra,
    Duration coldPeriod) {

  public DubboProviderConfig {
    Objects.requireNonNull(podName, "podName");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(registry, "registry");
  }

  /** No start-up time, no delay, Dubbo's 10-minute default warmup, 5 ms calls, 10 s shutdown wait. */
  public static DubboProviderConfig of(String podName, InetSocketAddress address, int qosPort, String registry) {
    return new DubboProviderConfig(podName, address, qosPort, registry, Duration.ZERO, Duration.ZERO,
        Duration.ofMinutes(10), Duration.ofMillis(5), Duration.ofSeconds(10), Duration.ZERO, Duration.ZERO);
  }

  public DubboProviderConfig withStartupTime(Duration d) {
    return new DubboProviderConfig(podName, address, qosPort, registry, d, delay, warmup, serviceTime, shutdownWait, coldExtra, coldPeriod);
  }

  public DubboProviderConfig withDelay(Duration d) {
    return new DubboProviderConfig(podName, address, qosPort, registry, startupTime, d, warmup, serviceTime, shutdownWait, coldExtra, coldPeriod);
  }

  public DubboProviderConfig withWarmup(Duration d) {
    return new DubboProviderConfig(podName, address, qosPort, registry, startupTime, delay, d, serviceTime, shutdownWait, coldExtra, coldPeriod);
  }

  public DubboProviderConfig withServiceTime(Duration d) {
    return new DubboProviderConfig(podName, address, qosPort, registry, startupTime, delay, warmup, d, shutdownWait, coldExtra, coldPeriod);
  }

  public DubboProviderConfig withShutdownWait(Duration d) {
    return new DubboProviderConfig(podName, address, qosPort, registry, startupTime, delay, warmup, serviceTime, d, coldExtra, coldPeriod);
  }

  /** A cold start: {@code extra} more per call at Dubbo's start, falling linearly to none over {@code period}. */
  public DubboProviderConfig withColdStart(Duration extra, Duration period) {
    return new DubboProviderConfig(podName, address, qosPort, registry, startupTime, delay, warmup, serviceTime,
        shutdownWait, extra, period);
  }
}
