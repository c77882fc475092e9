package dev.ferry.lab.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a comparison three ways: a table for the terminal, {@code report.json} for machines, and
 * {@code report.html} — one self-contained file (uPlot inlined, no network needed to open it) with
 * per-second charts drawn like a cluster's monitoring dashboard.
 */
public final class ReportWriter {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";

  private ReportWriter() {}

  public static void table(PrintStream out, List<ScenarioReport> all) {
    List<ScenarioReport> scenarios = all.stream().filter(r -> r.requests() == null && r.schema() == null).toList();
    List<ScenarioReport> requests = all.stream().filter(r -> r.requests() != null).toList();
    List<ScenarioReport> schemas = all.stream().filter(r -> r.schema() != null).toList();
    if (!scenarios.isEmpty()) {
      mqttTable(out, scenarios);
    }
    if (!requests.isEmpty()) {
      if (!scenarios.isEmpty()) {
        out.println();
      }
      requestTable(out, requests);
    }
    if (!schemas.isEmpty()) {
      if (!scenarios.isEmpty() || !requests.isEmpty()) {
        out.println();
      }
      schemaTable(out, schemas);
    }
  }

  /** Schema-migration scenarios: requests, the data, and each rollback's outcome. */
  static void schemaTable(PrintStream out, List<ScenarioReport> scenarios) {
    String row = "%-15s %9s %8s %-28s %8s %12s %6s %9s%n";
    out.printf(Locale.ROOT, row, "scenario", "requests", "failed", "failed by kind", "acked", "inconsistent", "lost",
        "duration");
    for (ScenarioReport r : scenarios) {
      ScenarioReport.Schema s = r.schema();
      out.printf(Locale.ROOT, row, r.scenario(), s.requestsTotal(), s.requestsFailed(),
          s.failedByKind().isEmpty() ? "-" : s.failedByKind().toString(), s.acknowledgedWrites(), s.inconsistentRows(),
          s.lostRows(), r.durationSeconds() + "s");
    }
    out.println();
    String rb = "%-15s %-12s %-15s %-10s %14s %8s  %s%n";
    out.printf(Locale.ROOT, rb, "scenario", "rollback", "when", "outcome", "failed during", "took", "detail");
    for (ScenarioReport r : scenarios) {
      boolean first = true;
      for (ScenarioReport.Rollback b : r.schema().rollbacks()) {
        String detail = b.detail() == null ? "" : b.detail();
        out.printf(Locale.ROOT, rb, first ? r.scenario() : "", b.from() + " -> " + b.to(), b.when(), b.outcome(),
            b.requestsFailedDuring(), String.format(Locale.ROOT, "%.1fs", b.seconds()),
            detail.length() > 110 ? detail.substring(0, 110) + "..." : detail);
        first = false;
      }
      if (first) {
        out.printf(Locale.ROOT, rb, r.scenario(), "-", "", "", "", "", "");
      }
    }
  }

  /** Request/response scenarios: per path and in all, what the load saw. */
  static void requestTable(PrintStream out, List<ScenarioReport> scenarios) {
    String row = "%-12s %-9s %8s %8s %8s %9s %-34s %8s%n";
    out.printf(Locale.ROOT, row, "scenario", "path", "sent", "failed", "p50 ms", "p99 ms", "errors", "release");
    for (ScenarioReport r : scenarios) {
      boolean first = true;
      for (var e : r.requests().paths().entrySet()) {
        ScenarioReport.Path p = e.getValue();
        out.printf(Locale.ROOT, row, first ? r.scenario() : "", e.getKey(), p.sent(), p.failed(),
            String.format(Locale.ROOT, "%.1f", p.p50Ms()), String.format(Locale.ROOT, "%.1f", p.p99Ms()),
            p.errors().isEmpty() ? "-" : p.errors().toString(), first ? r.durationSeconds() + "s" : "");
        first = false;
      }
      if (r.requests().paths().size() > 1) {
        out.printf(Locale.ROOT, row, "", "all", r.requestsSent(), r.requestsFailed(), "",
            String.format(Locale.ROOT, "%.1f", r.p99Ms()), "", "");
      }
    }
  }

