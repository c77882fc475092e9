package dev.ferry.lab.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code timeline.png}: every MQTT scenario of a comparison in one picture, one row each, all on the
 * same seconds since the release started, so that strategies read side by side: connections per node
 * and in all, reconnects per second under them, and the release's steps marked across both.
 */
public final class TimelineChart {
  static final int WIDTH = 1400;
  static final int LEFT = 64;
  static final int RIGHT = 24;
  static final int HEADER = 40;
  static final int CONNECTIONS = 170;
  static final int RECONNECTS = 64;
  /** One scenario's height: its title, its two panels, their axis labels. */
  static final int ROW = 24 + CONNECTIONS + 22 + RECONNECTS + 30;

  private TimelineChart() {}

  /** Writes {@code dir/timeline.png} when there is an MQTT scenario; returns it, or null. */
  public static Path write(Path dir, List<ScenarioReport> scenarios) {
    List<ScenarioReport> mqtt = mqtt(scenarios);
    if (mqtt.isEmpty()) {
      return null;
    }
    int seconds = seconds(mqtt);
    return Plot.write(dir.resolve("timeline.png"), WIDTH, HEADER + mqtt.size() * ROW,
        "Ferry lab: connections per node and in all, reconnects per second; seconds since the release"
            + " started; dashed: the release's steps",
        g -> {
          for (int i = 0; i < mqtt.size(); i++) {
            row(g, i, mqtt.get(i), seconds);
          }
        });
  }

  static List<ScenarioReport> mqtt(List<ScenarioReport> scenarios) {
    return scenarios.stream().filter(r -> r.requests() == null && r.schema() == null && r.timeline() != null).toList();
  }

  /** The seconds every row shows: the longest scenario's. */
  static int seconds(List<ScenarioReport> mqtt) {
    return mqtt.stream().mapToInt(r -> r.timeline().connected().length).max().orElse(1);
  }

  /** Where row {@code row}'s connections panel is. */
  static Rectangle connectionsArea(int row) {
    return new Rectangle(LEFT, HEADER + row * ROW + 24, WIDTH - LEFT - RIGHT, CONNECTIONS);
  }

  static Rectangle reconnectsArea(int row) {
    Rectangle c = connectionsArea(row);
    return new Rectangle(c.x, c.y + c.height + 22, c.width, RECONNECTS);
  }

  private static void row(Graphics2D g, int row, ScenarioReport r, int seconds) {
    ScenarioReport.Timeline t = r.timeline();
    Map<String, String> names = shortNamesOf(t.connectionsPerNode());
    Rectangle conn = connectionsArea(row);
    int top = java.util.Arrays.stream(t.connected()).max().orElse(1);
    Plot connections = new Plot(g, conn, seconds, top);
    connections.frame(null);
    connections.secondsAxis(Plot.tickStep(seconds), false);
    legend(g, r, names, conn);
    int colour = 0;
    for (var e : names.entrySet()) {
      connections.line(t.connectionsPerNode().get(e.getKey()), Plot.PALETTE[colour++ % Plot.PALETTE.length], 1.5f);
    }
    connections.line(t.connected(), Color.WHITE, 2f);
    Rectangle rec = reconnectsArea(row);
    Plot reconnects = new Plot(g, rec, seconds, java.util.Arrays.stream(t.reconnects()).max().orElse(1));
    reconnects.frame("reconnects per second");
    reconnects.secondsAxis(Plot.tickStep(seconds), true);
    reconnects.area(t.reconnects(), Plot.PALETTE[4]);
    Plot.marks(g, renamed(t.steps(), names), seconds, conn, conn.y, rec.y + rec.height);
  }

  /** The scenario's name, then each series' colour and name. */
  private static void legend(Graphics2D g, ScenarioReport r, Map<String, String> names, Rectangle conn) {
    g.setFont(Plot.TITLE);
    g.setColor(Plot.TEXT);
    String title = r.scenario() + "  (connections)";
    g.drawString(title, conn.x, conn.y - 6);
    int x = conn.x + g.getFontMetrics().stringWidth(title) + 20;
    g.setFont(Plot.SMALL);
    x = swatch(g, x, conn.y - 6, Color.WHITE, "total");
    int colour = 0;
    for (String name : names.values()) {
      x = swatch(g, x, conn.y - 6, Plot.PALETTE[colour++ % Plot.PALETTE.length], name);
    }
  }

  private static int swatch(Graphics2D g, int x, int baseline, Color colour, String name) {
    g.setColor(colour);
    g.fillRect(x, baseline - 8, 12, 4);
    g.setColor(Plot.TEXT);
    g.drawString(name, x + 16, baseline);
    return x + 16 + g.getFontMetrics().stringWidth(name) + 14;
  }

  /** Short names for the nodes of a timeline ({@link #shortNames(Map)} by the second each first held clients). */
  static Map<String, String> shortNamesOf(Map<String, int[]> perNode) {
    Map<String, Integer> first = new LinkedHashMap<>();
    perNode.forEach((pod, values) -> first.put(pod, firstSecond(values)));
    return shortNames(first);
  }

  /**
   * Short names for the nodes, {@code n1}, {@code n2}, ..., in the order they were first seen (the
   * old pods before the new ones, by name among those seen together), so that legends, progress lines
   * and the steps' labels stay short and name a pod alike.
   *
   * @param firstSeen each pod's first second (or tick) seen
   */
  public static Map<String, String> shortNames(Map<String, Integer> firstSeen) {
    List<String> pods = new ArrayList<>(firstSeen.keySet());
    pods.sort(Comparator.comparingInt((String p) -> firstSeen.get(p)).thenComparing(p -> p));
    Map<String, String> names = new LinkedHashMap<>();
    for (String p : pods) {
      names.put(p, "n" + (names.size() + 1));
    }
    return names;
  }

  private static int firstSecond(int[] values) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] >= 0) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  /** The steps with each pod's short name in place of its own. */
  static List<ScenarioReport.Event> renamed(List<ScenarioReport.Event> steps, Map<String, String> names) {
    return steps.stream().map(s -> {
      String what = s.what();
      for (var e : names.entrySet()) {
        what = what.replace(e.getKey(), e.getValue());
      }
      return new ScenarioReport.Event(s.second(), what);
    }).toList();
  }
}
