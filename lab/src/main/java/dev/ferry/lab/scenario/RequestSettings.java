package dev.ferry.lab.scenario;

import java.time.Duration;

/**
 * What the request/response scenarios ({@code http-k8s}, {@code http-ferry}, {@code dubbo-k8s},
 * {@code dubbo-ferry}) share.
 *
 * @param replicas pods of the service (the release replaces them all)
 * @param ratePerSecond requests per second on each path (open model: they leave on schedule
 *     whatever the answers do)
 * @param podStartup how long a new pod's application takes to listen (HTTP) or to start Dubbo
 * @param propagation how late the Service's kube-proxy learns of endpoint changes
 * @param ingressDelay how late the ingress learns of endpoint changes
 * @param warmupSeconds Ferry's (and Dubbo's) warmup of a new pod in the Ferry scenarios
 * @param settle steady load before the release and after it
 * @param timeout the most one release may take
 */
public record RequestSettings(
    int replicas,
    double ratePerSecond,
    Duration podStartup,
    Duration propagation,
    Duration ingressDelay,
    int warmupSeconds,
    Duration settle,
    Duration timeout) {

  public RequestSettings {
    if (replicas < 1 || !(ratePerSecond > 0) || ratePerSecond > 5_000 || warmupSeconds < 0) {
      throw new IllegalArgumentException("replicas at least 1, rate in (0, 5000], warmup 0 or more");
    }
  }

  /** 4 pods, 300 requests/s per path, 2 s start-up, 1 s kube-proxy and ingress lag, 10 s warmup. */
  public static RequestSettings defaults() {
    return new RequestSettings(4, 300, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1), 10,
        Duration.ofSeconds(3), Duration.ofMinutes(4));
  }

  public RequestSettings withReplicas(int n) {
    return new RequestSettings(n, ratePerSecond, podStartup, propagation, ingressDelay, warmupSeconds, settle, timeout);
  }

  public RequestSettings withRate(double r) {
    return new RequestSettings(replicas, r, podStartup, propagation, ingressDelay, warmupSeconds, settle, timeout);
  }

  public RequestSettings withStartup(Duration d) {
    return new RequestSettings(replicas, ratePerSecond, d, propagation, ingressDelay, warmupSeconds, settle, timeout);
  }

  public RequestSettings withPropagation(Duration d) {
    return new RequestSettings(replicas, ratePerSecond, podStartup, d, ingressDelay, warmupSeconds, settle, timeout);
  }

  public RequestSettings withWarmupSeconds(int s) {
    return new RequestSettings(replicas, ratePerSecond, podStartup, propagation, ingressDelay, s, settle, timeout);
  }
}
