package dev.ferry.workload.people;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** One embedded PostgreSQL per test class (start takes ~2 s), a fresh database per test. */
final class TestDatabases implements AutoCloseable {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private final EmbeddedPostgres pg;

  private TestDatabases(EmbeddedPostgres pg) {
    this.pg = pg;
  }

  static TestDatabases start() throws IOException {
    return new TestDatabases(EmbeddedPostgres.builder().setPGStartupWait(java.time.Duration.ofSeconds(60)).start());
  }

  /** A new, empty database. */
  PeopleDb fresh() throws SQLException {
    String name = "people_" + ProcessHandle.current().pid() + "_" + SEQ.incrementAndGet();
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    return new PeopleDb(pg.getJdbcUrl("postgres", name), "postgres", null);
  }

  @Override
  public void close() throws IOException {
    pg.close();
  }
}
