package dev.ferry.broker.api;

import static dev.ferry.broker.api.DialectRoutes.done;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.broker.api.ApiBackend.NodeState;
import dev.ferry.broker.api.Route.Op;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * EMQX Enterprise 4.4's {@code /api/v4} on its management listener, as minirest 0.3 and the
 * {@code emqx_node_rebalance} plugin answer it:
 * <ul>
 *   <li>unknown paths 404 with the text {@code Not found.}, before any authentication; a 4.x
 *       without the plugin (Opensource) has no {@code load_rebalance} paths at all;
 *   <li>any failed basic auth 401 with the text {@code UNAUTHORIZED} (management apps have no roles);
 *   <li>application errors are HTTP 200 {@code {"code":400,"message":...}}, success
 *       {@code {"code":0,"data":[]}}; {@code /nodes} is wrapped the same way, lists running nodes
 *       only, with {@code node_status} "Running";
 *   <li>{@code global_status} is not wrapped: top-level lists (or, with the profile's
 *       {@code keyedV4GlobalStatus}, objects keyed by node name as early 4.4 builds had them);
 *   <li>{@code availability_check} is 200 {@code {}} or 503 {@code {}}, public from 4.4.24;
 *   <li>path segments are taken as they come, not URL-decoded.
 * </ul>
 */
final class V4Routes implements DialectRoutes {

  private static final String PREFIX = "/api/v4/";
  private static final String OTP_RELEASE = "24.3.4.2-2/12.3.2.2";

  private final ApiBackend backend;
  private final ApiAuth auth;

  V4Routes(ApiBackend backend, ApiAuth auth) {
    this.backend = backend;
    this.auth = auth;
  }

  private EmqxProfile profile() {
    return backend.profile();
  }

  @Override
  public CompletableFuture<HttpReply> handle(ApiRequest req) {
    if (!req.path().startsWith(PREFIX)) {
      return done(notFound());
    }
    Route route = Route.match(req.method(), List.of(req.path().substring(PREFIX.length()).split("/", -1)));
    if (route == null || route.op() == Op.STATUS || route.op() == Op.NODE
        || (route.op().loadRebalance() && !profile().hasNodeEvacuation())) {
      return done(notFound());
    }
    boolean publicCheck = route.op() == Op.AVAILABILITY && !profile().availabilityCheckNeedsAuth();
    if (!publicCheck && !authorized(req.authorization())) {
      return done(HttpReply.text(401, "UNAUTHORIZED").withHeader("WWW-Authenticate", "Basic Realm=\"minirest-server\""));
    }
    return switch (route.op()) {
      case NODES -> backend.onBroker(() -> HttpReply.json(200, nodes(backend.agent().nodes())));
      case LOCAL_STATUS -> backend.onBroker(() -> HttpReply.json(200, backend.agent().localStatus()));
      case GLOBAL_STATUS -> backend.onBroker(() -> HttpReply.json(200, globalStatus(backend.agent().globalStatus())));
      case AVAILABILITY -> backend.onBroker(() -> HttpReply.json(backend.agent().available() ? 200 : 503,
          ApiResult.JSON.createObjectNode()));
      default -> operation(route, req);
    };
  }

  private boolean authorized(String header) {
    ApiAuth.Caller c = auth.check(header);
    return c == ApiAuth.Caller.ADMIN || c == ApiAuth.Caller.VIEWER;
  }

  private static HttpReply notFound() {
    return HttpReply.text(404, "Not found.");
  }

  private static ObjectNode ok(JsonNode data) {
    ObjectNode o = ApiResult.JSON.createObjectNode().put("code", 0);
    o.set("data", data);
    return o;
  }

  private static HttpReply failure(String message) {
    return HttpReply.json(200, ApiResult.JSON.createObjectNode().put("code", 400).put("message", message));
  }

  // ---- nodes and status ------------------------------------------------------------------------

