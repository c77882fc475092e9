package dev.ferry.workload.people;

import dev.ferry.workload.http.HttpService;
import dev.ferry.workload.http.HttpServiceConfig;

/**
 * The people app of one version as an {@link HttpService}: the service keeps Ferry's drain protocol,
 * {@code /ready}, graceful stop and kill; {@link PeopleApp} answers {@code /people/{id}}.
 *
 * <pre>{@code
 * HttpService pod = PeopleService.start(HttpServiceConfig.of("people-2-1-abc", addr), "2.1", db);
 * }</pre>
 */
public final class PeopleService {
  /** Connections per pod: 4–8 pods share one PostgreSQL on two cores. */
  public static final int DEFAULT_POOL_SIZE = 4;

  private PeopleService() {}

  /** Starts {@code version}'s app with {@link #DEFAULT_POOL_SIZE} connections. */
  public static HttpService start(HttpServiceConfig config, String version, PeopleDb db) {
    return start(config, version, db, DEFAULT_POOL_SIZE);
  }

  /**
   * Starts {@code version}'s app with at most {@code poolSize} connections (and as many requests
   * at once). Stopping or killing the service closes the pool: {@code stopped()} completes once its
   * database sessions are gone.
   */
  public static HttpService start(HttpServiceConfig config, String version, PeopleDb db, int poolSize) {
    PeopleApp app = new PeopleApp(version, db, poolSize);
    return HttpService.start(config.withApplication(app));
  }
}
