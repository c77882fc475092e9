package dev.ferry.workload.people;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the people data after a load: whatever the schema's state, one snapshot (REPEATABLE READ),
 * read only, on a session named {@code ferry-people-check} (not {@code people-}: the operator's
 * session check would count it as an old app session). Run it once the load has ended: a write
 * acknowledged after the snapshot would look lost.
 */
public final class PeopleConsistency {
  private static final Logger log = LoggerFactory.getLogger(PeopleConsistency.class);
  private static final int MAX_EXAMPLES = 10;

  private PeopleConsistency() {}

  /**
   * What the check found.
   *
   * @param schema which representations exist: {@code person} (1.0), {@code person+address}
   *     (expanded), {@code address} (PERSON without street/city: contracted or big-bang), {@code
   *     none}
   * @param rowsChecked persons in the database
   * @param inconsistentRows persons whose address differs between PERSON and ADDRESS while both
   *     hold it, or who are missing from ADDRESS once it exists
   * @param acknowledgedChecked acknowledged writes checked (one per person: the last)
   * @param lostRows acknowledged writes the database does not hold: the person is missing, or a
   *     representation that exists holds an older write of it
   * @param examples a few of the rows found wrong, for the log and the report
   */
  public record Report(String schema, long rowsChecked, long inconsistentRows, long acknowledgedChecked,
      long lostRows, List<String> examples) {
    public boolean ok() {
      return inconsistentRows == 0 && lostRows == 0;
    }
  }

  /** PERSON against ADDRESS only (no acknowledged writes to look for). */
  public static Report check(PeopleDb db) {
    return check(db, Map.of());
  }

  /**
   * PERSON against ADDRESS, and every acknowledged write against the database.
   *
   * @param acknowledgedWrites person id → sequence number of the last write acknowledged for it
   *     ({@link PeopleLoad.Result#acknowledgedWrites()}); values as {@link Person#written} makes
   */
  public static Report check(PeopleDb db, Map<Long, Long> acknowledgedWrites) {
    Objects.requireNonNull(acknowledgedWrites, "acknowledgedWrites");
    try (Connection c = db.connect("ferry-people-check")) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        Report r = check(c, acknowledgedWrites);
        c.commit();
        log.info("event=people_consistency schema={} rows={} inconsistent={} acknowledged={} lost={}",
            r.schema(), r.rowsChecked(), r.inconsistentRows(), r.acknowledgedChecked(), r.lostRows());
        return r;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("people consistency check failed: " + e.getMessage()
          + " (SQLState " + e.getSQLState() + ")", e);
    }
  }

  private record Row(long id, String name, boolean inPerson, String personStreet, String personCity,
      boolean inAddress, String addressStreet, String addressCity) {}

  private static Report check(Connection c, Map<Long, Long> acknowledged) throws SQLException {
    PeopleMigrations.SchemaState s = PeopleMigrations.schemaState(c);
    boolean cols = s.personAddressColumns();
    boolean address = s.address();
    String schema = !s.person() ? "none" : cols && address ? "person+address" : cols ? "person" : "address";
    if (!s.person()) {
      return new Report(schema, 0, 0, acknowledged.size(), acknowledged.size(), List.of());
    }
    String sql = "SELECT p.id, p.name, "
        + (cols ? "p.street, p.city, " : "NULL, NULL, ")
        + (address ? "a.person_id IS NOT NULL, a.street, a.city FROM person p LEFT JOIN address a ON a.person_id = p.id"
                   : "false, NULL, NULL FROM person p");
    Map<Long, Row> rows = new HashMap<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        long id = rs.getLong(1);
        rows.put(id, new Row(id, rs.getString(2), true, rs.getString(3), rs.getString(4), rs.getBoolean(5),
            rs.getString(6), rs.getString(7)));
      }
    }
    List<String> examples = new ArrayList<>();
    long inconsistent = 0;
    for (Row r : rows.values()) {
      String why = null;
      if (address && !r.inAddress()) {
        why = "missing from ADDRESS";
      } else if (address && cols
          && (!Objects.equals(r.personStreet(), r.addressStreet()) || !Objects.equals(r.personCity(), r.addressCity()))) {
        why = "PERSON (" + r.personStreet() + ", " + r.personCity() + ") vs ADDRESS (" + r.addressStreet() + ", "
            + r.addressCity() + ")";
      }
      if (why != null) {
        inconsistent++;
        example(examples, "person " + r.id() + " inconsistent: " + why);
      }
    }
    long lost = 0;
    for (Map.Entry<Long, Long> e : acknowledged.entrySet()) {
      long id = e.getKey();
      long seq = e.getValue();
      Row r = rows.get(id);
      String why = null;
      if (r == null) {
        why = "missing";
      } else if (Person.seqOf(r.name()) < seq) {
        why = "name " + r.name();
      } else if (cols && (Person.seqOf(r.personStreet()) < seq || Person.seqOf(r.personCity()) < seq)) {
        why = "PERSON address " + r.personStreet() + ", " + r.personCity();
      } else if (address && (!r.inAddress() || Person.seqOf(r.addressStreet()) < seq || Person.seqOf(r.addressCity()) < seq)) {
        why = "ADDRESS " + (r.inAddress() ? r.addressStreet() + ", " + r.addressCity() : "missing");
      }
      if (why != null) {
        lost++;
        example(examples, "person " + id + " lost write s" + seq + ": " + why);
      }
    }
    return new Report(schema, rows.size(), inconsistent, acknowledged.size(), lost, List.copyOf(examples));
  }

  private static void example(List<String> examples, String s) {
    if (examples.size() < MAX_EXAMPLES) {
      examples.add(s);
    }
  }
}
