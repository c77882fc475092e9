package dev.ferry.workload.people;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * What each version of the app reads and writes. Every write is one transaction that writes PERSON
 * first, so concurrent writers of one person, of any versions, lock in the same order (PERSON row,
 * then ADDRESS row) and never deadlock.
 *
 * <ul>
 *   <li>1.0: reads and writes PERSON(name, street, city).
 *   <li>2.1: reads PERSON; writes PERSON and ADDRESS.
 *   <li>2.2: reads PERSON.name with ADDRESS(street, city); writes PERSON and ADDRESS (it still
 *       writes PERSON.street/city: 2.1 may be rolled back to and reads them).
 *   <li>2.3: reads like 2.2; writes PERSON(name) and ADDRESS only (the copy-back trigger keeps
 *       PERSON.street/city current until 2.3's contract drops them).
 * </ul>
 */
public enum PeopleVersion {
  V1_0("1.0", false, true, false),
  V2_1("2.1", false, true, true),
  V2_2("2.2", true, true, true),
  V2_3("2.3", true, false, true);

  private final String id;
  private final boolean readsAddress;
  private final boolean writesPersonAddress;
  private final boolean writesAddress;

  PeopleVersion(String id, boolean readsAddress, boolean writesPersonAddress, boolean writesAddress) {
    this.id = id;
    this.readsAddress = readsAddress;
    this.writesPersonAddress = writesPersonAddress;
    this.writesAddress = writesAddress;
  }

  /** "1.0", "2.1", "2.2" or "2.3". */
  public String id() {
    return id;
  }

  public static PeopleVersion of(String id) {
    for (PeopleVersion v : values()) {
      if (v.id.equals(id)) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown people version '" + id + "' (one of " + PeopleMigrations.VERSIONS + ")");
  }

  /** Reads person {@code id} (in the caller's transaction). */
  public Optional<Person> read(Connection c, long id) throws SQLException {
    String sql = readsAddress
        ? "SELECT p.name, a.street, a.city FROM person p JOIN address a ON a.person_id = p.id WHERE p.id = ?"
        : "SELECT name, street, city FROM person WHERE id = ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new Person(id, rs.getString(1), rs.getString(2), rs.getString(3)));
      }
    }
  }

  /** Writes {@code p} (in the caller's transaction; the caller commits). */
  public void write(Connection c, Person p) throws SQLException {
    String person = writesPersonAddress
        ? """
          INSERT INTO person (id, name, street, city) VALUES (?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, street = EXCLUDED.street, city = EXCLUDED.city"""
        : """
          INSERT INTO person (id, name) VALUES (?, ?)
          ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name""";
    try (PreparedStatement ps = c.prepareStatement(person)) {
      ps.setLong(1, p.id());
      ps.setString(2, p.name());
      if (writesPersonAddress) {
        ps.setString(3, p.street());
        ps.setString(4, p.city());
      }
      ps.executeUpdate();
    }
    if (writesAddress) {
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO address (person_id, street, city) VALUES (?, ?, ?)
          ON CONFLICT (person_id) DO UPDATE SET street = EXCLUDED.street, city = EXCLUDED.city""")) {
        ps.setLong(1, p.id());
        ps.setString(2, p.street());
        ps.setString(3, p.city());
        ps.executeUpdate();
      }
    }
  }
}
