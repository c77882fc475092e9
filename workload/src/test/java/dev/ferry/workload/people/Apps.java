package dev.ferry.workload.people;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/** A version's reads and writes straight on JDBC, one transaction each, as its app makes them. */
final class Apps {
  private Apps() {}

  static void write(PeopleDb db, String version, Person p) throws SQLException {
    try (Connection c = db.connect(PeopleDb.applicationName(version))) {
      c.setAutoCommit(false);
      PeopleVersion.of(version).write(c, p);
      c.commit();
    }
  }

  static Optional<Person> read(PeopleDb db, String version, long id) throws SQLException {
    try (Connection c = db.connect(PeopleDb.applicationName(version))) {
      return PeopleVersion.of(version).read(c, id);
    }
  }

  /** Runs {@code sql} with triggers off (session_replication_role = replica): a planted fault. */
  static void plant(PeopleDb db, String sql) throws SQLException {
    try (Connection c = db.connect("test-plant"); Statement st = c.createStatement()) {
      st.execute("SET session_replication_role = replica");
      st.execute(sql);
    }
  }

  static long count(PeopleDb db, String sql) throws SQLException {
    try (Connection c = db.connect("test-count"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static boolean triggerExists(PeopleDb db, String name) throws SQLException {
    return count(db, "SELECT count(*) FROM pg_trigger WHERE tgname = '" + name + "'") > 0;
  }
}
