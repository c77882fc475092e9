package dev.ferry.workload.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How one simulated pod's HTTP service behaves.
 *
 * @param podName the name it answers {@code GET /work} with (body and header {@code X-Pod})
 * @param address where it listens, a loopback address of its own such as 127.0.5.1:8080
 * @param startupTime from {@code start} until it listens (before that, connections are refused, as
 *     with an application that opens its port at the end of its start-up)
 * @param serviceTime how long a {@code GET /work} takes, without holding a thread
 * @param coldExtra extra service time just after the start, falling linearly to zero over {@code
 *     coldPeriod} (a JVM warming up: JIT, caches, connection pools); zero for none
 * @param coldPeriod see {@code coldExtra}
 * @param shutdownTime how long a graceful stop waits for in-flight requests before it closes
 *     everything anyway (Spring Boot's {@code timeout-per-shutdown-phase})
 * @param application answers the requests that are not the service's own (null: none, every other
 *     path is 404); see {@link HttpApplication}
 */
public record HttpServiceConfig(
    String podName,
    InetSocketAddress address,
    Duration startupTime,
    Duration serviceTime,
    Duration coldExtra,
    Duration coldPeriod,
    Duration shutdownTime,
    HttpApplication application) {

  public HttpServiceConfig {
    Objects.requireNonNull(podName, "podName");
    Objects.requireNonNull(address, "address");
    requireNonNegative(startupTime, "startupTime");
    requireNonNegative(serviceTime, "serviceTime");
    requireNonNegative(coldExtra, "coldExtra");
    requireNonNegative(coldPeriod, "coldPeriod");
    requireNonNegative(shutdownTime, "shutdownTime");
  }

  /** Without an application. */
  public HttpServiceConfig(
      String podName, InetSocketAddress address, Duration startupTime, Duration serviceTime,
      Duration coldExtra, Duration coldPeriod, Duration shutdownTime) {
    this(podName, address, startupTime, serviceTime, coldExtra, coldPeriod, shutdownTime, null);
  }

  /** Starts at once, 5 ms per request, no cold start, 30 s to shut down. */
  public static HttpServiceConfig of(String podName, InetSocketAddress address) {
    return new HttpServiceConfig(
        podName, address, Duration.ZERO, Duration.ofMillis(5), Duration.ZERO, Duration.ZERO,
        Duration.ofSeconds(30));
  }

  public HttpServiceConfig withStartupTime(Duration d) {
    return new HttpServiceConfig(podName, address, d, serviceTime, coldExtra, coldPeriod, shutdownTime, application);
  }

  public HttpServiceConfig withServiceTime(Duration d) {
    return new HttpServiceConfig(podName, address, startupTime, d, coldExtra, coldPeriod, shutdownTime, application);
  }

  public HttpServiceConfig withColdStart(Duration extra, Duration period) {
    return new HttpServiceConfig(podName, address, startupTime, serviceTime, extra, period, shutdownTime, application);
  }

  public HttpServiceConfig withShutdownTime(Duration d) {
    return new HttpServiceConfig(podName, address, startupTime, serviceTime, coldExtra, coldPeriod, d, application);
  }

  /** The same service with {@code app} answering the requests that are not the service's own. */
  public HttpServiceConfig withApplication(HttpApplication app) {
    return new HttpServiceConfig(podName, address, startupTime, serviceTime, coldExtra, coldPeriod, shutdownTime, app);
  }

  private static void requireNonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + d);
    }
  }
}
