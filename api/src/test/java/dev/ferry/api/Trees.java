package dev.ferry.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** YAML and objects as JSON trees, and what of one tree is missing from another. */
final class Trees {

  private Trees() {}

  static JsonNode parse(String yaml) {
    return Serialization.unmarshal(yaml, JsonNode.class);
  }

  /** The object as the Kubernetes client would send it. */
  static JsonNode of(Object object) {
    return Serialization.unmarshal(Serialization.asJson(object), JsonNode.class);
  }

  /**
   * Every value in {@code original} that {@code copy} does not hold at the same place; extra values in
   * the copy (defaults) are fine. Numbers compare by value, so 5 and 5.0 are the same.
   */
  static List<String> missing(JsonNode original, JsonNode copy) {
    List<String> missing = new ArrayList<>();
    collectMissing(original, copy, "", missing);
    return missing;
  }

  private static void collectMissing(JsonNode original, JsonNode copy, String path, List<String> missing) {
    if (copy == null || copy.isMissingNode()) {
      missing.add(path + " (absent)");
    } else if (original.isObject()) {
      for (Map.Entry<String, JsonNode> field : original.properties()) {
        collectMissing(field.getValue(), copy.get(field.getKey()), path + "." + field.getKey(), missing);
      }
    } else if (original.isArray()) {
      if (!copy.isArray() || copy.size() != original.size()) {
        missing.add(path + " (was " + original + ", is " + copy + ")");
        return;
      }
      for (int i = 0; i < original.size(); i++) {
        collectMissing(original.get(i), copy.get(i), path + "[" + i + "]", missing);
      }
    } else if (original.isNumber() && copy.isNumber()) {
      if (original.decimalValue().compareTo(copy.decimalValue()) != 0) {
        missing.add(path + " (was " + original + ", is " + copy + ")");
      }
    } else if (!original.equals(copy)) {
      missing.add(path + " (was " + original + ", is " + copy + ")");
    }
  }
}
