package dev.ferry.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A fix as YAML to merge into the object it is about, the way {@code kubectl patch} merges a
 * strategic merge patch: mappings merge key by key, {@code null} removes a key, lists of mappings
 * that have a {@code name} (containers, env) merge item by item by name, other lists are replaced.
 *
 * <p>{@link Checker} judges the grace period on the object with its other fixes merged in, with
 * {@link #merge}: so the fixes of one run, applied together, leave nothing for the next run.
 */
public final class Patch {
  private Patch() {}

  /** Where a value stands when the object does not say what it should be, e.g. a port it does not declare. */
  public static boolean isPlaceholder(String s) {
    return s != null && s.startsWith("<") && s.endsWith(">");
  }

  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** {@code {spec: {template: {spec: {containers: [{name: container, ...fields}]}}}}}. */
  static ObjectNode container(String container, ObjectNode fields) {
    ObjectNode c = object().put("name", container);
    c.setAll(fields);
    ObjectNode root = object();
    root.putObject("spec").putObject("template").putObject("spec").putArray("containers").add(c);
    return root;
  }

  /** {@code {spec: {template: {spec: {field: value}}}}}. */
  static ObjectNode podSpec(String field, long value) {
    ObjectNode root = object();
    root.putObject("spec").putObject("template").putObject("spec").put(field, value);
    return root;
  }

  /** {@code {spec: {lifecycle: {field: value}}}}: a LosslessDeployment's lifecycle. */
  static ObjectNode lifecycle(String field, JsonNode value) {
    ObjectNode root = object();
    root.putObject("spec").putObject("lifecycle").set(field, value);
    return root;
  }

  static ObjectNode spec(String field, String value) {
    ObjectNode root = object();
    root.putObject("spec").put(field, value);
    return root;
  }

  static ObjectNode annotation(String key, String value) {
    ObjectNode root = object();
    root.putObject("metadata").putObject("annotations").put(key, value);
    return root;
  }

  private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("-?[A-Za-z_/<][\\w./<>-]*");
  private static final java.util.Set<String> NOT_STRINGS = java.util.Set.of("true", "false", "null", "yes", "no",
      "on", "off", "~");

  /** The patch as YAML in flow style, for one line of text: {@code {preStop: {sleep: {seconds: 5}}}}. */
  static String flow(JsonNode n) {
    if (n.isObject()) {
      List<String> fields = new ArrayList<>();
      n.fields().forEachRemaining(f -> fields.add(f.getKey() + ": " + flow(f.getValue())));
      return "{" + String.join(", ", fields) + "}";
    }
    if (n.isArray()) {
      List<String> items = new ArrayList<>();
      n.forEach(i -> items.add(flow(i)));
      return "[" + String.join(", ", items) + "]";
    }
    if (n.isTextual()) {
      String s = n.asText();
      boolean plain = PLAIN.matcher(s).matches() && !NOT_STRINGS.contains(s.toLowerCase(java.util.Locale.ROOT));
      return plain ? s : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    return n.isNull() ? "null" : n.asText();
  }

  /** Merges {@code patch} into {@code target} (changed in place) and returns it. */
  public static ObjectNode merge(ObjectNode target, JsonNode patch) {
    Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      JsonNode value = f.getValue();
      JsonNode current = target.get(f.getKey());
      if (value.isNull()) {
        target.remove(f.getKey());
      } else if (value.isObject() && current instanceof ObjectNode o) {
        merge(o, value);
      } else if (value.isArray() && current instanceof ArrayNode a && byName(value) && byName(a)) {
        mergeByName(a, value);
      } else {
        target.set(f.getKey(), value.deepCopy());
      }
    }
    return target;
  }

  private static boolean byName(JsonNode list) {
    for (JsonNode item : list) {
      if (!item.isObject() || !item.path("name").isTextual()) {
        return false;
      }
    }
    return true;
  }

  private static void mergeByName(ArrayNode target, JsonNode patch) {
    List<JsonNode> added = new ArrayList<>();
    for (JsonNode item : patch) {
      ObjectNode same = null;
      for (JsonNode t : target) {
        if (t.path("name").asText().equals(item.path("name").asText())) {
          same = (ObjectNode) t;
        }
      }
      if (same != null) {
        merge(same, item);
      } else {
        added.add(item.deepCopy());
      }
    }
    added.forEach(target::add);
  }
}