  static void mqttTable(PrintStream out, List<ScenarioReport> scenarios) {
    int w = scenarios.stream().mapToInt(r -> r.scenario().length()).max().orElse(0);
    String row = "%-" + Math.max(16, w) + "s %8s %8s %8s %8s %12s %10s %10s %15s%n";
    out.printf(Locale.ROOT, row, "scenario", "max", "mean", "lost", "dup", "peak recon/s", "min conn.",
        "imbalance", "duration/floor");
    out.printf(Locale.ROOT, row, "", "disc.", "disc.", "msgs", "msgs", "", "", "", "");
    for (ScenarioReport r : scenarios) {
      out.printf(Locale.ROOT, row, r.scenario(), r.maxDisconnectsPerClient(),
          String.format(Locale.ROOT, "%.2f", r.meanDisconnectsPerClient()),
          r.messagesLost() < 0 ? "-" : String.valueOf(r.messagesLost()),
          r.messagesDuplicated() < 0 ? "-" : String.valueOf(r.messagesDuplicated()),
          r.peakReconnectsPerSecond(),
          String.format(Locale.ROOT, "%.1f%%", 100 * r.minConnectedFraction()),
          String.format(Locale.ROOT, "%.2f", r.imbalance()),
          r.durationSeconds() + "s/" + r.floorSeconds() + "s");
    }
    for (ScenarioReport r : scenarios) {
      String nodes = r.timeline() == null ? null : r.timeline().nodesStartToEnd();
      if (nodes != null) {
        out.printf(Locale.ROOT, "%-16s clients per node, start -> end: %s%n", r.scenario(), nodes);
      }
    }
    if (scenarios.stream().anyMatch(r -> r.outcome() != null)) {
      outcomeTable(out, scenarios);
    }
  }

  /** How each release ended: finished or stuck, nodes left refusing clients, what was left behind. */
  static void outcomeTable(PrintStream out, List<ScenarioReport> scenarios) {
    int w = scenarios.stream().mapToInt(r -> r.scenario().length()).max().orElse(0);
    String row = "%-" + Math.max(16, w) + "s %-9s %9s %8s %9s  %s%n";
    out.println();
    out.printf(Locale.ROOT, row, "scenario", "release", "refusing", "stopped", "leftover", "end");
    out.printf(Locale.ROOT, row, "", "", "nodes", "listed", "pods", "");
    for (ScenarioReport r : scenarios) {
      ScenarioReport.Outcome o = r.outcome();
      if (o == null) {
        continue;
      }
      String end = o.end() + (o.detail() == null || o.detail().isEmpty() ? "" : "; " + o.detail());
      out.printf(Locale.ROOT, row, r.scenario(), o.finished() ? "finished" : "STUCK", o.nodesRefusing(),
          o.stoppedNodesListed(), o.leftoverPods(), end.length() > 160 ? end.substring(0, 160) + "..." : end);
    }
  }

  /**
   * Writes {@code dir/report.json}, {@code dir/report.html} and, when there are MQTT scenarios,
   * {@code dir/timeline.png} (and {@code dir/operator.png} when the operator released); returns their paths.
   */
  public static List<Path> write(Path dir, String mode, Object settings, List<ScenarioReport> scenarios) {
    try {
      Files.createDirectories(dir);
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("mode", mode);
      doc.put("settings", settings);
      doc.put("scenarios", scenarios);
      Path json = dir.resolve("report.json");
      JSON.writeValue(json.toFile(), doc);
      Path html = dir.resolve("report.html");
      Files.writeString(html, html(mode, JSON.writeValueAsString(doc), scenarios), StandardCharsets.UTF_8);
      List<Path> written = new java.util.ArrayList<>(List.of(json, html));
      written.addAll(pictures(dir, scenarios));
      return written;
    } catch (IOException e) {
      throw new UncheckedIOException("writing the report into " + dir, e);
    }
  }

  /** The PNG charts; none where this Java cannot draw (no fonts), which the HTML does not need. */
  private static List<Path> pictures(Path dir, List<ScenarioReport> scenarios) {
    // No window is ever opened: drawing must work over ssh and in CI.
    System.setProperty("java.awt.headless", "true");
    try {
      List<Path> written = new java.util.ArrayList<>();
      for (Path png : new Path[] {TimelineChart.write(dir, scenarios), OperatorChart.write(dir, scenarios)}) {
        if (png != null) {
          written.add(png);
        }
      }
      return written;
    } catch (RuntimeException | LinkageError | java.awt.AWTError e) {
      System.err.println("no PNG charts: " + e);
      return List.of();
    }
  }

