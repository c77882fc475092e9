package dev.ferry.lab.scenario;

import dev.ferry.lab.report.ScenarioReport;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The steps of one release, at seconds since its template change, for the charts' marks: the ones
 * the lab takes itself (a plain blue-green's switch) as it takes them, and the operator's from the
 * Events it records on the LosslessDeployment, which say when it switched, started each drain and
 * deleted each drained pod, and its metrics, which say when each drain was empty.
 */
final class ReleaseSteps {
  private final long t0;
  private final List<ScenarioReport.Event> steps = new CopyOnWriteArrayList<>();

  /** @param t0 epoch millis of the template change: second 0 of the charts */
  ReleaseSteps(long t0) {
    this.t0 = t0;
  }

  /** A step the lab takes now. */
  void mark(String what) {
    steps.add(new ScenarioReport.Event(second(System.currentTimeMillis(), t0), what));
  }

  /** The steps among the operator's Events about the release (others are left out). */
  void addOperatorEvents(List<Event> events) {
    for (Event e : events) {
      String what = label(e.getReason(), e.getMessage());
      // A step said again is one Event with a count: its first time is when the step happened,
      // unless it was first said in an earlier release, then its last time is this release's.
      Long first = epochMillis(e.getFirstTimestamp());
      Long at = first != null && first >= t0 ? first : epochMillis(e.getLastTimestamp());
      if (what != null && at != null && at >= t0) {
        for (String one : eachPod(what)) {
          steps.add(new ScenarioReport.Event(second(at, t0), one));
        }
      }
    }
  }

  /** What the last step was, null before the first. */
  String last() {
    List<ScenarioReport.Event> all = steps();
    return all.isEmpty() ? null : all.get(all.size() - 1).what();
  }

  /** The steps in time order, each once (the operator announces a switch both as a phase and as an action). */
  List<ScenarioReport.Event> steps() {
    Map<String, ScenarioReport.Event> first = new LinkedHashMap<>();
    steps.stream().sorted(Comparator.comparingInt(ScenarioReport.Event::second))
        .forEach(e -> first.putIfAbsent(e.what(), e));
    return List.copyOf(first.values());
  }

  /**
   * Where each drain ended, by the drained node's own count: the first second from the drain's
   * start in which the pod held no connection. Drains overlap (the next starts while one waits for
   * its takeovers), so the operator's single drain gauge cannot tell every end; a pod the nodes'
   * counts do not name falls back to it ({@link #drainEnds(List, int[])}).
   */
  static List<ScenarioReport.Event> drainEnds(List<ScenarioReport.Event> steps, Map<String, int[]> perNode,
      int[] drainConnections) {
    List<ScenarioReport.Event> ends = new ArrayList<>();
    List<ScenarioReport.Event> unknown = new ArrayList<>();
    for (ScenarioReport.Event s : steps) {
      if (!s.what().startsWith("drain ")) {
        continue;
      }
      String pod = s.what().substring("drain ".length());
      int[] counts = perNode.get(pod);
      if (counts == null) {
        unknown.add(s);
        continue;
      }
      for (int i = Math.max(0, s.second()); i < counts.length; i++) {
        if (counts[i] == 0) {
          ends.add(new ScenarioReport.Event(i, pod + " drained"));
          break;
        }
      }
    }
    if (!unknown.isEmpty() && drainConnections != null) {
      Set<String> named = unknown.stream().map(u -> u.what().substring("drain ".length()) + " drained")
          .collect(java.util.stream.Collectors.toSet());
      drainEnds(steps, drainConnections).stream().filter(e -> named.contains(e.what())).forEach(ends::add);
    }
    return ends;
  }

  /**
   * Where each drain ended: the Events say when a drain started and when its pod was deleted, not
   * when it was empty, which the operator's {@code ferry_drain_connections} shows (per second, -1
   * when none drains): the second it reached 0, for the pod whose drain started last before.
   */
  static List<ScenarioReport.Event> drainEnds(List<ScenarioReport.Event> steps, int[] drainConnections) {
    List<ScenarioReport.Event> ends = new ArrayList<>();
    for (int i = 1; i < drainConnections.length; i++) {
      if (drainConnections[i] == 0 && drainConnections[i - 1] > 0) {
        int second = i;
        steps.stream().filter(s -> s.second() <= second && s.what().startsWith("drain "))
            .reduce((a, b) -> b)
            .ifPresent(s -> ends.add(new ScenarioReport.Event(second, s.what().substring("drain ".length()) + " drained")));
      }
    }
    return ends;
  }

  /**
   * A chart mark for an operator Event, or null when the event is no step of the release: the switch,
   * a drain's start ({@code draining <pod> to ...}) and its end (the drained pod's deletion).
   */
  static String label(String reason, String message) {
    if (reason == null || message == null) {
      return null;
    }
    String m = message.startsWith("[") && message.contains("] ") ? message.substring(message.indexOf("] ") + 2) : message;
    return switch (reason) {
      case "Switching" -> "switch";
      case "DrainStarted" -> !m.startsWith("draining ") ? null : m.contains(" side by side")
          ? "drain " + m.substring("draining ".length(), m.indexOf(" side by side"))
          : "drain " + firstWord(m.substring("draining ".length()));
      case "DeletingPod" -> m.startsWith("deleting ") && (m.endsWith(": drained") || m.contains(": drained, "))
          ? firstWord(m.substring("deleting ".length())).replaceAll(":$", "") + " deleted" : null;
      default -> null;
    };
  }

  /** Drains started side by side in one step are one Event ({@code drain a, b}): a mark for each pod. */
  static List<String> eachPod(String what) {
    if (!what.startsWith("drain ")) {
      return List.of(what);
    }
    return java.util.Arrays.stream(what.substring("drain ".length()).split(", ")).map(p -> "drain " + p).toList();
  }

  private static String firstWord(String s) {
    int space = s.indexOf(' ');
    return space < 0 ? s : s.substring(0, space);
  }

  static int second(long epochMillis, long t0) {
    return (int) Math.floorDiv(epochMillis - t0, 1000);
  }

  private static Long epochMillis(String timestamp) {
    try {
      return timestamp == null ? null : Instant.parse(timestamp).toEpochMilli();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
