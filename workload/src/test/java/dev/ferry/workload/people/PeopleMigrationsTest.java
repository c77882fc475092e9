package dev.ferry.workload.people;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeopleMigrationsTest {
  private static final String COPY_FORWARD = "people_copy_person_to_address";
  private static final String COPY_BACK = "people_copy_address_to_person";
  @RegisterExtension
  static final TestDatabases dbs = new TestDatabases();

  /** Written values and what was acknowledged, as the load client keeps them. */
  private static final class Writes {
    final AtomicLong seq = new AtomicLong();
    final Map<Long, Long> acked = new HashMap<>();

    Person write(PeopleDb db, String version, long id) throws SQLException {
      long n = seq.incrementAndGet();
      Person p = Person.written(id, n);
      Apps.write(db, version, p);
      acked.put(id, n);
      return p;
    }
  }

  /** The schema as the release history up to {@code old} left it: each version expanded, then contracted (or not). */
  private static PeopleDb schemaOf(String old, boolean oldContracted) throws SQLException {
    PeopleDb db = dbs.fresh();
    PeopleMigrations.baseline(db);
    for (String v : PeopleMigrations.VERSIONS) {
      PeopleMigrations.run(db, "expand", v);
      if (!v.equals(old) || oldContracted) {
        PeopleMigrations.run(db, "contract", v);
      }
      if (v.equals(old)) {
        return db;
      }
    }
    throw new IllegalArgumentException(old);
  }

  private static void assertBothRead(PeopleDb db, String a, String b, Person p) throws SQLException {
    assertThat(Apps.read(db, a, p.id())).as("%s reads person %d", a, p.id()).contains(p);
    assertThat(Apps.read(db, b, p.id())).as("%s reads person %d", b, p.id()).contains(p);
  }

  private static void assertConsistent(PeopleDb db, Map<Long, Long> acked) {
    PeopleConsistency.Report r = PeopleConsistency.check(db, acked);
    assertThat(r.examples()).isEmpty();
    assertThat(r.inconsistentRows()).isZero();
    assertThat(r.lostRows()).isZero();
    assertThat(r.acknowledgedChecked()).isEqualTo(acked.size());
  }

  /**
   * Each release step: the old version serving, the new one's expand (run twice), both side by side,
   * then a rollback (the old expand runs again, the old version alone). The old release's contract
   * either ran or was superseded by this release.
   */
  @ParameterizedTest(name = "{0} -> {1}, {0}''s contract ran: {2}")
  @CsvSource({
      "1.0, 2.1, true",
      "2.1, 2.2, true", "2.1, 2.2, false",
      "2.2, 2.3, true", "2.2, 2.3, false"})
  void oldAndNewSideBySideAndTheRollback(String old, String next, boolean oldContracted) throws Exception {
    PeopleDb db = schemaOf(old, oldContracted);
    Writes w = new Writes();
    for (long id = 1; id <= 10; id++) {
      w.write(db, old, id); // before the expand: the backfill's work
    }

    PeopleMigrations.Result first = PeopleMigrations.run(db, "expand", next);
    boolean triggerForward = Apps.triggerExists(db, COPY_FORWARD);
    boolean triggerBack = Apps.triggerExists(db, COPY_BACK);
    PeopleMigrations.Result second = PeopleMigrations.run(db, "expand", next);
    assertThat(second.scripts()).isEqualTo(first.scripts());
    assertThat(Apps.triggerExists(db, COPY_FORWARD)).isEqualTo(triggerForward);
    assertThat(Apps.triggerExists(db, COPY_BACK)).isEqualTo(triggerBack);
    // the copy from PERSON exists exactly while no contract retired 1.0 (2.1's, or a later one)
    assertThat(triggerForward).isEqualTo(old.equals("1.0") || (old.equals("2.1") && !oldContracted));
    assertThat(Apps.count(db, "SELECT count(*) FROM people_schema_history WHERE step = 'expand' AND version = '" + next + "'"))
        .isEqualTo(2);
    assertConsistent(db, w.acked);

    // side by side: whatever either writes, both read
    for (long id = 1; id <= 10; id++) {
      assertBothRead(db, old, next, Person.written(id, w.acked.get(id)));
      assertBothRead(db, old, next, w.write(db, old, id));
      assertBothRead(db, old, next, w.write(db, next, id));
    }
    for (long id = 11; id <= 15; id++) {
      assertBothRead(db, old, next, w.write(db, next, id)); // new persons from the new version
    }
    for (long id = 16; id <= 20; id++) {
      assertBothRead(db, old, next, w.write(db, old, id)); // and from the old one
    }
    assertConsistent(db, w.acked);

    // rollback before the contract: the old version's expand again, then the old version alone
    PeopleMigrations.run(db, "expand", old);
    for (long id = 1; id <= 20; id++) {
      Person p = w.write(db, old, id);
      assertThat(Apps.read(db, old, id)).contains(p);
    }
    assertConsistent(db, w.acked);
    // and forward again: the new version reads what the old one wrote alone
    PeopleMigrations.run(db, "expand", next);
    for (long id = 1; id <= 20; id++) {
      assertBothRead(db, old, next, Person.written(id, w.acked.get(id)));
    }
  }

  @Test
  void expandRunTwiceChangesNothing() throws Exception {
    PeopleDb db = dbs.fresh();
    PeopleMigrations.baseline(db);
    Writes w = new Writes();
    w.write(db, "1.0", 1);
    PeopleMigrations.run(db, "expand", "2.2");
    w.write(db, "2.2", 2);
    long triggers = Apps.count(db, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'people_%'");
    PeopleMigrations.Result again = PeopleMigrations.run(db, "expand", "2.2");
    assertThat(again.scripts()).containsExactly("person-table.sql", "address-copy-back.sql"); // ADDRESS is there now
    assertThat(Apps.count(db, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'people_%'")).isEqualTo(triggers).isEqualTo(2);
    assertThat(Apps.count(db, "SELECT count(*) FROM address")).isEqualTo(2);
    assertBothRead(db, "2.1", "2.2", Person.written(1, 1));
    assertBothRead(db, "2.1", "2.2", Person.written(2, 2));
    assertConsistent(db, w.acked);
  }

  @Test
  void contractsAreCumulative() throws Exception {
    PeopleDb db = dbs.fresh();
    PeopleMigrations.baseline(db);
    PeopleMigrations.run(db, "expand", "2.1");
    assertThat(Apps.triggerExists(db, COPY_FORWARD)).isTrue();
    // 2.2's release superseded 2.1's waiting contract: 2.2's contract drops what 2.1's would have
    PeopleMigrations.run(db, "expand", "2.2");
    assertThat(Apps.triggerExists(db, COPY_BACK)).isTrue();
    PeopleMigrations.run(db, "contract", "2.2");
    assertThat(Apps.triggerExists(db, COPY_FORWARD)).isFalse();
    assertThat(Apps.triggerExists(db, COPY_BACK)).isTrue();
    PeopleMigrations.run(db, "contract", "2.2"); // twice: harmless
    PeopleMigrations.run(db, "expand", "2.3");
    assertThat(Apps.triggerExists(db, COPY_FORWARD)).as("an expand brings back no dropped copy").isFalse();
    PeopleMigrations.run(db, "contract", "2.3");
    assertThat(Apps.triggerExists(db, COPY_BACK)).isFalse();
    assertThat(Apps.count(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'person'"))
        .isEqualTo(2); // id, name
  }

  @Test
  void after23sContractTheOlderVersionsFailAndCannotBeExpandedBackTo() throws Exception {
    PeopleDb db = schemaOf("2.3", false);
    Writes w = new Writes();
    w.write(db, "2.2", 1);
    w.write(db, "2.3", 2);
    PeopleMigrations.run(db, "contract", "2.3");
    assertConsistent(db, w.acked);

    assertThat(Apps.read(db, "2.3", 1)).contains(Person.written(1, 1));
    assertThat(Apps.read(db, "2.2", 2)).contains(Person.written(2, 2)); // 2.2 reads as 2.3 does...
    for (String v : List.of("1.0", "2.1", "2.2")) { // ...but it writes PERSON.street: every old version fails
      assertThatThrownBy(() -> Apps.write(db, v, Person.written(3, 3)))
          .as("%s writes", v).isInstanceOf(SQLException.class).hasMessageContaining("street");
    }
    for (String v : List.of("1.0", "2.1")) {
      assertThatThrownBy(() -> Apps.read(db, v, 1)).as("%s reads", v).isInstanceOf(SQLException.class);
    }
    for (String v : List.of("1.0", "2.1", "2.2")) { // a rollback's expand is refused: the release aborts
      assertThatThrownBy(() -> PeopleMigrations.run(db, "expand", v))
          .isInstanceOf(PeopleMigrations.MigrationException.class)
          .hasMessageContaining("expand of people " + v + " refused")
          .hasMessageContaining("PERSON.street/city were dropped");
    }
    // 2.3's own steps again are harmless and bring no trigger back
    PeopleMigrations.run(db, "expand", "2.3");
    PeopleMigrations.run(db, "contract", "2.3");
    assertThat(Apps.count(db, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'people_%'")).isZero();
    w.write(db, "2.3", 4);
    assertConsistent(db, w.acked);
  }

  @Test
  void bigBangMovesTheDataButBreaks10AtOnceForGood() throws Exception {
    PeopleDb db = dbs.fresh();
    PeopleMigrations.baseline(db);
    Writes w = new Writes();
    for (long id = 1; id <= 10; id++) {
      w.write(db, "1.0", id);
    }
    PeopleMigrations.Result r = PeopleMigrations.run(db, "bigbang", "2.3");
    assertThat(r.scripts()).containsExactly("person-table.sql", "bigbang.sql");
    for (long id = 1; id <= 10; id++) {
      assertThat(Apps.read(db, "2.3", id)).contains(Person.written(id, w.acked.get(id)));
    }
    assertConsistent(db, w.acked);
    assertThatThrownBy(() -> Apps.write(db, "1.0", Person.written(1, 99))).isInstanceOf(SQLException.class);
    assertThatThrownBy(() -> Apps.read(db, "1.0", 1)).isInstanceOf(SQLException.class);
    assertThatThrownBy(() -> PeopleMigrations.run(db, "expand", "1.0"))
        .isInstanceOf(PeopleMigrations.MigrationException.class).hasMessageContaining("refused");
    assertThat(PeopleMigrations.run(db, "bigbang", "2.3").scripts()).containsExactly("person-table.sql", "address-table.sql");
    assertThatThrownBy(() -> PeopleMigrations.run(db, "bigbang", "2.1")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void contract23RefusesToDropColumnsAddressDisagreesWith() throws Exception {
    PeopleDb db = schemaOf("2.3", false);
    Apps.write(db, "2.3", Person.written(1, 1));
    Apps.write(db, "2.3", Person.written(2, 2));
    Apps.plant(db, "UPDATE address SET city = 'elsewhere' WHERE person_id = 2");
    assertThatThrownBy(() -> PeopleMigrations.run(db, "contract", "2.3"))
        .isInstanceOf(PeopleMigrations.MigrationException.class)
        .hasMessageContaining("1 persons whose address in ADDRESS is missing or differs");
    assertThat(Apps.count(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'person'")).isEqualTo(4);
  }

  @Test
  void unknownStepsAndVersionsAreRefusedByName() {
    assertThatThrownBy(() -> PeopleMigrations.run(new PeopleDb("jdbc:postgresql://127.0.0.1:1/x", "u", null), "shrink", "2.1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shrink");
    assertThatThrownBy(() -> PeopleMigrations.run(new PeopleDb("jdbc:postgresql://127.0.0.1:1/x", "u", null), "expand", "3.0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3.0");
    assertThat(PeopleMigrations.scripts("expand", "2.1")).containsExactly("person-table.sql", "address-copy-forward.sql");
  }
}
