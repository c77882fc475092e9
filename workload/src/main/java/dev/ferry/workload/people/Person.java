package dev.ferry.workload.people;

import java.util.Objects;

/**
 * One person as the app's API shows it, whatever table holds what.
 *
 * <p>The load client writes values that carry a sequence number ({@link #written}), so that a read
 * and the consistency check can tell an older write from a newer one: {@code name "p17-s42"},
 * {@code street "street-s42"}, {@code city "city-s42"}.
 */
public record Person(long id, String name, String street, String city) {
  public Person {
    Objects.requireNonNull(name, "name");
  }

  /** What the load client's write number {@code seq} of person {@code id} says. */
  public static Person written(long id, long seq) {
    return new Person(id, "p" + id + "-s" + seq, "street-s" + seq, "city-s" + seq);
  }

  /** The sequence number in a value {@link #written} made, or -1 (null, or not such a value). */
  public static long seqOf(String value) {
    if (value == null) {
      return -1;
    }
    int i = value.lastIndexOf("-s");
    if (i < 0) {
      return -1;
    }
    try {
      return Long.parseLong(value.substring(i + 2));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The sequence number all three values carry, or -1 when they disagree (a torn read: the name
   * from one write, the address from another) or are not the load's.
   */
  public long seq() {
    long s = seqOf(name);
    return s >= 0 && s == seqOf(street) && s == seqOf(city) ? s : -1;
  }
}
