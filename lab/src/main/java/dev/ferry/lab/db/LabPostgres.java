package dev.ferry.lab.db;

import dev.ferry.operator.migration.PostgresSessions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server of a lab run: an embedded one (zonky's PostgreSQL 14 binaries, on
 * {@code 127.0.0.1}, a data directory of its own, gone when closed), or any server given by a JDBC
 * URL. Each scenario gets a {@link #freshDatabase fresh database} (and, on the embedded server, a
 * role of its own with a random password) so that none sees another's tables or sessions.
 *
 * <p>Passwords never go to logs or to {@link #toString()}.
 */
public final class LabPostgres implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LabPostgres.class);
  private static final Pattern JDBC = Pattern.compile("^(jdbc:postgresql://[^/?]+)(/[^?]*)?(\\?.*)?$");
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Where a scenario's data lives and how its application logs in.
   *
   * @param jdbcUrl {@code jdbc:postgresql://host:port/database}
   * @param user the application's role
   * @param password its password (never logged)
   * @param name the database's name
   */
  public record Database(String jdbcUrl, String user, String password, String name) {
    @Override
    public String toString() {
      return "Database[" + redacted(jdbcUrl) + ", user=" + user + "]";
    }
  }

  private final EmbeddedPostgres embedded;
  private final String adminUrl;
  private final String adminUser;
  private final String adminPassword;
  private final List<Database> created = new ArrayList<>();

  private LabPostgres(EmbeddedPostgres embedded, String adminUrl, String adminUser, String adminPassword) {
    this.embedded = embedded;
    this.adminUrl = adminUrl;
    this.adminUser = adminUser;
    this.adminPassword = adminPassword;
  }

  /** Starts an embedded PostgreSQL on a free port of {@code 127.0.0.1} (about 2 s). */
  public static LabPostgres embedded() {
    long t = System.nanoTime();
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("max_connections", "200")
          // about 2 s on a quiet machine; zonky's default 10 s is too tight when the cores are busy
          .setPGStartupWait(java.time.Duration.ofSeconds(60))
          .start();
      String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
      log.info("event=postgres_started kind=embedded port={} ms={}", pg.getPort(), (System.nanoTime() - t) / 1_000_000);
      return new LabPostgres(pg, url, "postgres", "");
    } catch (IOException e) {
      throw new UncheckedIOException("starting the embedded PostgreSQL", e);
    }
  }

  /**
   * A server given by the user: {@code adminUrl} names any database of it; the user must be
   * allowed to create databases (each scenario gets one, dropped when this closes).
   */
  public static LabPostgres external(String adminUrl, String user, String password) {
    Objects.requireNonNull(adminUrl, "jdbc url");
    if (!JDBC.matcher(adminUrl).matches()) {
      throw new IllegalArgumentException("not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db): " + redacted(adminUrl));
    }
    LabPostgres pg = new LabPostgres(null, adminUrl, user, password == null ? "" : password);
    try (Connection c = pg.admin()) {
      log.info("event=postgres_connected kind=external url={} user={} version={}", redacted(adminUrl), user,
          c.getMetaData().getDatabaseProductVersion());
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect to " + redacted(adminUrl) + " as " + user + ": " + e.getMessage(), e);
    }
    return pg;
  }

  /** The URL as it may be shown: a password in it (the JDBC driver takes one) or user info as ***. */
  public static String redacted(String jdbcUrl) {
    return PostgresSessions.Redaction.url(jdbcUrl);
  }

  public boolean isEmbedded() {
    return embedded != null;
  }

  /**
   * A new, empty database named {@code <prefix>_<n>}. Embedded: owned by a new role with a random
   * password. External: owned by the given user, who logs in with the given password.
   */
  public synchronized Database freshDatabase(String prefix) {
    String name = (prefix.replaceAll("[^a-z0-9_]", "_") + "_" + DATABASES.incrementAndGet() + "_"
        + Long.toString(System.currentTimeMillis() % 100_000, 36)).toLowerCase(java.util.Locale.ROOT);
    String user = adminUser;
    String password = adminPassword;
    try (Connection c = admin(); Statement st = c.createStatement()) {
      if (embedded != null) {
        user = name + "_app";
        byte[] secret = new byte[12];
        RANDOM.nextBytes(secret);
        password = HexFormat.of().formatHex(secret);
        st.execute("CREATE ROLE " + user + " LOGIN PASSWORD '" + password + "'");
        st.execute("GRANT pg_monitor TO " + user); // it may read pg_stat_activity, for the session check
      }
      st.execute("CREATE DATABASE " + name + " OWNER " + user);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
    }
    Database db = new Database(urlFor(name), user, password, name);
    created.add(db);
    log.info("event=database_created name={} user={}", name, user);
    return db;
  }

  /** The JDBC URL of database {@code name} on this server (the admin URL's parameters kept). */
  String urlFor(String name) {
    Matcher m = JDBC.matcher(adminUrl);
    if (!m.matches()) {
      throw new IllegalStateException("bad admin URL " + redacted(adminUrl));
    }
    return m.group(1) + "/" + name + (m.group(3) == null ? "" : m.group(3));
  }

  private Connection admin() throws SQLException {
    return DriverManager.getConnection(adminUrl, adminUser, adminPassword);
  }

  /** Stops the embedded server (its data goes with it), or drops the databases made on the given one. */
  @Override
  public synchronized void close() {
    if (embedded != null) {
      try {
        embedded.close();
        log.info("event=postgres_stopped kind=embedded");
      } catch (IOException e) {
        log.warn("event=postgres_stop_failed error={}", e.toString());
      }
      return;
    }
    try (Connection c = admin(); Statement st = c.createStatement()) {
      for (Database db : created) {
        st.execute("DROP DATABASE IF EXISTS " + db.name() + " WITH (FORCE)");
        log.info("event=database_dropped name={}", db.name());
      }
    } catch (SQLException e) {
      log.warn("event=database_drop_failed error={}", e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "LabPostgres[" + (embedded != null ? "embedded " : "") + redacted(adminUrl) + ", user=" + adminUser + "]";
  }
}
