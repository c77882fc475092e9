package dev.ferry.workload.people;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The people app's schema steps: {@code expand} and {@code contract} of each version, and the
 * {@code bigbang} baseline. Plain SQL files (resources {@code dev/ferry/workload/people/sql/}), each
 * step run in one transaction (PostgreSQL's DDL is transactional: a step that fails leaves nothing
 * half done).
 *
 * <p>Every step is idempotent and declarative: it brings the schema to the state its version needs
 * from whatever state an earlier step left ({@code IF NOT EXISTS}, {@code CREATE OR REPLACE}, a
 * backfill that inserts only what is missing, {@code DROP ... IF EXISTS}). Expands are cumulative
 * (2.2's creates ADDRESS and its copy too when it finds no ADDRESS) so that any forward release,
 * also one that skips a version, finds its schema; contracts are cumulative too, because a release
 * that starts while the previous release's contract still waits supersedes it, and its contract
 * must then do both.
 *
 * <p>Safety checks refuse, with the reason, what would break a running version or lose data: the
 * expand of a version that reads {@code PERSON.street/city} (1.0, 2.1, 2.2) on a schema where they
 * were dropped; 2.3's contract while ADDRESS is missing or disagrees with PERSON for some person.
 *
 * <p>Each run holds a transaction-scoped advisory lock (two migration Jobs never interleave) and a
 * {@code lock_timeout} (DDL waiting behind a long transaction would otherwise queue every request
 * behind itself); a lock timeout or deadlock is retried a few times.
 */
public final class PeopleMigrations {
  private static final Logger log = LoggerFactory.getLogger(PeopleMigrations.class);

  /** The app's versions, oldest first. */
  public static final List<String> VERSIONS = List.of("1.0", "2.1", "2.2", "2.3");

  /** The steps. */
  public enum Step {
    EXPAND, CONTRACT, BIGBANG;

    public static Step parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("unknown step '" + s + "' (expand, contract or bigbang)");
      }
    }

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A step that ran.
   *
   * @param step expand, contract or bigbang
   * @param version the app version whose step it was
   * @param scripts the SQL files it ran, in order (empty for a step with nothing to do)
   * @param attempts 1, more when a lock timeout or deadlock made it try again
   * @param took how long it took
   */
  public record Result(String step, String version, List<String> scripts, int attempts, Duration took) {}

  /** A step that failed; the message says which, and why. */
  public static final class MigrationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MigrationException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The advisory lock key all people migrations share ("ferrypep" in ASCII). */
  static final long ADVISORY_LOCK = 0x6665727279706570L;
  static final int MAX_ATTEMPTS = 5;
  static final String LOCK_TIMEOUT = "5s";

  private PeopleMigrations() {}

  /** 1.0's schema (PERSON): the same as {@code run(db, "expand", "1.0")}. */
  public static Result baseline(PeopleDb db) {
    return run(db, "expand", "1.0");
  }

  /**
   * Runs {@code step} ({@code expand}, {@code contract} or {@code bigbang}) of {@code version} (one
   * of {@link #VERSIONS}; {@code bigbang} only for 2.3, the version it jumps to). Throws {@link
   * MigrationException} naming step, version and cause when it fails; {@link
   * IllegalArgumentException} for an unknown step or version.
   */
  public static Result run(PeopleDb db, String step, String version) {
    Step s = Step.parse(step);
    requireVersion(version);
    if (s == Step.BIGBANG && !version.equals("2.3")) {
      throw new IllegalArgumentException("the bigbang step jumps to 2.3; there is none for " + version);
    }
    long t0 = System.nanoTime();
    SQLException last = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try (Connection c = db.connect("ferry-migrate-people-" + version)) {
        List<String> scripts = runOnce(c, s, version);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        log.info("event=people_migration step={} version={} scripts={} attempts={} ms={}",
            s.id(), version, scripts, attempt, took.toMillis());
        return new Result(s.id(), version, scripts, attempt, took);
      } catch (SQLException e) {
        last = e;
        if (!retriable(e) || attempt == MAX_ATTEMPTS) {
          break;
        }
        log.warn("event=people_migration_retry step={} version={} attempt={} sqlState={} error={}",
            s.id(), version, attempt, e.getSQLState(), e.getMessage());
        sleep(Duration.ofMillis(200L * attempt));
      } catch (RefusedException e) {
        log.warn("event=people_migration_refused step={} version={} reason={}", s.id(), version, e.getMessage());
        throw new MigrationException(s.id() + " of people " + version + " refused: " + e.getMessage(), null);
      }
    }
    String why = last == null ? "unknown" : last.getMessage() + " (SQLState " + last.getSQLState() + ")";
    log.warn("event=people_migration_failed step={} version={} error={}", s.id(), version, why);
    throw new MigrationException(s.id() + " of people " + version + " failed: " + why, last);
  }

  /** The SQL files {@code step} of {@code version} runs on a schema in the state 1.0 left. */
  public static List<String> scripts(String step, String version) {
    requireVersion(version);
    return plan(Step.parse(step), version, new SchemaState(false, false, false));
  }

  /** The text of one of the SQL files (as {@link #scripts} names them). */
  public static String sql(String script) {
    String path = "sql/" + script;
    try (InputStream in = PeopleMigrations.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no such script: " + script);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the schema holds, read under the advisory lock. */
  record SchemaState(boolean person, boolean personAddressColumns, boolean address) {}

  private static List<String> plan(Step step, String version, SchemaState state) {
    List<String> scripts = new ArrayList<>();
    boolean columnsGone = state.person() && !state.personAddressColumns();
    switch (step) {
      case EXPAND -> {
        if (columnsGone && !version.equals("2.3")) {
          throw new RefusedException("PERSON.street/city were dropped (2.3's contract or the big-bang "
              + "step ran); version " + version + " reads them and cannot run on this schema");
        }
        scripts.add("person-table.sql");
        // 2.1's own, and any later expand that finds no ADDRESS (a release straight from 1.0). A
        // later expand never brings back the copy a contract dropped: that contract retired 1.0.
        if (!version.equals("1.0") && !columnsGone && (version.equals("2.1") || !state.address())) {
          scripts.add("address-copy-forward.sql");
        }
        if ((version.equals("2.2") || version.equals("2.3")) && !columnsGone) {
          scripts.add("address-copy-back.sql");
        }
      }
      case CONTRACT -> {
        switch (version) {
          case "1.0" -> { }
          case "2.1", "2.2" -> scripts.add("drop-copy-forward.sql");
          case "2.3" -> {
            scripts.add("drop-copy-forward.sql");
            scripts.add("drop-person-address-columns.sql");
          }
          default -> throw new IllegalStateException(version);
        }
      }
      case BIGBANG -> {
        scripts.add("person-table.sql");
        if (columnsGone) {
          // already done: only make sure ADDRESS is there
          scripts.add("address-table.sql");
        } else {
          scripts.add("bigbang.sql");
        }
      }
    }
    return scripts;
  }

  private static List<String> runOnce(Connection c, Step step, String version) throws SQLException {
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
      st.execute("SELECT pg_advisory_xact_lock(" + ADVISORY_LOCK + ")");
      SchemaState state = schemaState(c);
      List<String> scripts = plan(step, version, state);
      if (step == Step.CONTRACT && version.equals("2.3")) {
        requireAddressComplete(c, state);
      }
      for (String script : scripts) {
        st.execute(sql(script));
      }
      st.execute(sql("history-table.sql"));
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO people_schema_history (step, version) VALUES (?, ?)")) {
        ps.setString(1, step.id());
        ps.setString(2, version);
        ps.executeUpdate();
      }
      c.commit();
      return scripts;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(c);
      throw e;
    }
  }

  /** Dropping the columns must lose nothing: ADDRESS holds every person's address as PERSON does. */
  private static void requireAddressComplete(Connection c, SchemaState state) throws SQLException {
    if (!state.personAddressColumns()) {
      return; // contracted already
    }
    if (!state.address()) {
      throw new RefusedException("ADDRESS does not exist: 2.3's expand has not run");
    }
    try (Statement st = c.createStatement()) {
      // No person may change while this checks and the columns go.
      st.execute("LOCK TABLE person, address IN SHARE ROW EXCLUSIVE MODE");
      try (ResultSet rs = st.executeQuery("""
          SELECT count(*) FROM person p LEFT JOIN address a ON a.person_id = p.id
           WHERE a.person_id IS NULL
              OR (p.street, p.city) IS DISTINCT FROM (a.street, a.city)""")) {
        rs.next();
        long n = rs.getLong(1);
        if (n > 0) {
          throw new RefusedException(n + " persons whose address in ADDRESS is missing or differs from "
              + "PERSON's: dropping PERSON.street/city would lose them");
        }
      }
    }
  }

  static SchemaState schemaState(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("""
             SELECT to_regclass('person') IS NOT NULL,
                    EXISTS (SELECT 1 FROM information_schema.columns
                             WHERE table_schema = current_schema() AND table_name = 'person'
                               AND column_name = 'street'),
                    to_regclass('address') IS NOT NULL""")) {
      rs.next();
      return new SchemaState(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3));
    }
  }

  private static boolean retriable(SQLException e) {
    String state = e.getSQLState();
    // lock_not_available (lock_timeout), deadlock_detected, serialization_failure
    return "55P03".equals(state) || "40P01".equals(state) || "40001".equals(state);
  }

  private static void requireVersion(String version) {
    if (!VERSIONS.contains(version)) {
      throw new IllegalArgumentException("unknown people version '" + version + "' (one of " + VERSIONS + ")");
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is closed next anyway
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MigrationException("interrupted", e);
    }
  }

  /** A step refused by a safety check (not retried). */
  private static final class RefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RefusedException(String message) {
      super(message);
    }
  }
}
