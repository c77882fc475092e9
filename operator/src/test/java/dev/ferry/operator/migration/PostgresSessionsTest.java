package dev.ferry.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.migration.MigrationPlan.Sessions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The contract's session count on a real PostgreSQL, and what it shows when it cannot count. */
class PostgresSessionsTest {

  @Test
  void countsTheSessionsOfOtherVersionsWithThePrefixOnly() throws Exception {
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setPGStartupWait(java.time.Duration.ofSeconds(60)).start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      List<Connection> open = new ArrayList<>();
      try {
        for (String name : List.of("people-1.0", "people-1.0", "people-2.1", "people-2.2", "orders-1.0", "people")) {
          Properties p = new Properties();
          p.setProperty("user", "postgres");
          p.setProperty("ApplicationName", name);
          open.add(DriverManager.getConnection(url, p));
        }
        // Another environment's old version, in another database of the same server: not this one's.
        try (Connection admin = DriverManager.getConnection(url, "postgres", "postgres")) {
          admin.createStatement().execute("CREATE DATABASE staging");
        }
        Properties staging = new Properties();
        staging.setProperty("user", "postgres");
        staging.setProperty("ApplicationName", "people-1.0");
        open.add(DriverManager.getConnection(pg.getJdbcUrl("postgres", "staging"), staging));
        var db = new PostgresSessions.Database(url, "postgres", "postgres");
        // people-1.0 twice and people-2.2: other versions behind the prefix; not 2.1, orders-, "people".
        assertThat(PostgresSessions.count(db, "people-", "2.1", Duration.ofSeconds(3)))
            .isEqualTo(new Sessions.Counted(3));
        assertThat(PostgresSessions.count(db, "billing-", "2.1", Duration.ofSeconds(3)))
            .isEqualTo(new Sessions.Counted(0));
      } finally {
        for (Connection c : open) {
          c.close();
        }
      }
    }
  }

  @Test
  void anUnreachableDatabaseIsUnknownNeverZeroAndTheMessageHoldsNoCredentials() {
    String secret = "hunter2-" + System.nanoTime();
    var db = new PostgresSessions.Database("jdbc:postgresql://127.0.0.1:1/people?password=" + secret, "monitor", secret);
    long t0 = System.nanoTime();
    Sessions s = PostgresSessions.count(db, "people-", "2.1", Duration.ofSeconds(2));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    assertThat(s).isInstanceOf(Sessions.Unknown.class);
    assertThat(((Sessions.Unknown) s).why()).doesNotContain(secret).isNotBlank();
    assertThat(db.toString()).doesNotContain(secret);

    Sessions notPostgres = PostgresSessions.count(new PostgresSessions.Database("jdbc:mysql://db/x", "u", secret),
        "people-", "2.1", Duration.ofSeconds(2));
    assertThat(notPostgres).isEqualTo(new Sessions.Unknown("the url is not a jdbc:postgresql: URL"));
  }

  @Test
  void redactionMasksThePasswordAndPasswordParametersAndUserInfo() {
    assertThat(PostgresSessions.Redaction.clean("FATAL: bad password s3cr3t for x", "s3cr3t"))
        .isEqualTo("FATAL: bad password *** for x");
    assertThat(PostgresSessions.Redaction.url("jdbc:postgresql://db:5432/p?user=a&password=s3cr3t&ssl=true"))
        .isEqualTo("jdbc:postgresql://db:5432/p?user=a&password=***&ssl=true");
    assertThat(PostgresSessions.Redaction.url("jdbc:postgresql://a:s3cr3t@db/p")).isEqualTo("jdbc:postgresql://***@db/p");
  }
}
