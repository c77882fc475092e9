package dev.ferry.lab.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineChartTest {

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  /** 40 s of a rolling release: no step marked. */
  static ScenarioReport rolling() {
    int[] total = filled(40, 100);
    return mqtt("rolling", total, Map.of("mqtt-0", filled(40, 50), "mqtt-1", filled(40, 50)), List.of());
  }

  /** 60 s of a Ferry release: switched at 10 s, drained pod mqtt-a-x from 20 s to 35 s. */
  static ScenarioReport ferry() {
    Map<String, int[]> nodes = new LinkedHashMap<>();
    nodes.put("mqtt-b-y", filled(60, 0));
    nodes.put("mqtt-a-x", filled(60, 100));
    return mqtt("ferry", filled(60, 100), nodes, List.of(new ScenarioReport.Event(10, "switch"),
        new ScenarioReport.Event(20, "drain mqtt-a-x"), new ScenarioReport.Event(35, "mqtt-a-x drained")));
  }

  @Test
  void thePngHasARowPerScenarioBesideTheHtml(@TempDir Path dir) throws Exception {
    List<Path> written = ReportWriter.write(dir, "lab", Map.of(), List.of(rolling(), ferry()));

    assertThat(written).contains(dir.resolve("timeline.png")).contains(dir.resolve("report.html"));
    BufferedImage png = ImageIO.read(dir.resolve("timeline.png").toFile());
    assertThat(png.getWidth()).isEqualTo(TimelineChart.WIDTH);
    assertThat(png.getHeight()).isEqualTo(TimelineChart.HEADER + 2 * TimelineChart.ROW);
    assertThat(Files.size(dir.resolve("timeline.png"))).isLessThan(200_000);
  }

  @Test
  void eachStepIsAVerticalLineAcrossItsScenarioAndNowhereElse(@TempDir Path dir) throws Exception {
    BufferedImage png = ImageIO.read(TimelineChart.write(dir, List.of(rolling(), ferry())).toFile());

    for (int second : new int[] {10, 20, 35}) {
      assertThat(markedShare(png, 1, second)).as("second %d of ferry", second).isGreaterThan(0.6);
      assertThat(markedShare(png, 0, second)).as("second %d of rolling", second).isZero();
    }
    assertThat(markedShare(png, 1, 28)).as("between steps").isZero();
  }

  @Test
  void everyScenarioIsDrawnOnTheSameSeconds(@TempDir Path dir) throws Exception {
    BufferedImage png = ImageIO.read(TimelineChart.write(dir, List.of(rolling(), ferry())).toFile());

    // The 40 s rolling release ends two thirds of the way along, where the 60 s one goes on.
    int end = x(39);
    assertThat(white(png, end - 30, end, TimelineChart.connectionsArea(0))).isTrue();
    assertThat(white(png, end + 4, end + 40, TimelineChart.connectionsArea(0))).isFalse();
    assertThat(white(png, end + 4, end + 40, TimelineChart.connectionsArea(1))).isTrue();
  }

  @Test
  void nodesAreNamedInTheOrderTheyFirstHeldClientsAndStepsUseThoseNames() {
    Map<String, int[]> nodes = Map.of("mqtt-new", new int[] {-1, 5}, "mqtt-old", new int[] {5, 0});

    Map<String, String> names = TimelineChart.shortNamesOf(nodes);

    assertThat(names).containsExactly(Map.entry("mqtt-old", "n1"), Map.entry("mqtt-new", "n2"));
    assertThat(TimelineChart.renamed(List.of(new ScenarioReport.Event(3, "mqtt-old drained")), names))
        .containsExactly(new ScenarioReport.Event(3, "n1 drained"));
  }

  @Test
  void theOperatorsPanelsAreDrawnWhereTheOperatorReleased(@TempDir Path dir) throws Exception {
    ScenarioReport f = ferry();
    String[] phase = new String[60];
    Arrays.fill(phase, 0, 10, "Provisioning");
    Arrays.fill(phase, 10, 60, "Draining");
    int[] none = new int[60];
    double[] ms = new double[60];
    var operator = new ScenarioReport.Operator(phase, filled(60, -1), none, Map.of("StartDrain", none), none, ms);
    var t = f.timeline();
    ScenarioReport withOperator = mqtt("ferry", t.connected(), t.connectionsPerNode(), t.steps(), operator);

    assertThat(OperatorChart.write(dir, List.of(rolling()))).isNull();
    BufferedImage png = ImageIO.read(OperatorChart.write(dir, List.of(rolling(), withOperator)).toFile());

    Rectangle band = OperatorChart.phaseArea();
    int y = band.y + 3; // over the phase's name
    Color provisioning = new Color(png.getRGB(Plot.x(5, 60, band.x, band.width), y));
    Color draining = new Color(png.getRGB(Plot.x(40, 60, band.x, band.width), y));
    assertThat(provisioning).isNotEqualTo(draining).isNotEqualTo(Plot.PANEL);
    assertThat(png.getRGB(Plot.x(20, 60, band.x, band.width), OperatorChart.panelArea(2).y + 50))
        .as("the drain's start marked on every panel").isEqualTo(Plot.STEP.getRGB());
  }

  @Test
  void noMqttScenarioNoPicture(@TempDir Path dir) {
    assertThat(TimelineChart.write(dir, List.of(ReportWriterTest.httpFerry()))).isNull();
    assertThat(dir.resolve("timeline.png")).doesNotExist();
  }

  private static int x(int second) {
    Rectangle area = TimelineChart.connectionsArea(0);
    return Plot.x(second, 60, area.x, area.width);
  }

  /** The share of the scenario's panels' height, at the step's x, drawn in the steps' colour. */
  private static double markedShare(BufferedImage png, int row, int second) {
    int x = x(second);
    int top = TimelineChart.connectionsArea(row).y + 40; // under the labels
    int bottom = TimelineChart.reconnectsArea(row).y + TimelineChart.RECONNECTS;
    int marked = 0;
    for (int y = top; y < bottom; y++) {
      if (png.getRGB(x, y) == Plot.STEP.getRGB()) {
        marked++;
      }
    }
    return (double) marked / (bottom - top);
  }

  /** Whether a white line (the total) crosses every column from x0 to x1 in the panel. */
  private static boolean white(BufferedImage png, int x0, int x1, Rectangle panel) {
    for (int x = x0; x <= x1; x++) {
      boolean found = false;
      for (int y = panel.y; y < panel.y + panel.height && !found; y++) {
        Color c = new Color(png.getRGB(x, y));
        found = c.getRed() > 200 && c.getGreen() > 200 && c.getBlue() > 200;
      }
      if (!found) {
        return false;
      }
    }
    return true;
  }

  private static int[] filled(int n, int v) {
    int[] a = new int[n];
    Arrays.fill(a, v);
    return a;
  }

  private static ScenarioReport mqtt(String name, int[] total, Map<String, int[]> nodes,
      List<ScenarioReport.Event> steps) {
    return mqtt(name, total, nodes, steps, null);
  }

  private static ScenarioReport mqtt(String name, int[] total, Map<String, int[]> nodes,
      List<ScenarioReport.Event> steps, ScenarioReport.Operator operator) {
    return new ScenarioReport(name, name, 100, 0, 0, Map.of(), 0, 0, 0, 0, 1, 1, 0, total.length, 0,
        new ScenarioReport.Timeline(total, new int[total.length], nodes, steps, operator));
  }
}
