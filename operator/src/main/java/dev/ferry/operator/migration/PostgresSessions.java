package dev.ferry.operator.migration;

import dev.ferry.core.migration.MigrationPlan.Sessions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * The contract's session check on PostgreSQL: counts the sessions in {@code pg_stat_activity} whose
 * {@code application_name} starts with the application's prefix and names another schema version
 * than the target's ({@code people-1.0} while the target is {@code 2.1}), in the database the URL
 * names. Anything that keeps it from
 * counting (no connection, a timeout, no permission) is {@link Sessions.Unknown} with why, never 0.
 *
 * <p>The credentials go only into the connection: messages are cleaned of the password and of
 * anything in the URL that could carry one, since they end up in status, events and logs.
 */
public final class PostgresSessions {

  /** Where to count: a JDBC URL and a role that may read pg_stat_activity (pg_monitor or better). */
  public record Database(String url, String username, String password) {
    @Override
    public String toString() {
      return "Database[url=" + Redaction.url(url) + ", username=" + username + ", password=***]";
    }
  }

  // Only the database the URL names: another environment's application on a shared server, with
  // the same prefix, would otherwise keep this one's contract waiting for ever.
  private static final String QUERY = "SELECT count(*) FROM pg_stat_activity"
      + " WHERE pid <> pg_backend_pid() AND datname = current_database()"
      + " AND application_name <> ? AND substr(application_name, 1, ?) = ?";

  private PostgresSessions() {}

  /**
   * @param timeout for connecting, logging in and the query each; a few seconds, since a reconcile
   *     waits for it
   */
  public static Sessions count(Database db, String prefix, String targetVersion, Duration timeout) {
    int seconds = (int) Math.max(1, timeout.toSeconds());
    Properties props = new Properties();
    props.setProperty("user", db.username());
    props.setProperty("password", db.password());
    props.setProperty("connectTimeout", String.valueOf(seconds));
    props.setProperty("loginTimeout", String.valueOf(seconds));
    props.setProperty("socketTimeout", String.valueOf(seconds));
    props.setProperty("ApplicationName", "ferry-operator");
    try {
      // The driver itself, not DriverManager: no dependence on service files surviving a shaded jar.
      Connection c = new org.postgresql.Driver().connect(db.url(), props);
      if (c == null) {
        return new Sessions.Unknown("the url is not a jdbc:postgresql: URL");
      }
      try (c; PreparedStatement st = c.prepareStatement(QUERY)) {
        st.setQueryTimeout(seconds);
        st.setString(1, prefix + targetVersion);
        st.setInt(2, prefix.codePointCount(0, prefix.length()));
        st.setString(3, prefix);
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          return new Sessions.Counted(rs.getInt(1));
        }
      }
    } catch (SQLException | RuntimeException e) {
      String state = e instanceof SQLException s && s.getSQLState() != null ? " (SQLState " + s.getSQLState() + ")" : "";
      return new Sessions.Unknown(Redaction.clean(String.valueOf(e.getMessage()), db.password()) + state);
    }
  }

  /** Keeps credentials out of what is shown. */
  /** Masks credentials in JDBC URLs and driver messages; the lab's output uses it too. */
  public static final class Redaction {
    private Redaction() {}

    /** The message with the password and any password=... parameter masked. */
    public static String clean(String message, String password) {
      String m = message;
      if (password != null && !password.isEmpty()) {
        m = m.replace(password, "***");
      }
      return m.replaceAll("(?i)(password=)[^&;\\s]*", "$1***").replaceAll("//[^/@\\s]*:[^/@\\s]*@", "//***@");
    }

    /** A URL with user info and password parameters masked. */
    public static String url(String url) {
      return url == null ? null : clean(url, null);
    }
  }
}
