package dev.ferry.broker.session;

/**
 * MQTT topic names and filters: validation and matching, as MQTT 3.1.1 §4.7 and MQTT 5 §4.7 say.
 *
 * <p>{@code +} matches one level, {@code #} the rest (including the parent level itself), and a
 * filter that starts with a wildcard never matches a topic that starts with {@code $}.
 */
public final class Topics {

  private Topics() {}

  /** A topic name a client may publish to: not empty, no wildcards, no NUL. */
  public static boolean validName(String topic) {
    if (topic == null || topic.isEmpty()) {
      return false;
    }
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      if (c == '+' || c == '#' || c == 0) {
        return false;
      }
    }
    return true;
  }

  /** A filter a client may subscribe to: wildcards only as whole levels, {@code #} only last. */
  public static boolean validFilter(String filter) {
    if (filter == null || filter.isEmpty() || filter.indexOf(0) >= 0) {
      return false;
    }
    String[] levels = filter.split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String l = levels[i];
      if (l.contains("#") && (!l.equals("#") || i != levels.length - 1)) {
        return false;
      }
      if (l.contains("+") && !l.equals("+")) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code filter} matches {@code topic}; both are assumed valid. */
  public static boolean matches(String filter, String topic) {
    if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
      return false;
    }
    int f = 0;
    int t = 0;
    int fl = filter.length();
    int tl = topic.length();
    while (true) {
      int fEnd = filter.indexOf('/', f);
      if (fEnd < 0) {
        fEnd = fl;
      }
      String level = filter.substring(f, fEnd);
      if (level.equals("#")) {
        return true;
      }
      if (t > tl) {
        // The topic ran out; "a/#" still matches "a", handled by the '#' check above on the next
        // level, so anything else is a miss.
        return false;
      }
      int tEnd = topic.indexOf('/', t);
      if (tEnd < 0) {
        tEnd = tl;
      }
      if (!level.equals("+") && !level.equals(topic.substring(t, tEnd))) {
        return false;
      }
      boolean filterDone = fEnd == fl;
      boolean topicDone = tEnd == tl;
      if (filterDone && topicDone) {
        return true;
      }
      if (filterDone) {
        return false;
      }
      if (topicDone) {
        // Only "…/#" may follow.
        return filter.substring(fEnd + 1).equals("#");
      }
      f = fEnd + 1;
      t = tEnd + 1;
    }
  }
}
