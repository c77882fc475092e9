package dev.ferry.lab.scenario;

import dev.ferry.lab.cluster.NodeSecond;
import dev.ferry.lab.report.TimelineChart;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One tick of a running scenario, as the terminal shows it every two seconds. What a reader waits for
 * comes first (the phase, the clients connected, how long is left), the nodes last, since a line
 * longer than the terminal is cut at its end.
 *
 * @param scenario the scenario's id
 * @param elapsedSeconds since the release started
 * @param phase where the release is ({@code Draining}, {@code switch}, ...), null when unknown
 * @param connected clients connected now
 * @param clients clients in the fleet
 * @param nodes connections per node by short name, in their names' order
 * @param etaSeconds seconds the release should still take, null when unknown
 */
record ProgressLine(String scenario, long elapsedSeconds, String phase, int connected, int clients,
    Map<String, Integer> nodes, Long etaSeconds) {

  String format() {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%s] %3ds %s %d/%d connected eta %s |",
        scenario, elapsedSeconds, phase == null ? "-" : phase, connected, clients,
        etaSeconds == null ? "?" : etaSeconds + "s"));
    nodes.forEach((name, count) -> line.append(' ').append(name).append(' ').append(count));
    return line.toString();
  }

  /**
   * How long a release should still take: the drain's estimate once it drains, else what is left of
   * the least such a release takes; null (unknown) once a release outlasts that.
   */
  static Long eta(Long drainSeconds, long floorSeconds, long elapsedSeconds) {
    if (drainSeconds != null) {
      return drainSeconds;
    }
    return elapsedSeconds < floorSeconds ? floorSeconds - elapsedSeconds : null;
  }

  /**
   * How long Ferry's drains still take: the connections left on the old pods at the evict rate (the
   * drains share it), and each pod's takeover wait, {@code parallel} pods at a time.
   */
  static long drainSeconds(int connectionsLeft, int podsLeft, int rate, int parallel, long takeoverSeconds) {
    long evicting = (long) Math.ceil((double) connectionsLeft / Math.max(1, rate));
    return evicting + (long) Math.ceil((double) podsLeft / Math.max(1, parallel)) * takeoverSeconds;
  }

  /** Connections per node now, by the nodes' short names (first seen first). */
  static Map<String, Integer> nodes(List<NodeSecond> seconds) {
    if (seconds.isEmpty()) {
      return Map.of();
    }
    Map<String, Integer> firstSeen = new LinkedHashMap<>();
    for (int i = 0; i < seconds.size(); i++) {
      for (String pod : seconds.get(i).connections().keySet()) {
        firstSeen.putIfAbsent(pod, i);
      }
    }
    Map<String, Integer> now = seconds.get(seconds.size() - 1).connections();
    Map<String, Integer> named = new LinkedHashMap<>();
    TimelineChart.shortNames(firstSeen).forEach((pod, name) -> {
      if (now.containsKey(pod)) {
        named.put(name, now.get(pod));
      }
    });
    return named;
  }

  /** Connections left now on the pods that served when the release started ({@code before}). */
  static int connectionsLeft(Set<String> before, NodeSecond now) {
    return now.connections().entrySet().stream().filter(e -> before.contains(e.getKey()))
        .mapToInt(Map.Entry::getValue).sum();
  }

  /** Of the pods that served when the release started, those whose broker still runs. */
  static int podsLeft(Set<String> before, NodeSecond now) {
    return (int) now.connections().keySet().stream().filter(before::contains).count();
  }

  /** {@code DRAINING} as the API spells it: {@code Draining}; {@code AWAITING_PROMOTION}: {@code AwaitingPromotion}. */
  static String phase(Enum<?> phase) {
    return phase == null ? null : dev.ferry.api.FerryNames.jsonName(phase);
  }
}