  /** 4.4 lists running nodes only (its stopped entries do not fit the API's list comprehension). */
  private ObjectNode nodes(List<ObjectNode> entries) {
    ArrayNode data = ApiResult.JSON.createArrayNode();
    for (ObjectNode n : entries) {
      if (!"running".equals(n.path("node_status").asText())) {
        continue;
      }
      data.addObject()
          .put("node", n.path("node").asText())
          .put("node_status", "Running")
          .put("otp_release", OTP_RELEASE)
          .put("version", n.path("version").asText(profile().version()))
          .put("uptime", uptime(n.path("uptime").asLong()))
          .put("connections", n.path("connections").asLong())
          .put("max_fds", 1048576)
          .put("process_available", 2097152)
          .put("process_used", 500 + n.path("connections").asLong())
          .put("memory_total", "512.00M")
          .put("memory_used", "256.00M")
          .put("load1", "0.10")
          .put("load5", "0.10")
          .put("load15", "0.10");
    }
    return ok(data);
  }

  /** EMQX 4's uptime text: "7 seconds", "2 minutes, 5 seconds", "1 days, 3 hours, 0 minutes, 2 seconds". */
  static String uptime(long millis) {
    long s = millis / 1000;
    long[] values = {s / 86400, s / 3600 % 24, s / 60 % 60, s % 60};
    String[] units = {"days", "hours", "minutes", "seconds"};
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      if (!parts.isEmpty() || values[i] > 0 || i == values.length - 1) {
        parts.add(values[i] + " " + units[i]);
      }
    }
    return String.join(", ", parts);
  }

  private JsonNode globalStatus(ObjectNode status) {
    status.remove("purges"); // 4.4 has no purge
    if (!profile().keyedV4GlobalStatus()) {
      return status;
    }
    ObjectNode keyed = ApiResult.JSON.createObjectNode();
    for (String list : List.of("evacuations", "rebalances")) {
      ObjectNode byNode = keyed.putObject(list);
      for (JsonNode e : status.withArray(list)) {
        ObjectNode entry = ((ObjectNode) e).deepCopy();
        String node = entry.remove("node").asText();
        byNode.set(node, entry);
      }
    }
    return keyed;
  }

  // ---- start and stop --------------------------------------------------------------------------

  private CompletableFuture<HttpReply> operation(Route route, ApiRequest req) {
    JsonNode params;
    try {
      params = req.hasBody() ? ApiResult.JSON.readTree(req.body()) : ApiResult.JSON.createObjectNode();
    } catch (Exception e) {
      return done(HttpReply.text(400, "Bad Request"));
    }
    if (!params.isObject()) {
      return done(HttpReply.text(500, "Internal Error"));
    }
    if (route.op().start()) {
      String problem = V4Params.problem((ObjectNode) params, route.op() == Op.EVACUATION_START);
      if (problem != null) {
        return done(failure(problem));
      }
    }
    JsonNode body = route.op() == Op.EVACUATION_START
        ? ((ObjectNode) params).deepCopy().put("wait_health_check", 0) // 4.4 evacuates at once
        : params;
    String node = route.node();
    String listField = route.op() == Op.EVACUATION_START ? "migrate_to" : "nodes";
    return backend.call(node, route.op().agentOperation(), route.op().start() ? body : null, state -> switch (state) {
          case UNKNOWN -> ApiResult.badRequest("invalid node: " + node);
          case DOWN -> ApiResult.rpcError(node);
          case RUNNING -> null;
        })
        .thenApply(r -> reply(r, node, listField, params.path(listField)));
  }

  private static final Pattern REFUSAL = Pattern.compile("error on node '[^']*': (.*)");

  /** The agent's answer as the 4.4 plugin words it, all errors as HTTP 200 with code 400. */
  private static HttpReply reply(ApiResult r, String node, String listField, JsonNode requested) {
    if (r.status() == 200) {
      return HttpReply.json(200, ok(ApiResult.JSON.createArrayNode()));
    }
    String code = r.body().path("code").asText();
    String message = r.body().path("message").asText();
    if (r.status() == 503 || r.status() == 404) {
      return failure("Error communicating with node " + atom(node));
    }
    if (r.status() >= 500) {
      return HttpReply.text(500, "Internal Error");
    }
    Matcher refusal = REFUSAL.matcher(message);
    if (refusal.matches()) {
      return failure(refusal.group(1));
    }
    if (message.startsWith("Invalid nodes: ")) {
      return failure("invalid node: " + message.substring("Invalid nodes: ".length()).split(", ")[0]);
    }
    if ("NOT_FOUND".equals(code) && message.startsWith("Nodes unavailable: ")) {
      List<String> unavailable = List.of(message.substring("Nodes unavailable: ".length()).split(", "));
      return failure(unavailable.size() >= requested.size()
          ? "no available nodes list in " + listField + ": " + atoms(requested)
          : "unavailable nodes in " + listField + ": " + atoms(unavailable));
    }
    return failure(message);
  }

  private static String atom(String node) {
    return "'" + node + "'";
  }

  private static String atoms(Iterable<?> nodes) {
    List<String> out = new ArrayList<>();
    nodes.forEach(n -> out.add(atom(n instanceof JsonNode j ? j.asText() : n.toString())));
    return "[" + String.join(",", out) + "]";
  }

  /** The plugin's parameter checks, in body order, with its messages. */
  static final class V4Params {
    private static final List<String> EVACUATION_INTEGERS = List.of("conn_evict_rate", "sess_evict_rate", "wait_takeover");
    private static final List<String> REBALANCE_INTEGERS = List.of(
        "wait_health_check", "conn_evict_rate", "sess_evict_rate", "abs_conn_threshold", "abs_sess_threshold", "wait_takeover");
    private static final List<String> FRACTIONS = List.of("rel_conn_threshold", "rel_sess_threshold");

    private V4Params() {}

    /** The first problem of a start body, or null. */
    static String problem(ObjectNode params, boolean evacuation) {
      for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        String problem = evacuation ? evacuationParam(f.getKey(), f.getValue()) : rebalanceParam(f.getKey(), f.getValue());
        if (problem != null) {
          return problem;
        }
      }
      return null;
    }

    private static String evacuationParam(String name, JsonNode value) {
      if (EVACUATION_INTEGERS.contains(name)) {
        return positiveInteger(name, value);
      }
      if (name.equals("redirect_to")) {
        return value.isTextual() ? null : "invalid string in server_reference";
      }
      if (name.equals("migrate_to")) {
        return nodeList(name, value);
      }
      return "Unknown evacuation param: " + term(name, value);
    }

    private static String rebalanceParam(String name, JsonNode value) {
      if (REBALANCE_INTEGERS.contains(name)) {
        return positiveInteger(name, value);
      }
      if (FRACTIONS.contains(name)) {
        return value.isNumber() && value.asDouble() > 1.0 ? null : "invalid " + name + " value";
      }
      if (name.equals("nodes")) {
        return nodeList(name, value);
      }
      return "Unknown rebalance param: " + term(name, value);
    }

    private static String positiveInteger(String name, JsonNode value) {
      return value.isIntegralNumber() && value.asLong() > 0 ? null : "invalid " + name + " value";
    }

    private static String nodeList(String name, JsonNode value) {
      if (!value.isArray()) {
        return "invalid node list in " + name + ": " + erlang(value);
      }
      return value.isEmpty() ? "no available nodes list in " + name + ": []" : null;
    }

    /** {@code {<<"name">>,Value}}, as Erlang's ~p prints a decoded JSON pair. */
    private static String term(String name, JsonNode value) {
      return "{<<\"" + name + "\">>," + erlang(value) + "}";
    }

    private static String erlang(JsonNode v) {
      if (v.isTextual()) {
        return "<<\"" + v.asText() + "\">>";
      }
      if (v.isArray()) {
        List<String> items = new ArrayList<>();
        v.forEach(i -> items.add(erlang(i)));
        return "[" + String.join(",", items) + "]";
      }
      if (v.isObject()) {
        List<String> items = new ArrayList<>();
        v.fields().forEachRemaining(f -> items.add(term(f.getKey(), f.getValue())));
        return "[" + String.join(",", items) + "]";
      }
      return v.isNull() ? "null" : v.toString().toLowerCase(Locale.ROOT);
    }
  }
}
