package dev.ferry.lab.scenario;

import dev.ferry.lab.db.LabPostgres;
import dev.ferry.workload.people.PeopleConsistency;
import dev.ferry.workload.people.PeopleDb;
import dev.ferry.workload.people.PeopleLoad;
import dev.ferry.workload.people.PeopleLoadConfig;
import dev.ferry.workload.people.PeopleMigrations;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The schema scenarios' side of the workload's people example: the database as the example sees
 * it, version 1.0's schema to start from, the load of reads and writes, and the consistency check
 * once the load is over.
 */
final class PeopleAdapter {

  /** The service names its sessions {@code people-<version>}: what the session check counts. */
  static final String APPLICATION_NAME_PREFIX = PeopleDb.APPLICATION_NAME_PREFIX;

  /** Longer than any scenario: the load is stopped when the scenario is over. */
  static final Duration LOAD_LIMIT = Duration.ofMinutes(30);

  private PeopleAdapter() {}

  static PeopleDb peopleDb(LabPostgres.Database db) {
    return new PeopleDb(db.jdbcUrl(), db.user(), db.password());
  }

  /** The database as 1.0 found it: PERSON, before any release. */
  static void baseline(LabPostgres.Database db) {
    PeopleMigrations.baseline(peopleDb(db));
  }

  /**
   * The load's and the check's figures.
   *
   * @param failedDetails stale reads, described, and the consistency check's examples
   */
  record Result(long sent, long failed, Map<String, Long> failedByKind, List<String> failedDetails,
      long acknowledgedWrites, long inconsistentRows, long lostRows, int[] sentPerSecond, int[] failedPerSecond) {}

  /** The people load through one address, from start until {@link #stopAndCheck}. */
  static final class Traffic implements AutoCloseable {
    private final PeopleLoad load;
    private final long startedMillis = System.currentTimeMillis();

    private Traffic(PeopleLoad load) {
      this.load = load;
    }

    /** The second of the load now (0: its first), as its per-second counts number them. */
    int second() {
      return (int) ((System.currentTimeMillis() - startedMillis) / 1000);
    }

    static Traffic start(String name, String baseUrl, double ratePerSecond, int people) {
      return new Traffic(PeopleLoad.start(name, URI.create(baseUrl), PeopleLoadConfig.of(ratePerSecond, LOAD_LIMIT, people)));
    }

    long sent() {
      return load.result().load().requestsSent();
    }

    long failed() {
      return load.result().requestsFailed();
    }

    /** Stops the load, waits for its last requests, then checks the data against what was acknowledged. */
    Result stopAndCheck(LabPostgres.Database db, Duration timeout) {
      load.stop();
      PeopleLoad.Result r;
      try {
        r = load.done().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        r = load.result(); // what ended by now; the check below still sees every acknowledged write
      }
      PeopleConsistency.Report check = PeopleConsistency.check(peopleDb(db), r.acknowledgedWrites());
      Map<String, Long> byKind = new TreeMap<>();
      r.failuresByKind().forEach((k, v) -> byKind.put(k.name(), v));
      List<String> details = new ArrayList<>(r.staleExamples());
      details.addAll(check.examples());
      int n = r.load().perSecond().stream().mapToInt(ss -> (int) ss.second() + 1).max().orElse(0);
      int[] sent = new int[n];
      int[] failed = new int[n];
      for (var ss : r.load().perSecond()) {
        if (ss.second() >= 0 && ss.second() < n) {
          sent[(int) ss.second()] += (int) ss.sent();
          failed[(int) ss.second()] += (int) ss.failed();
        }
      }
      return new Result(r.load().requestsSent(), r.requestsFailed(), byKind, List.copyOf(details),
          r.writesAcknowledged(), check.inconsistentRows(), check.lostRows(), sent, failed);
    }

    @Override
    public void close() {
      load.close();
    }
  }
}