  static String html(String mode, String json, List<ScenarioReport> scenarios) throws IOException {
    StringBuilder cards = new StringBuilder();
    for (int i = 0; i < scenarios.size(); i++) {
      ScenarioReport r = scenarios.get(i);
      if (r.requests() != null) {
        cards.append(requestCard(r, i));
        continue;
      }
      if (r.schema() != null) {
        cards.append(schemaCard(r, i));
        continue;
      }
      cards.append("<section><h2>").append(esc(r.scenario())).append("</h2><p>").append(esc(r.description()))
          .append("</p><div class=figs>")
          .append(fig("disconnects / client (max)", String.valueOf(r.maxDisconnectsPerClient())))
          .append(fig("mean", String.format(Locale.ROOT, "%.2f", r.meanDisconnectsPerClient())))
          .append(fig("messages lost", r.messagesLost() < 0 ? "n/a" : String.valueOf(r.messagesLost())))
          .append(fig("peak reconnects/s", String.valueOf(r.peakReconnectsPerSecond())))
          .append(fig("min connected (per second)", String.format(Locale.ROOT, "%.1f%%", 100 * r.minConnectedFraction())))
          .append(fig("lowest at any instant", String.format(Locale.ROOT, "%.1f%%", 100 * r.lowestConnectedFraction())))
          .append(fig("imbalance", String.format(Locale.ROOT, "%.2f", r.imbalance())))
          .append(r.timeline() == null || r.timeline().nodesStartToEnd() == null ? ""
              : fig("clients per node, start → end", r.timeline().nodesStartToEnd()))
          .append(fig("duration / floor", r.durationSeconds() + "s / " + r.floorSeconds() + "s"))
          .append("</div><div class=chart id=conn").append(i).append("></div><div class=chart id=recon")
          .append(i).append("></div></section>\n");
    }
    return """
        <!doctype html><html><head><meta charset="utf-8"><title>Ferry lab report</title>
        <style>%s
        body{background:#111217;color:#ccccdc;font:14px system-ui,sans-serif;margin:24px}
        h1{font-weight:500}h2{margin:0 0 4px;font-weight:500;color:#fff}p{margin:0 0 12px;color:#9fa1b0}
        section{background:#181b1f;border:1px solid #2c3235;border-radius:4px;padding:16px;margin:0 0 24px}
        .figs{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:12px}
        .fig{background:#22252b;padding:8px 12px;border-radius:3px}.fig b{display:block;font-size:20px;color:#fff}
        .chart{margin-top:8px}.u-legend{color:#ccccdc}.note{color:#9fa1b0}
        table{border-collapse:collapse;margin:4px 0 8px}td,th{border:1px solid #2c3235;padding:3px 8px;text-align:left}
        </style></head><body>
        <h1>Ferry lab: what each release strategy did to the clients</h1>
        <p class=note>mode: %s. MQTT scenarios: each chart starts when the template changed; connections per node and in
        total (top), reconnects per second (bottom). Request/response scenarios: requests per second answered OK and failed
        over the whole load (the release between the dashed marks), and requests per second answered by each pod the
        release created, on the path that honours warmup (it rises over the warmup where there is one). Schema-migration
        scenarios: requests per second answered OK and failed over the whole load, marked where the scenario released,
        rolled back or migrated (listed under the chart).</p>
        <p class=note id=brokers></p>
        %s
        <script>%s</script>
        <script>
        const report = %s;
        const e = report.settings && report.settings.emqx;
        if (e) {
          document.getElementById("brokers").textContent = "MQTT brokers: behaving as EMQX " + e.edition + " " + e.version
            + " (API " + e.api + ")" + (e.improvements.length ? ", KINDER THAN EMQX: " + e.improvements.join(", ")
            : ", as it is: one burst of the rate a second, flaws included")
            + (report.settings.kube ? ". Kubernetes: " + report.settings.kube + "." : "")
            + (report.settings.nodesWhy ? " " + report.settings.nodesWhy + "." : "");
        }
        const palette = ["#73bf69","#f2cc0c","#8ab8ff","#ff780a","#f2495c","#5794f2","#b877d9","#fade2a","#c4162a","#37872d"];
        function width(){ return Math.min(1100, document.body.clientWidth - 40); }
        function axes(){ const g={stroke:"#9fa1b0",grid:{stroke:"#2c3235"},ticks:{stroke:"#2c3235"}}; return [g,{...g,size:70}]; }
        report.scenarios.forEach((s, i) => {
          if (s.schema) {
            const q = s.schema, n = q.sentPerSecond.length, xs = Array.from({length:n}, (_, k) => k);
            const ok = xs.map(k => q.sentPerSecond[k] - q.failedPerSecond[k]);
            const top = Math.max(1, ...q.sentPerSecond);
            const at = new Set(q.events.map(e => e.second));
            const marks = xs.map(k => at.has(k) ? top : null);
            new uPlot({title:"requests per second (the marks: what the scenario did, listed below)", width:width(), height:220,
                       axes:axes(), scales:{x:{time:false}},
                       series:[{label:"s"}, {label:"ok/s", stroke:"#73bf69", width:1.5, points:{show:false}},
                               {label:"failed/s", stroke:"#f2495c", fill:"rgba(242,73,92,0.25)", width:1.5, points:{show:false}},
                               {label:"event", stroke:"#9fa1b0", dash:[4,4], width:1, points:{show:false}, spanGaps:false,
                                paths: uPlot.paths.bars({size:[0.05]})}]},
                      [xs, ok, Array.from(q.failedPerSecond), marks], document.getElementById("conn" + i));
            return;
          }
          if (s.requests) {
            const q = s.requests, n = q.sentPerSecond.length, xs = Array.from({length:n}, (_, k) => k);
            const ok = xs.map(k => q.sentPerSecond[k] - q.failedPerSecond[k]);
            const mark = {stroke:"#9fa1b0", dash:[4,4], width:1, points:{show:false}};
            const top = Math.max(1, ...q.sentPerSecond);
            const rel = xs.map(k => (k === q.releaseStartSecond || k === q.releaseEndSecond) ? top : null);
            new uPlot({title:"requests per second (all paths)", width:width(), height:220, axes:axes(), scales:{x:{time:false}},
                       series:[{label:"s"}, {label:"ok/s", stroke:"#73bf69", width:1.5, points:{show:false}},
                               {label:"failed/s", stroke:"#f2495c", fill:"rgba(242,73,92,0.25)", width:1.5, points:{show:false}},
                               {label:"release", ...mark, spanGaps:false, paths: uPlot.paths.bars({size:[0.05]})}]},
                      [xs, ok, Array.from(q.failedPerSecond), rel], document.getElementById("conn" + i));
            const pods = Object.keys(q.perNewPod);
            const from = Math.max(0, q.releaseStartSecond - 1), ys = xs.slice(from);
            new uPlot({title:"requests per second per new pod (" + q.warmupPath + (q.warmupSeconds ? ", warmup " + q.warmupSeconds + " s" : ", no warmup") + ")",
                       width:width(), height:220, axes:axes(), scales:{x:{time:false}},
                       series:[{label:"s"}].concat(pods.map((k, j) => ({label:k, stroke:palette[j %% palette.length], width:1.5, points:{show:false}})))},
                      [ys].concat(pods.map(k => ys.map(x => q.perNewPod[k][x]))), document.getElementById("recon" + i));
            return;
          }
          const t = s.timeline, n = t.connected.length, xs = Array.from({length:n}, (_, k) => k);
          const nodes = Object.keys(t.connectionsPerNode);
          const data = [xs, Array.from(t.connected)].concat(nodes.map(k => Array.from(t.connectionsPerNode[k], v => v < 0 ? null : v)));
          const series = [{label:"s"}, {label:"total", stroke:"#ffffff", width:2, points:{show:false}}]
            .concat(nodes.map((k, j) => ({label:k, stroke:palette[j %% palette.length], width:1.5, points:{show:false}})));
          new uPlot({title:"connections", width:width(), height:260, series, axes:axes(), scales:{x:{time:false}}},
                    data, document.getElementById("conn" + i));
          new uPlot({title:"reconnects per second", width:width(), height:160, axes:axes(), scales:{x:{time:false}},
                     series:[{label:"s"}, {label:"reconnects/s", stroke:"#f2495c", fill:"rgba(242,73,92,0.25)", width:1.5, points:{show:false}}]},
                    [xs, Array.from(t.reconnects)], document.getElementById("recon" + i));
        });
        </script></body></html>
        """.formatted(resource(UPLOT + "uPlot.min.css"), esc(mode), cards, resource(UPLOT + "uPlot.iife.min.js"),
            json.replace("</", "<\\/"));
  }

