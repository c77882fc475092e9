package dev.ferry.workload.people;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * Where the people app's PostgreSQL is.
 *
 * <p>Every connection carries {@code ApplicationName}: the app's {@code people-<version>} (see
 * {@link #applicationName}) is a contract with the operator, whose session check counts the
 * sessions of {@code pg_stat_activity} whose {@code application_name} starts with {@code people-}
 * and names another version than the release's target. Tools (migrations, the consistency check)
 * therefore use names that do <em>not</em> start with {@code people-}, or they would be counted as
 * old application sessions.
 *
 * @param jdbcUrl {@code jdbc:postgresql://127.0.0.1:5432/people}
 * @param user the role
 * @param password its password (never logged; {@link #toString()} leaves it out)
 */
public record PeopleDb(String jdbcUrl, String user, String password) {
  /** What the operator's {@code sessionCheck.postgres.applicationNamePrefix} should say. */
  public static final String APPLICATION_NAME_PREFIX = "people-";

  public PeopleDb {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(user, "user");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
    }
  }

  /** {@code people-<version>}: the application name of the app's sessions. */
  public static String applicationName(String version) {
    return APPLICATION_NAME_PREFIX + version;
  }

  /** One connection (not pooled) with {@code applicationName}; the caller closes it. */
  public Connection connect(String applicationName) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("ApplicationName", applicationName);
    p.setProperty("connectTimeout", "5");
    return DriverManager.getConnection(jdbcUrl, p);
  }

  /**
   * A pool of at most {@code maxSize} connections named {@code people-<version>}; {@code
   * connectionTimeout} is how long a request waits for one before it fails. The pool opens its
   * connections lazily: an application starts even while the database is down, and its requests
   * fail until it is up.
   */
  public HikariDataSource pool(String version, int maxSize, Duration connectionTimeout) {
    HikariConfig c = new HikariConfig();
    c.setPoolName(applicationName(version));
    c.setJdbcUrl(jdbcUrl);
    c.setUsername(user);
    c.setPassword(password);
    c.addDataSourceProperty("ApplicationName", applicationName(version));
    // a request never waits on the database for longer than a client would wait for it
    c.addDataSourceProperty("options", "-c statement_timeout=5000 -c lock_timeout=3000");
    c.setMaximumPoolSize(maxSize);
    c.setMinimumIdle(1);
    c.setConnectionTimeout(Math.max(250, connectionTimeout.toMillis()));
    c.setInitializationFailTimeout(-1);
    c.setAutoCommit(false);
    return new HikariDataSource(c);
  }

  @Override
  public String toString() {
    return "PeopleDb[" + jdbcUrl + " user=" + user + "]";
  }
}
