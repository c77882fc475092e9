package dev.ferry.lab.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code operator.png}: the Grafana dashboard's panels (deploy/grafana/ferry-dashboard.json) drawn
 * from the operator's own metrics during the lab's Ferry release, sampled once a second: no Grafana
 * needed to see what the dashboard shows during a release.
 */
public final class OperatorChart {
  static final int WIDTH = TimelineChart.WIDTH;
  static final int HEADER = 40;
  static final int PHASE = 34;
  /** Each time-series panel's height, and the title and axis room around it. */
  static final int PANEL = 96;
  static final int ROOM = 40;
  static final int PANELS = 5;

  private OperatorChart() {}

  /** Writes {@code dir/operator.png} for the first scenario with operator metrics; returns it, or null. */
  public static Path write(Path dir, List<ScenarioReport> scenarios) {
    ScenarioReport ferry = scenarios.stream()
        .filter(r -> r.timeline() != null && r.timeline().operator() != null).findFirst().orElse(null);
    if (ferry == null) {
      return null;
    }
    Rectangle last = panelArea(PANELS - 1);
    return Plot.write(dir.resolve("operator.png"), WIDTH, last.y + last.height + 30,
        "Ferry dashboard's panels, from the operator's metrics during the lab's " + ferry.scenario()
            + " release (seconds since it started; dashed: its steps)",
        g -> draw(g, ferry));
  }

  /** Where the phase band is; the time-series panels follow it, {@code PANEL + ROOM} apart. */
  static Rectangle phaseArea() {
    return new Rectangle(TimelineChart.LEFT, HEADER + 22, WIDTH - TimelineChart.LEFT - TimelineChart.RIGHT, PHASE);
  }

  static Rectangle panelArea(int i) {
    Rectangle p = phaseArea();
    return new Rectangle(p.x, p.y + p.height + ROOM + i * (PANEL + ROOM), p.width, PANEL);
  }

  private static void draw(Graphics2D g, ScenarioReport r) {
    ScenarioReport.Operator o = r.timeline().operator();
    int seconds = r.timeline().connected().length;
    Rectangle last = panelArea(PANELS - 1);
    phases(g, o.phase(), seconds);
    drawPanels(g, o, seconds);
    Map<String, String> names = TimelineChart.shortNamesOf(r.timeline().connectionsPerNode());
    // Labelled under the phase band, whose own names they would hide.
    Plot.marks(g, TimelineChart.renamed(r.timeline().steps(), names), seconds, phaseArea(), phaseArea().y,
        last.y + last.height, panelArea(0).y);
  }

  private static void drawPanels(Graphics2D g, ScenarioReport.Operator o, int seconds) {
    int step = Plot.tickStep(seconds);
    Plot drain = new Plot(g, panelArea(0), seconds, max(o.drainConnections()));
    drain.frame("Drain progress: connections left on the pod being drained (ferry_drain_connections)");
    drain.secondsAxis(step, true);
    drain.line(o.drainConnections(), Plot.PALETTE[2], 1.5f);

    Plot evictions = new Plot(g, panelArea(1), seconds, max(o.evictions()));
    evictions.frame("Evictions per second (rate(ferry_drain_evictions_total))");
    evictions.secondsAxis(step, true);
    evictions.area(o.evictions(), Plot.PALETTE[3]);

    int top = o.actions().values().stream().mapToInt(OperatorChart::max).max().orElse(1);
    Plot actions = new Plot(g, panelArea(2), seconds, top);
    List<String> types = new ArrayList<>(o.actions().keySet());
    actions.frame("Actions per second, by type (ferry_actions_total): " + String.join(", ", legend(types)));
    actions.secondsAxis(step, true);
    for (int i = 0; i < types.size(); i++) {
      actions.line(o.actions().get(types.get(i)), colour(i), 1.5f);
    }

    Plot errors = new Plot(g, panelArea(3), seconds, max(o.errors()));
    errors.frame("Reconcile errors per second (ferry_reconcile_errors_total)");
    errors.secondsAxis(step, true);
    errors.area(o.errors(), Plot.PALETTE[4]);

    Plot duration = new Plot(g, panelArea(4), seconds, Arrays.stream(o.reconcileMeanMs()).max().orElse(1));
    duration.frame("Reconcile duration, mean ms (ferry_reconcile_seconds_sum / _count)");
    duration.secondsAxis(step, true);
    duration.line(o.reconcileMeanMs(), Plot.PALETTE[5], 1.5f);
  }

  /** The state timeline: one band, each phase in its colour, named where it is wide enough. */
  private static void phases(Graphics2D g, String[] phase, int seconds) {
    Rectangle band = phaseArea();
    g.setFont(Plot.TITLE);
    g.setColor(Plot.TEXT);
    g.drawString("Phase (ferry_phase == 1)", band.x, band.y - 6);
    g.setColor(Plot.PANEL);
    g.fill(band);
    List<String> seen = new ArrayList<>();
    int from = 0;
    for (int i = 1; i <= phase.length; i++) {
      if (i < phase.length && java.util.Objects.equals(phase[i], phase[from])) {
        continue;
      }
      if (phase[from] != null) {
        if (!seen.contains(phase[from])) {
          seen.add(phase[from]);
        }
        int x0 = Plot.x(from, seconds, band.x, band.width);
        int x1 = Plot.x(i, seconds, band.x, band.width);
        g.setColor(colour(seen.indexOf(phase[from])).darker());
        g.fillRect(x0, band.y + 2, Math.max(1, x1 - x0), band.height - 4);
        g.setFont(Plot.SMALL);
        g.setColor(Color.WHITE);
        if (g.getFontMetrics().stringWidth(phase[from]) < x1 - x0 - 6) {
          g.drawString(phase[from], x0 + 4, band.y + band.height / 2 + 4);
        }
      }
      from = i;
    }
  }

  private static List<String> legend(List<String> types) {
    List<String> named = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      named.add(types.get(i) + " (" + colourName(i) + ")");
    }
    return named;
  }

  private static Color colour(int i) {
    return Plot.PALETTE[i % Plot.PALETTE.length];
  }

  private static String colourName(int i) {
    String[] names = {"green", "yellow", "light blue", "orange", "red", "blue", "purple", "gold", "dark red", "dark green"};
    return names[i % names.length];
  }

  private static int max(int[] series) {
    return Arrays.stream(series).max().orElse(1);
  }
}