  private static String requestCard(ScenarioReport r, int i) {
    StringBuilder c = new StringBuilder();
    c.append("<section><h2>").append(esc(r.scenario())).append("</h2><p>").append(esc(r.description()))
        .append("</p><div class=figs>")
        .append(fig("requests sent", String.valueOf(r.requestsSent())))
        .append(fig("requests failed", String.valueOf(r.requestsFailed())))
        .append(fig("p99 (worst path)", String.format(Locale.ROOT, "%.1f ms", r.p99Ms())))
        .append(fig("rate per path", String.format(Locale.ROOT, "%.0f/s", r.requests().ratePerSecond())))
        .append(fig("release", r.durationSeconds() + "s"))
        .append("</div><table><tr><th>path</th><th>via</th><th>sent</th><th>failed</th><th>errors</th><th>p50 ms</th><th>p99 ms</th></tr>");
    r.requests().paths().forEach((name, p) -> c.append("<tr><td>").append(esc(name)).append("</td><td>").append(esc(p.via()))
        .append("</td><td>").append(p.sent()).append("</td><td>").append(p.failed()).append("</td><td>")
        .append(esc(p.errors().isEmpty() ? "-" : p.errors().toString())).append("</td><td>")
        .append(String.format(Locale.ROOT, "%.1f", p.p50Ms())).append("</td><td>")
        .append(String.format(Locale.ROOT, "%.1f", p.p99Ms())).append("</td></tr>"));
    c.append("</table><div class=chart id=conn").append(i).append("></div><div class=chart id=recon").append(i)
        .append("></div></section>\n");
    return c.toString();
  }

