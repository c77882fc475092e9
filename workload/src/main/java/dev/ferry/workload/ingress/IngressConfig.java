package dev.ferry.workload.ingress;

import dev.ferry.workload.http.HttpClientPool;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;

/**
 * The ingress's settings, with ingress-nginx's defaults.
 *
 * @param address where it listens
 * @param nextUpstreamTries attempts per request at most (ingress-nginx {@code
 *     proxy-next-upstream-tries}: 3); a failed attempt goes to another upstream when the connection
 *     failed (refused, reset, timeout: {@code proxy-next-upstream: error timeout}) and the request
 *     is idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) or was never sent, as nginx does; 1
 *     turns retries off
 * @param connectTimeout ingress-nginx {@code proxy-connect-timeout}: 5 s
 * @param readTimeout ingress-nginx {@code proxy-read-timeout}: 60 s
 * @param minWeight the weight of a pod that just became ready (Dubbo's warmup: 1 of 100)
 * @param maxIdlePerUpstream idle keep-alive connections kept per upstream (ingress-nginx {@code
 *     upstream-keepalive-connections}: 320)
 * @param clock the time that warmup weights are computed from
 */
public record IngressConfig(
    InetSocketAddress address,
    int nextUpstreamTries,
    Duration connectTimeout,
    Duration readTimeout,
    double minWeight,
    int maxIdlePerUpstream,
    InstantSource clock) {

  public IngressConfig {
    if (nextUpstreamTries < 1) {
      throw new IllegalArgumentException("nextUpstreamTries must be at least 1");
    }
  }

  public static IngressConfig of(InetSocketAddress address) {
    return new IngressConfig(address, 3, Duration.ofSeconds(5), Duration.ofSeconds(60), 0.01, 320, InstantSource.system());
  }

  public IngressConfig withNextUpstreamTries(int n) {
    return new IngressConfig(address, n, connectTimeout, readTimeout, minWeight, maxIdlePerUpstream, clock);
  }

  public IngressConfig withTimeouts(Duration connect, Duration read) {
    return new IngressConfig(address, nextUpstreamTries, connect, read, minWeight, maxIdlePerUpstream, clock);
  }

  public IngressConfig withClock(InstantSource c) {
    return new IngressConfig(address, nextUpstreamTries, connectTimeout, readTimeout, minWeight, maxIdlePerUpstream, c);
  }

  HttpClientPool.Config poolConfig() {
    return new HttpClientPool.Config(connectTimeout, connectTimeout.plus(readTimeout), maxIdlePerUpstream);
  }
}
