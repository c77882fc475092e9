package dev.ferry.lab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * One panel of a PNG chart, drawn like a Grafana time series: a dark plot area, a y grid with its
 * values, series against seconds, and the release's steps as vertical marks. Every panel of a picture
 * shares the same seconds, so that stacked panels read side by side.
 */
final class Plot {
  static final Color BACKGROUND = new Color(0x11, 0x12, 0x17);
  static final Color PANEL = new Color(0x18, 0x1b, 0x1f);
  static final Color GRID = new Color(0x2c, 0x32, 0x35);
  static final Color TEXT = new Color(0xcc, 0xcc, 0xdc);
  static final Color DIM = new Color(0x9f, 0xa1, 0xb0);
  /** The steps' marks: a colour no series uses, so that a mark is never taken for data. */
  static final Color STEP = new Color(0x5a, 0xd7, 0xe6);
  static final Color[] PALETTE = {
      new Color(0x73, 0xbf, 0x69), new Color(0xf2, 0xcc, 0x0c), new Color(0x8a, 0xb8, 0xff),
      new Color(0xff, 0x78, 0x0a), new Color(0xf2, 0x49, 0x5c), new Color(0x57, 0x94, 0xf2),
      new Color(0xb8, 0x77, 0xd9), new Color(0xfa, 0xde, 0x2a), new Color(0xc4, 0x16, 0x2a),
      new Color(0x37, 0x87, 0x2d)};
  static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
  static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);

  private final Graphics2D g;
  private final Rectangle area;
  private final int seconds;
  private final double yMax;

  /** A panel over {@code area} for seconds 0..{@code seconds} and values 0..{@code max} (rounded up). */
  Plot(Graphics2D g, Rectangle area, int seconds, double max) {
    this.g = g;
    this.area = area;
    this.seconds = Math.max(1, seconds);
    this.yMax = niceCeiling(max);
  }

  /** Where second {@code s} is drawn on a panel starting at {@code left}, {@code width} wide. */
  static int x(double s, int seconds, int left, int width) {
    return left + (int) Math.round(s * width / Math.max(1, seconds));
  }

  int x(double s) {
    return x(s, seconds, area.x, area.width);
  }

  int y(double v) {
    return area.y + area.height - (int) Math.round(Math.min(v, yMax) * area.height / yMax);
  }

  /** The plot area, its horizontal grid and the value of each grid line, its title above it. */
  void frame(String title) {
    g.setColor(PANEL);
    g.fill(area);
    g.setFont(SMALL);
    for (int i = 0; i <= 4; i++) {
      double v = yMax * i / 4;
      int y = y(v);
      g.setColor(GRID);
      g.drawLine(area.x, y, area.x + area.width, y);
      g.setColor(DIM);
      String label = v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
      g.drawString(label, area.x - 6 - g.getFontMetrics().stringWidth(label), y + 4);
    }
    if (title != null) {
      g.setColor(TEXT);
      g.drawString(title, area.x + 4, area.y - 4);
    }
  }

  /** A vertical grid line every {@code step} seconds, and when {@code labelled} their seconds under the panel. */
  void secondsAxis(int step, boolean labelled) {
    g.setFont(SMALL);
    for (int s = 0; s <= seconds; s += step) {
      int x = x(s);
      g.setColor(GRID);
      g.drawLine(x, area.y, x, area.y + area.height);
      if (!labelled) {
        continue;
      }
      g.setColor(DIM);
      String label = s + " s";
      g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, area.y + area.height + 13);
    }
  }

  /** A line through the values of each second; a negative value (no data) breaks it. */
  void line(int[] values, Color color, float width) {
    double[] d = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      d[i] = values[i];
    }
    line(d, color, width);
  }

  void line(double[] values, Color color, float width) {
    Path2D.Double path = new Path2D.Double();
    boolean drawing = false;
    for (int i = 0; i < values.length; i++) {
      if (values[i] < 0) {
        drawing = false;
      } else if (drawing) {
        path.lineTo(x(i), y(values[i]));
      } else {
        path.moveTo(x(i), y(values[i]));
        drawing = true;
      }
    }
    antialiased(true);
    g.setColor(color);
    g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.draw(path);
    g.setStroke(new BasicStroke(1));
    antialiased(false);
  }

  /** The values of each second as a filled area under a line. */
  void area(int[] values, Color color) {
    Path2D.Double path = new Path2D.Double();
    path.moveTo(x(0), y(0));
    for (int i = 0; i < values.length; i++) {
      path.lineTo(x(i), y(Math.max(0, values[i])));
    }
    path.lineTo(x(Math.max(0, values.length - 1)), y(0));
    path.closePath();
    antialiased(true);
    g.setColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 70));
    g.fill(path);
    antialiased(false);
    line(values, color, 1.5f);
  }

  /**
   * The steps as dashed vertical lines over {@code from}..{@code to} (pixels), each labelled at the
   * top in the first of three text rows where it does not run into another label.
   */
  static void marks(Graphics2D g, List<ScenarioReport.Event> steps, int seconds, Rectangle xs, int from, int to) {
    marks(g, steps, seconds, xs, from, to, from);
  }

  /** As above, the labels from {@code labels} down. */
  static void marks(Graphics2D g, List<ScenarioReport.Event> steps, int seconds, Rectangle xs, int from, int to,
      int labels) {
    g.setFont(SMALL);
    int[] rowEnds = {Integer.MIN_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE};
    for (ScenarioReport.Event step : steps) {
      int x = x(step.second(), seconds, xs.x, xs.width);
      g.setColor(STEP);
      g.setStroke(new BasicStroke(1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1, new float[] {6, 2}, 0));
      g.drawLine(x, from, x, to);
      g.setStroke(new BasicStroke(1));
      int w = g.getFontMetrics().stringWidth(step.what());
      for (int row = 0; row < rowEnds.length; row++) {
        if (x + 3 > rowEnds[row] + 6) {
          g.drawString(step.what(), x + 3, labels + 12 + 12 * row);
          rowEnds[row] = x + 3 + w;
          break;
        }
      }
    }
  }

  /**
   * Writes a {@code width} x {@code height} picture to {@code png}: the dark background, the title at
   * its top, then what {@code body} draws.
   */
  static Path write(Path png, int width, int height, String title, Consumer<Graphics2D> body) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setColor(BACKGROUND);
      g.fillRect(0, 0, width, height);
      g.setFont(TITLE);
      g.setColor(TEXT);
      g.drawString(title, TimelineChart.LEFT, 22);
      body.accept(g);
    } finally {
      g.dispose();
    }
    try {
      ImageIO.write(image, "png", png.toFile());
      return png;
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + png, e);
    }
  }

  private void antialiased(boolean on) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING,
        on ? RenderingHints.VALUE_ANTIALIAS_ON : RenderingHints.VALUE_ANTIALIAS_OFF);
  }

  /** 1, 2 or 5 times a power of ten, at least {@code v} (and at least 1). */
  static double niceCeiling(double v) {
    if (v <= 1) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  /** A tick step for {@code seconds}: about ten ticks, on round seconds. */
  static int tickStep(int seconds) {
    for (int step : new int[] {1, 2, 5, 10, 15, 20, 30, 60, 120, 300}) {
      if (seconds / step <= 12) {
        return step;
      }
    }
    return 600;
  }
}
