package dev.ferry.workload.people;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PeopleSmokeTest {
  static TestDatabases dbs;

  @BeforeAll
  static void start() throws Exception {
    dbs = TestDatabases.start();
  }

  @AfterAll
  static void stop() throws Exception {
    dbs.close();
  }

  @Test
  void wholePath() throws Exception {
    PeopleDb db = dbs.fresh();
    PeopleMigrations.baseline(db);
    try (Connection c = db.connect("people-1.0")) {
      c.setAutoCommit(false);
      PeopleVersion.V1_0.write(c, Person.written(1, 1));
      c.commit();
    }
    for (String v : PeopleMigrations.VERSIONS) {
      PeopleMigrations.run(db, "expand", v);
      PeopleMigrations.run(db, "expand", v);
      try (Connection c = db.connect("people-" + v)) {
        c.setAutoCommit(false);
        PeopleVersion pv = PeopleVersion.of(v);
        assertThat(pv.read(c, 1)).isPresent();
        pv.write(c, Person.written(1, 2));
        c.commit();
        assertThat(pv.read(c, 1)).contains(Person.written(1, 2));
        c.commit();
      }
      assertThat(PeopleConsistency.check(db, java.util.Map.of(1L, 2L)).ok()).isTrue();
      PeopleMigrations.run(db, "contract", v);
    }
    assertThat(PeopleConsistency.check(db, java.util.Map.of(1L, 2L)).schema()).isEqualTo("address");
  }
}
