package dev.ferry.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The part of the API server's CRD validation that the examples and tests need: types, required
 * fields, enums, minimum and maximum, patterns, lengths, and fields the schema does not know (which
 * the API server would silently drop). CEL rules (x-kubernetes-validations) are not evaluated.
 */
final class SchemaValidator {

  private SchemaValidator() {}

  /** Problems with a whole resource ({@code spec} and {@code status}) against its CRD's schema. */
  static List<String> validate(JsonNode resource, JSONSchemaProps rootSchema) {
    List<String> problems = new ArrayList<>();
    for (String part : List.of("spec", "status")) {
      if (resource.has(part)) {
        check(resource.get(part), rootSchema.getProperties().get(part), part, problems);
      }
    }
    return problems;
  }

  private static void check(JsonNode value, JSONSchemaProps schema, String path, List<String> problems) {
    if (value.isNull()) {
      if (!Boolean.TRUE.equals(schema.getNullable())) {
        problems.add(path + ": must not be null");
      }
      return;
    }
    if (Boolean.TRUE.equals(schema.getXKubernetesIntOrString())) {
      if (!value.isIntegralNumber() && !value.isTextual()) {
        problems.add(path + ": must be an integer or a string");
      }
      return;
    }
    String type = schema.getType();
    if (type == null) {
      return; // untyped, e.g. x-kubernetes-preserve-unknown-fields
    }
    switch (type) {
      case "object" -> checkObject(value, schema, path, problems);
      case "array" -> checkArray(value, schema, path, problems);
      case "string" -> checkString(value, schema, path, problems);
      case "integer" -> checkNumber(value, value.isIntegralNumber(), schema, path, problems);
      case "number" -> checkNumber(value, value.isNumber(), schema, path, problems);
      case "boolean" -> {
        if (!value.isBoolean()) {
          problems.add(path + ": must be a boolean");
        }
      }
      default -> problems.add(path + ": unknown schema type " + type);
    }
  }

  private static void checkObject(JsonNode value, JSONSchemaProps schema, String path, List<String> problems) {
    if (!value.isObject()) {
      problems.add(path + ": must be an object");
      return;
    }
    if (schema.getRequired() != null) {
      for (String required : schema.getRequired()) {
        if (!value.has(required)) {
          problems.add(path + "." + required + ": required");
        }
      }
    }
    Map<String, JSONSchemaProps> properties = schema.getProperties();
    JSONSchemaProps mapValues = schema.getAdditionalProperties() == null ? null
        : schema.getAdditionalProperties().getSchema();
    for (Map.Entry<String, JsonNode> field : value.properties()) {
      String fieldPath = path + "." + field.getKey();
      if (properties != null && properties.containsKey(field.getKey())) {
        check(field.getValue(), properties.get(field.getKey()), fieldPath, problems);
      } else if (mapValues != null) {
        check(field.getValue(), mapValues, fieldPath, problems);
      } else if (!Boolean.TRUE.equals(schema.getXKubernetesPreserveUnknownFields())) {
        problems.add(fieldPath + ": unknown field (the API server would drop it)");
      }
    }
  }

  private static void checkArray(JsonNode value, JSONSchemaProps schema, String path, List<String> problems) {
    if (!value.isArray()) {
      problems.add(path + ": must be an array");
      return;
    }
    for (int i = 0; i < value.size(); i++) {
      check(value.get(i), schema.getItems().getSchema(), path + "[" + i + "]", problems);
    }
  }

  private static void checkString(JsonNode value, JSONSchemaProps schema, String path, List<String> problems) {
    if (!value.isTextual()) {
      problems.add(path + ": must be a string");
      return;
    }
    String text = value.asText();
    if (schema.getEnum() != null && !schema.getEnum().isEmpty()
        && schema.getEnum().stream().noneMatch(allowed -> allowed.asText().equals(text))) {
      problems.add(path + ": '" + text + "' is not one of " + schema.getEnum());
    }
    // OpenAPI patterns are searches, not whole-string matches; ours anchor themselves.
    if (schema.getPattern() != null && !Pattern.compile(schema.getPattern()).matcher(text).find()) {
      problems.add(path + ": '" + text + "' does not match " + schema.getPattern());
    }
    if (schema.getMinLength() != null && text.length() < schema.getMinLength()) {
      problems.add(path + ": shorter than " + schema.getMinLength());
    }
    if (schema.getMaxLength() != null && text.length() > schema.getMaxLength()) {
      problems.add(path + ": longer than " + schema.getMaxLength());
    }
  }

  private static void checkNumber(JsonNode value, boolean rightType, JSONSchemaProps schema, String path,
      List<String> problems) {
    if (!rightType) {
      problems.add(path + ": must be of type " + schema.getType());
      return;
    }
    double number = value.asDouble();
    if (schema.getMinimum() != null && number < schema.getMinimum()) {
      problems.add(path + ": " + value + " is below the minimum " + schema.getMinimum());
    }
    if (schema.getMaximum() != null && number > schema.getMaximum()) {
      problems.add(path + ": " + value + " is above the maximum " + schema.getMaximum());
    }
  }
}