  private static String schemaCard(ScenarioReport r, int i) {
    ScenarioReport.Schema s = r.schema();
    StringBuilder c = new StringBuilder();
    c.append("<section><h2>").append(esc(r.scenario())).append("</h2><p>").append(esc(r.description()))
        .append("</p><div class=figs>")
        .append(fig("versions", String.join(" → ", s.versions())))
        .append(fig("requests", String.valueOf(s.requestsTotal())))
        .append(fig("requests failed", String.valueOf(s.requestsFailed())))
        .append(fig("failed by kind", s.failedByKind().isEmpty() ? "-" : s.failedByKind().toString()))
        .append(fig("acknowledged writes", String.valueOf(s.acknowledgedWrites())))
        .append(fig("inconsistent rows", String.valueOf(s.inconsistentRows())))
        .append(fig("lost rows", String.valueOf(s.lostRows())))
        .append(fig("duration", r.durationSeconds() + "s"))
        .append("</div><div class=chart id=conn").append(i).append("></div>")
        .append("<table><tr><th>rollback</th><th>when</th><th>outcome</th><th>failed during</th><th>took</th>"
            + "<th>detail</th></tr>");
    for (ScenarioReport.Rollback b : s.rollbacks()) {
      c.append("<tr><td>").append(esc(b.from() + " → " + b.to())).append("</td><td>").append(esc(b.when()))
          .append("</td><td><b>").append(esc(b.outcome())).append("</b></td><td>").append(b.requestsFailedDuring())
          .append("</td><td>").append(String.format(Locale.ROOT, "%.1f s", b.seconds())).append("</td><td>")
          .append(esc(b.detail() == null ? "" : b.detail())).append("</td></tr>");
    }
    c.append("</table><table><tr><th>step</th><th>schema</th><th>requests failed</th><th>took</th></tr>");
    for (ScenarioReport.Step st : s.steps()) {
      c.append("<tr><td>").append(esc(st.from() + " → " + st.to())).append("</td><td>").append(esc(st.schemaPhase()))
          .append("</td><td>").append(st.requestsFailed()).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.1f s", st.seconds())).append("</td></tr>");
    }
    c.append("</table><table><tr><th>second</th><th>what the scenario did</th></tr>");
    for (ScenarioReport.Event e : s.events()) {
      c.append("<tr><td>").append(e.second()).append("</td><td>").append(esc(e.what())).append("</td></tr>");
    }
    c.append("</table>");
    if (!s.failedDetails().isEmpty()) {
      c.append("<p class=note>").append(esc(String.join("; ", s.failedDetails()))).append("</p>");
    }
    c.append("<p class=note>database: ").append(esc(s.database())).append("</p></section>\n");
    return c.toString();
  }

  private static String fig(String label, String value) {
    return "<div class=fig>" + esc(label) + "<b>" + esc(value) + "</b></div>";
  }

  private static String resource(String path) throws IOException {
    try (InputStream in = ReportWriter.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException("missing " + path + " (the uPlot webjar)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
