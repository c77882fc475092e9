package dev.ferry.lab.scenario;

import java.time.Duration;

/**
 * What the schema-migration scenarios ({@code schema}, {@code schema-bigbang}) share.
 *
 * @param replicas pods of the people service
 * @param ratePerSecond requests per second the load sends (reads and writes of people, through the
 *     ingress)
 * @param people how many people the load reads and writes (each id written again and again)
 * @param podStartup how long a new pod's application takes to listen
 * @param propagation how late kube-proxy and the ingress learn of endpoint changes
 * @param rollbackWindowSeconds Ferry's {@code spec.migrations.rollbackWindowSeconds}: how long after
 *     a release completes its contract waits at least
 * @param settle steady load before the first release and after the last step
 * @param timeout the most any one wait (a release, a rollback, a contract, a Job) may take; each
 *     wait fails the scenario with what it waited for
 */
public record SchemaSettings(
    int replicas,
    double ratePerSecond,
    int people,
    Duration podStartup,
    Duration propagation,
    int rollbackWindowSeconds,
    Duration settle,
    Duration timeout) {

  public SchemaSettings {
    if (replicas < 2 || !(ratePerSecond > 0) || ratePerSecond > 2_000 || people < 1 || rollbackWindowSeconds < 0) {
      throw new IllegalArgumentException("replicas at least 2 (a release needs old and new pods at once), rate in"
          + " (0, 2000], people at least 1, rollback window 0 or more");
    }
  }

  /** 3 pods, 100 requests/s over 200 people, 1 s start-up, 1 s propagation, rollback window 5 s. */
  public static SchemaSettings defaults() {
    return new SchemaSettings(3, 100, 200, Duration.ofSeconds(1), Duration.ofSeconds(1), 5, Duration.ofSeconds(3),
        Duration.ofSeconds(90));
  }

  public SchemaSettings withReplicas(int n) {
    return new SchemaSettings(n, ratePerSecond, people, podStartup, propagation, rollbackWindowSeconds, settle, timeout);
  }

  public SchemaSettings withRate(double r) {
    return new SchemaSettings(replicas, r, people, podStartup, propagation, rollbackWindowSeconds, settle, timeout);
  }

  public SchemaSettings withStartup(Duration d) {
    return new SchemaSettings(replicas, ratePerSecond, people, d, propagation, rollbackWindowSeconds, settle, timeout);
  }

  public SchemaSettings withPropagation(Duration d) {
    return new SchemaSettings(replicas, ratePerSecond, people, podStartup, d, rollbackWindowSeconds, settle, timeout);
  }

  public SchemaSettings withRollbackWindowSeconds(int s) {
    return new SchemaSettings(replicas, ratePerSecond, people, podStartup, propagation, s, settle, timeout);
  }
}
