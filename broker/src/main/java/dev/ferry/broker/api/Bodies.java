package dev.ferry.broker.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.broker.evacuation.EvacuationParams;
import dev.ferry.broker.evacuation.RebalanceParams;
import dev.ferry.core.rebalance.Thresholds;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the start bodies of evacuation and rebalance the way EMQX does: every field optional,
 * unknown fields rejected, each error naming its field. Defaults are EMQX's.
 */
public final class Bodies {

  /** A body EMQX would answer 400 BAD_REQUEST to. */
  public static final class BadBody extends Exception {
    public BadBody(String message) {
      super(message);
    }
  }

  private static final int DEFAULT_RATE = 500;
  private static final long DEFAULT_WAIT = 60;
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

  private static final Set<String> EVACUATION_FIELDS = Set.of(
      "conn_evict_rate", "sess_evict_rate", "wait_takeover", "wait_health_check", "migrate_to", "redirect_to");
  private static final Set<String> REBALANCE_FIELDS = Set.of(
      "conn_evict_rate", "sess_evict_rate", "wait_takeover", "wait_health_check", "abs_conn_threshold",
      "rel_conn_threshold", "abs_sess_threshold", "rel_sess_threshold", "nodes",
      // 5.9 and later (the API refuses them before): checked, then left to the lab's own RPC timeout.
      "conn_evict_rpc_timeout", "sess_evict_rpc_timeout");

  private Bodies() {}

  public static EvacuationParams evacuation(JsonNode body) throws BadBody {
    body = object(body, EVACUATION_FIELDS);
    List<String> migrateTo = nodes(body, "migrate_to");
    JsonNode r = body.get("redirect_to");
    if (r != null && !r.isNull() && !r.isTextual()) {
      throw new BadBody("redirect_to: must be a string");
    }
    String redirect = r == null || r.isNull() || r.asText().isEmpty() ? null : r.asText();
    return new EvacuationParams(
        rate(body, "conn_evict_rate"), rate(body, "sess_evict_rate"),
        seconds(body, "wait_takeover"), seconds(body, "wait_health_check"), migrateTo, redirect);
  }

  public static RebalanceParams rebalance(JsonNode body) throws BadBody {
    body = object(body, REBALANCE_FIELDS);
    for (String f : List.of("conn_evict_rpc_timeout", "sess_evict_rpc_timeout")) {
      seconds(body, f);
    }
    return new RebalanceParams(
        rate(body, "conn_evict_rate"), rate(body, "sess_evict_rate"),
        seconds(body, "wait_takeover"), seconds(body, "wait_health_check"),
        new Thresholds(absolute(body, "abs_conn_threshold"), relative(body, "rel_conn_threshold")),
        new Thresholds(absolute(body, "abs_sess_threshold"), relative(body, "rel_sess_threshold")),
        nodes(body, "nodes"));
  }

  private static JsonNode object(JsonNode body, Set<String> allowed) throws BadBody {
    if (body == null || body.isNull() || body.isMissingNode()) {
      return ApiResult.JSON.createObjectNode();
    }
    if (!body.isObject()) {
      throw new BadBody("request body must be a JSON object");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      String f = it.next().getKey();
      if (!allowed.contains(f)) {
        throw new BadBody(f + ": unknown field");
      }
    }
    return body;
  }

  private static int rate(JsonNode body, String field) throws BadBody {
    JsonNode n = body.get(field);
    if (n == null) {
      return DEFAULT_RATE;
    }
    if (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > Integer.MAX_VALUE) {
      throw new BadBody(field + ": must be a positive integer");
    }
    return n.asInt();
  }

  /** Integer seconds, or a string like "10s", "500ms", "2m" (rounded up to whole seconds). */
  static long seconds(JsonNode body, String field) throws BadBody {
    JsonNode n = body.get(field);
    if (n == null) {
      return DEFAULT_WAIT;
    }
    if (n.isIntegralNumber() && n.asLong() >= 0) {
      return n.asLong();
    }
    if (n.isTextual()) {
      Matcher m = DURATION.matcher(n.asText().trim());
      if (m.matches()) {
        long v = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
          case "ms" -> (v + 999) / 1000;
          case "m" -> v * 60;
          case "h" -> v * 3600;
          default -> v;
        };
      }
    }
    throw new BadBody(field + ": must be a non-negative integer of seconds or a duration like \"10s\"");
  }

  private static double absolute(JsonNode body, String field) throws BadBody {
    JsonNode n = body.get(field);
    if (n == null) {
      return 1000;
    }
    if (!n.isNumber() || n.asDouble() < 0) {
      throw new BadBody(field + ": must be a non-negative number");
    }
    return n.asDouble();
  }

  private static double relative(JsonNode body, String field) throws BadBody {
    JsonNode n = body.get(field);
    if (n == null) {
      return 1.1;
    }
    if (!n.isNumber() || !(n.asDouble() > 1.0)) {
      throw new BadBody(field + ": must be a number greater than 1.0");
    }
    return n.asDouble();
  }

  private static List<String> nodes(JsonNode body, String field) throws BadBody {
    JsonNode n = body.get(field);
    if (n == null) {
      return List.of();
    }
    if (!n.isArray() || n.isEmpty()) {
      throw new BadBody(field + ": must be a non-empty list of node names");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual() || e.asText().isEmpty()) {
        throw new BadBody(field + ": must be a non-empty list of node names");
      }
      out.add(e.asText());
    }
    return out;
  }
}
