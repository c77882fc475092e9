package dev.ferry.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A {@link CheckResult} as a table for people, or as JSON or YAML for programs. */
public final class Report {
  private Report() {}

  static final int WHAT_WIDTH = 50;
  static final int FIX_WIDTH = 60;

  /**
   * One row per risk (RISK, OBJECT, WHAT, FIX; long text wrapped, rows apart), then what was skipped, then a
   * summary line with the assumptions. A clean result says so and names what was checked.
   */
  public static String table(CheckResult r) {
    StringBuilder out = new StringBuilder();
    if (!r.findings().isEmpty()) {
      int riskW = Math.max(4, r.findings().stream().mapToInt(f -> f.risk().id().length()).max().orElse(0));
      int objW = Math.max(6, r.findings().stream().mapToInt(f -> f.object().display().length()).max().orElse(0));
      row(out, new int[] {riskW, objW, WHAT_WIDTH, FIX_WIDTH}, "RISK", "OBJECT", "WHAT", "FIX");
      for (Finding f : r.findings()) {
        out.append('\n'); // a blank line between rows: they wrap over several lines
        row(out, new int[] {riskW, objW, WHAT_WIDTH, FIX_WIDTH}, f.risk().id(), f.object().display(), f.what(),
            f.fix());
      }
      out.append('\n');
    }
    skipped(out, r.skipped());
    long objects = r.findings().stream().map(Finding::object).distinct().count();
    if (r.clean()) {
      out.append("No traffic-loss risk found in ").append(r.checked().size()).append(r.checked().size() == 1
          ? " object: " : " objects: ").append(String.join(", ", r.checked().stream().map(ObjectRef::display)
              .toList()));
    } else {
      out.append(r.findings().size()).append(r.findings().size() == 1 ? " risk" : " risks").append(" in ")
          .append(objects).append(objects == 1 ? " object" : " objects").append(" (").append(r.checked().size())
          .append(" checked)");
    }
    if (!r.ignored().isEmpty()) {
      out.append("; ").append(r.ignored().size()).append(" ignored (--ignore or ").append(Checker.IGNORE_ANNOTATION)
          .append(")");
    }
    out.append(".\nAssumed: endpoint changes propagate in ").append(r.options().propagationSeconds())
        .append("s (--propagation-seconds), apps shut down in ").append(r.options().shutdownSeconds())
        .append("s (--shutdown-seconds) unless the object says. Why each risk loses requests: docs/check.md\n");
    return out.toString();
  }

  /** Above this many, skipped objects are counted by kind and reason rather than listed one by one. */
  static final int SKIPPED_LISTED = 20;

  private static void skipped(StringBuilder out, List<Skipped> skipped) {
    if (skipped.size() <= SKIPPED_LISTED) {
      for (Skipped s : skipped) {
        out.append("skipped ").append(s.display()).append(" (").append(s.source()).append("): ").append(s.reason())
            .append('\n');
      }
      return;
    }
    // A large input skips thousands of ConfigMaps: their count says as much as their list (-o json has it).
    Map<String, Long> counts = skipped.stream().collect(Collectors.groupingBy(
        s -> s.kind() + " (" + s.reason() + ")", LinkedHashMap::new, Collectors.counting()));
    out.append("skipped ").append(skipped.size()).append(" objects (-o json lists them): ")
        .append(String.join(", ", counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList()))
        .append('\n');
  }

  private static void row(StringBuilder out, int[] widths, String... cells) {
    List<List<String>> wrapped = new ArrayList<>();
    int lines = 0;
    for (int i = 0; i < cells.length; i++) {
      List<String> w = i < 2 ? List.of(cells[i]) : wrap(cells[i], widths[i]);
      wrapped.add(w);
      lines = Math.max(lines, w.size());
    }
    for (int l = 0; l < lines; l++) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < cells.length; i++) {
        String text = l < wrapped.get(i).size() ? wrapped.get(i).get(l) : "";
        line.append(text);
        if (i < cells.length - 1) {
          line.append(" ".repeat(Math.max(0, widths[i] - text.length()) + 2));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }

  /** Words wrapped to lines of at most {@code width} characters (a longer word gets a line of its own). */
  static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0 || lines.isEmpty()) {
      lines.add(line.toString());
    }
    return lines;
  }

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final YAMLMapper YAML = new YAMLMapper()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES);

  /**
   * {@code {"clean", "findings": [{risk, object: {kind, namespace, name, source}, container, what, fix,
   * patch}], "ignored": [...], "checked": [{kind, namespace, name, source}], "skipped": [{apiVersion,
   * kind, name, source, reason}], "assumptions": {propagationSeconds, shutdownSeconds}}}.
   */
  public static String json(CheckResult r) {
    return write(JSON, r) + "\n";
  }

  /** The same as {@link #json}, as YAML: a finding's {@code patch} reads as the YAML to merge. */
  public static String yaml(CheckResult r) {
    return write(YAML, r);
  }

  private static String write(ObjectMapper mapper, CheckResult r) {
    try {
      return mapper.writeValueAsString(tree(r));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode tree(CheckResult r) {
    ObjectNode root = JSON.createObjectNode();
    root.put("clean", r.clean());
    ArrayNode findings = root.putArray("findings");
    r.findings().forEach(f -> findings.add(finding(f)));
    ArrayNode ignored = root.putArray("ignored");
    r.ignored().forEach(f -> ignored.add(finding(f)));
    ArrayNode checked = root.putArray("checked");
    r.checked().forEach(o -> checked.add(JSON.valueToTree(o)));
    ArrayNode skipped = root.putArray("skipped");
    r.skipped().forEach(s -> skipped.add(JSON.valueToTree(s)));
    ObjectNode a = root.putObject("assumptions");
    a.put("propagationSeconds", r.options().propagationSeconds());
    a.put("shutdownSeconds", r.options().shutdownSeconds());
    return root;
  }

  private static ObjectNode finding(Finding f) {
    ObjectNode n = JSON.createObjectNode();
    n.put("risk", f.risk().id());
    n.set("object", JSON.valueToTree(f.object()));
    n.put("container", f.container());
    n.put("what", f.what());
    n.put("fix", f.fix());
    n.set("patch", f.patch());
    return n;
  }
}
