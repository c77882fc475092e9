package dev.ferry.workload.people;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded PostgreSQL per test class (start takes ~2 s), a fresh database per test:
 * {@code @RegisterExtension static final TestDatabases dbs = new TestDatabases();}.
 */
final class TestDatabases implements BeforeAllCallback, AfterAllCallback {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private EmbeddedPostgres pg;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    pg = EmbeddedPostgres.builder().setPGStartupWait(java.time.Duration.ofSeconds(60)).start();
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
  public void afterAll(ExtensionContext context) throws IOException {
    pg.close();
  }
}
