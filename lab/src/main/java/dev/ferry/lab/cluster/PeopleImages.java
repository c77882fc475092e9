package dev.ferry.lab.cluster;

import dev.ferry.workload.http.HttpServiceConfig;
import dev.ferry.workload.people.PeopleDb;
import dev.ferry.workload.people.PeopleMigrations;
import dev.ferry.workload.people.PeopleService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The people example's images, as the lab's kubelet runs them (the workload module's
 * {@code dev.ferry.workload.people}); both read the database from their environment:
 * {@code JDBC_URL}, {@code DB_USER}, {@code DB_PASSWORD} (a manifest takes them from a Secret).
 *
 * <ul>
 *   <li>{@code people:<version>}: the service ({@link PeopleService}) on the pod's port 8080, with
 *       {@code /ready}, Ferry's drain protocol, graceful stop and kill; its sessions are named
 *       {@code people-<version>};
 *   <li>{@code people-migrate:<version>} with one argument, {@code expand}, {@code contract} or
 *       {@code bigbang}: that step of that version ({@link PeopleMigrations#run}); exit 0 when it
 *       succeeded, else 1 with the failure as the termination message.
 * </ul>
 */
final class PeopleImages {

  static final String SERVICE = "people";
  static final String MIGRATE = "people-migrate";

  private PeopleImages() {}

  static PeopleDb database(Map<String, String> env) {
    String url = env.get("JDBC_URL");
    String user = env.get("DB_USER");
    if (url == null || user == null) {
      throw new IllegalArgumentException("env JDBC_URL and DB_USER are required (DB_PASSWORD too, unless trusted)");
    }
    return new PeopleDb(url, user, env.get("DB_PASSWORD"));
  }

  /** The migration container: its step, in this process; the exit code and message a container would leave. */
  static PodTask.Exit migrate(String version, List<String> argv, Map<String, String> env) {
    if (argv.size() != 1) {
      return new PodTask.Exit(2, "usage: people-migrate expand|contract|bigbang (got " + argv + ")");
    }
    try {
      PeopleMigrations.run(database(env), argv.get(0), version);
      return PodTask.Exit.ok();
    } catch (RuntimeException e) {
      return new PodTask.Exit(1, e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  static PodApp startService(String pod, String version, Map<String, String> env, InetSocketAddress address,
      Duration startup) {
    var service = PeopleService.start(HttpServiceConfig.of(pod, address).withStartupTime(startup), version,
        database(env));
    return new PodApp.HttpApp(address.getHostString(), service);
  }
}
