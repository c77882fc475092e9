package dev.ferry.core.rolling;

/**
 * A count given as a number ({@code 1}) or as a percentage of the replicas ({@code "25%"}), as
 * Kubernetes' maxSurge and maxUnavailable are.
 */
public record IntOrPercent(int value, boolean percent) {

  public IntOrPercent {
    if (value < 0) {
      throw new IllegalArgumentException("must not be negative, was " + value + (percent ? "%" : ""));
    }
  }

  public static IntOrPercent of(int value) {
    return new IntOrPercent(value, false);
  }

  /** Parses {@code "3"} or {@code "25%"}; anything else is an error that says what was wrong. */
  public static IntOrPercent parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("must be a number or a percentage, was empty");
    }
    String t = text.trim();
    boolean percent = t.endsWith("%");
    String digits = percent ? t.substring(0, t.length() - 1) : t;
    if (!digits.matches("\\d{1,9}")) {
      throw new IllegalArgumentException("must be a number or a percentage like 25%, was '" + text + "'");
    }
    return new IntOrPercent(Integer.parseInt(digits), percent);
  }

  /** Resolved against {@code total}, rounding up (maxSurge) or down (maxUnavailable). */
  public int resolve(int total, boolean roundUp) {
    if (!percent) {
      return value;
    }
    long scaled = (long) value * total;
    return (int) (roundUp ? (scaled + 99) / 100 : scaled / 100);
  }

  @Override
  public String toString() {
    return value + (percent ? "%" : "");
  }
}
