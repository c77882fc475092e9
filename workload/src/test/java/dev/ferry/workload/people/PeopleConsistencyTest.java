package dev.ferry.workload.people;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PeopleConsistencyTest {
  @RegisterExtension
  static final TestDatabases dbs = new TestDatabases();

  private static PeopleDb expandedWithThreePeople() throws Exception {
    PeopleDb db = dbs.fresh();
    PeopleMigrations.baseline(db);
    PeopleMigrations.run(db, "expand", "2.2");
    for (long id = 1; id <= 3; id++) {
      Apps.write(db, "2.2", Person.written(id, 10 + id));
    }
    return db;
  }

  @Test
  void cleanDataPasses() throws Exception {
    PeopleDb db = expandedWithThreePeople();
    PeopleConsistency.Report r = PeopleConsistency.check(db, Map.of(1L, 11L, 2L, 12L, 3L, 13L));
    assertThat(r).isEqualTo(new PeopleConsistency.Report("person+address", 3, 0, 3, 0, java.util.List.of()));
    assertThat(r.ok()).isTrue();
  }

  @Test
  void catchesAPlantedInconsistency() throws Exception {
    PeopleDb db = expandedWithThreePeople();
    Apps.plant(db, "UPDATE address SET street = 'elsewhere' WHERE person_id = 2");
    Apps.plant(db, "DELETE FROM address WHERE person_id = 3");
    PeopleConsistency.Report r = PeopleConsistency.check(db);
    assertThat(r.rowsChecked()).isEqualTo(3);
    assertThat(r.inconsistentRows()).isEqualTo(2);
    assertThat(r.examples()).anyMatch(e -> e.startsWith("person 2 inconsistent: PERSON (street-s12"))
        .anyMatch(e -> e.equals("person 3 inconsistent: missing from ADDRESS"));
    assertThat(r.ok()).isFalse();
  }

  @Test
  void catchesPlantedLostRows() throws Exception {
    PeopleDb db = expandedWithThreePeople();
    Map<Long, Long> acked = Map.of(
        1L, 11L, // there
        2L, 99L, // acknowledged s99, the database holds s12: lost
        3L, 5L, // acknowledged s5, the database holds s13, a later write (in doubt, committed): fine
        4L, 14L); // acknowledged, never written: lost
    PeopleConsistency.Report r = PeopleConsistency.check(db, acked);
    assertThat(r.lostRows()).isEqualTo(2);
    assertThat(r.inconsistentRows()).isZero();
    assertThat(r.examples()).containsExactlyInAnyOrder(
        "person 2 lost write s99: name p2-s12", "person 4 lost write s14: missing");
  }

  @Test
  void aWriteLostFromOneRepresentationOnlyIsLostToo() throws Exception {
    PeopleDb db = expandedWithThreePeople();
    Apps.plant(db, "UPDATE address SET street = 'street-s1', city = 'city-s1' WHERE person_id = 1");
    PeopleConsistency.Report r = PeopleConsistency.check(db, Map.of(1L, 11L));
    assertThat(r.lostRows()).isEqualTo(1);
    assertThat(r.inconsistentRows()).isEqualTo(1);
  }

  @Test
  void afterTheContractAPersonWithoutAddressIsInconsistent() throws Exception {
    PeopleDb db = expandedWithThreePeople();
    PeopleMigrations.run(db, "expand", "2.3");
    PeopleMigrations.run(db, "contract", "2.3");
    assertThat(PeopleConsistency.check(db).ok()).isTrue();
    Apps.plant(db, "INSERT INTO person (id, name) VALUES (7, 'p7-s70')");
    PeopleConsistency.Report r = PeopleConsistency.check(db, Map.of(7L, 70L));
    assertThat(r.schema()).isEqualTo("address");
    assertThat(r.inconsistentRows()).isEqualTo(1);
    assertThat(r.lostRows()).isEqualTo(1); // its acknowledged address is nowhere
  }
}
