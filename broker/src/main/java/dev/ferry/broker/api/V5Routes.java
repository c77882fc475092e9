package dev.ferry.broker.api;

import static dev.ferry.broker.api.DialectRoutes.done;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.broker.api.ApiBackend.NodeState;
import dev.ferry.broker.api.Route.Op;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * EMQX 5's {@code /api/v5}, as the version and edition of the profile serve it:
 * <ul>
 *   <li>an unknown path, and every {@code load_rebalance} path of an EMQX without node evacuation,
 *       is the dashboard's catch-all 404 {@code Request Path Not Found}, without authentication;
 *   <li>401 {@code AUTHORIZATION_HEADER_ERROR} without a Basic header, 401
 *       {@code BAD_API_KEY_OR_SECRET} for a wrong key or secret, 403 {@code UNAUTHORIZED_ROLE} for a
 *       viewer key's POST where keys have roles;
 *   <li>{@code availability_check} without credentials from 5.4;
 *   <li>start bodies checked against the version's schema (unknown fields are a 400);
 *   <li>minirest's flaw: an RPC failure on start or stop is HTTP 500 "Unsupported code 'RPC_ERROR'"
 *       instead of the 503 EMQX meant.
 * </ul>
 */
final class V5Routes implements DialectRoutes {

  private static final String PREFIX = "/api/v5/";
  private static final String UNAUTHORIZED_REALM = "Basic Realm=\"emqx-dashboard\"";

  private final ApiBackend backend;
  private final ApiAuth auth;

  V5Routes(ApiBackend backend, ApiAuth auth) {
    this.backend = backend;
    this.auth = auth;
  }

  private EmqxProfile profile() {
    return backend.profile();
  }

  @Override
  public CompletableFuture<HttpReply> handle(ApiRequest req) {
    if (!req.path().startsWith(PREFIX)) {
      return done(pathNotFound());
    }
    Route route = Route.match(req.method(), segments(req.path().substring(PREFIX.length())));
    if (route == null || (route.op().loadRebalance() && !profile().hasNodeEvacuation())) {
      return done(pathNotFound());
    }
    if (route.op() == Op.STATUS) {
      return backend.status("json".equals(req.queryValue("format")));
    }
    if (route.op() == Op.AVAILABILITY && !profile().availabilityCheckNeedsAuth()) {
      return availability();
    }
    HttpReply refused = authorize(req);
    if (refused != null) {
      return done(refused);
    }
    return switch (route.op()) {
      case NODES -> backend.onBroker(() -> HttpReply.json(200, runningWithEdition(backend.agent().nodes(), false)));
      case NODE -> node(route.node());
      case LOCAL_STATUS -> backend.onBroker(() -> HttpReply.json(200, backend.agent().localStatus()));
      case GLOBAL_STATUS -> backend.onBroker(() -> HttpReply.json(200, globalStatus(backend.agent().globalStatus())));
      case AVAILABILITY -> availability();
      default -> operation(route, req);
    };
  }

  /** EMQX 5 URL-decodes path segments: {@code emqx%4010.0.0.5} names {@code emqx@10.0.0.5}. */
  private static List<String> segments(String rest) {
    return Arrays.stream(rest.split("/", -1))
        .map(p -> QueryStringDecoder.decodeComponent(p, StandardCharsets.UTF_8)).toList();
  }

  private HttpReply authorize(ApiRequest req) {
    return switch (auth.check(req.authorization())) {
      case MISSING -> unauthorized("AUTHORIZATION_HEADER_ERROR", profile().missingAuthorizationMessage());
      case BEARER -> unauthorized("BAD_TOKEN", "Get a token by POST /login");
      case BAD -> unauthorized("BAD_API_KEY_OR_SECRET", "Check api_key/api_secret");
      case VIEWER -> profile().apiKeyRoles() && !req.method().name().equals("GET")
          ? HttpReply.json(ApiResult.error(403, "UNAUTHORIZED_ROLE", "This API Key don't have permission to access this resource"))
          : null;
      case ADMIN -> null;
    };
  }

  private static HttpReply unauthorized(String code, String message) {
    return HttpReply.json(ApiResult.error(401, code, message)).withHeader("WWW-Authenticate", UNAUTHORIZED_REALM);
  }

  /** The dashboard's catch-all: no authentication, the same body for any unknown path. */
  private static HttpReply pathNotFound() {
    return HttpReply.json(ApiResult.error(404, "NOT_FOUND", "Request Path Not Found"));
  }

  private CompletableFuture<HttpReply> availability() {
    return backend.onBroker(() -> backend.agent().available()
        ? HttpReply.json(ApiResult.ok()) : HttpReply.json(ApiResult.error(503, "NODE_EVACUATING", "Node Evacuating")));
  }

  private CompletableFuture<HttpReply> node(String node) {
    return backend.onBroker(() -> {
      for (JsonNode n : runningWithEdition(backend.agent().nodes(), true)) {
        if (n.path("node").asText().equals(node)) {
          return HttpReply.json(200, n);
        }
      }
      return HttpReply.json(ApiResult.notFound("Node not found: " + node));
    });
  }

  /**
   * The agent's node entries with the profile's edition on every running node (a cluster is one
   * edition); {@code runningOnly} drops stopped nodes, which {@code /nodes/{node}} does not know.
   */
  private ArrayNode runningWithEdition(List<ObjectNode> nodes, boolean runningOnly) {
    ArrayNode out = ApiResult.JSON.createArrayNode();
    for (ObjectNode n : nodes) {
      ObjectNode entry = n.deepCopy();
      boolean running = "running".equals(entry.path("node_status").asText());
      if (running) {
        entry.put("edition", profile().edition());
      }
      if (running || !runningOnly) {
        out.add(entry);
      }
    }
    return out;
  }

  private JsonNode globalStatus(ObjectNode status) {
    if (!profile().globalStatusHasPurges()) {
      status.remove("purges");
    }
    return status;
  }

  private CompletableFuture<HttpReply> operation(Route route, ApiRequest req) {
    JsonNode body;
    if (req.hasBody()) {
      if (req.contentType() == null || !req.contentType().toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
        return done(HttpReply.json(ApiResult.error(415, "UNSUPPORTED_MEDIA_TYPE", "content-type:application/json Required")));
      }
      try {
        body = ApiResult.JSON.readTree(req.body());
      } catch (Exception e) {
        return done(HttpReply.json(ApiResult.badRequest("Invalid json message received")));
      }
    } else {
      body = null;
    }
    if (route.op().start()) {
      String unknown = unknownForVersion(route.op(), body);
      if (unknown != null) {
        return done(HttpReply.json(ApiResult.badRequest(
            "{\"kind\":\"validation_error\",\"reason\":\"unknown_fields\",\"unknown\":\"" + unknown + "\"}")));
      }
      body = withoutHealthCheckWhereAbsent(route.op(), body);
    }
    String node = route.node();
    return backend.call(node, route.op().agentOperation(), body,
            state -> state == NodeState.RUNNING ? null : ApiResult.notFound("Node not found: " + node))
        .thenApply(r -> reply(r, node));
  }

  /** A field this version's schema does not have (EMQX rejects unknown fields), or null. */
  private String unknownForVersion(Op op, JsonNode body) {
    if (body == null || !body.isObject()) {
      return null;
    }
    if (op == Op.EVACUATION_START && !profile().evacuationHealthCheck() && body.has("wait_health_check")) {
      return "wait_health_check";
    }
    if (op == Op.REBALANCE_START && !profile().rebalanceRpcTimeouts()) {
      for (String f : List.of("conn_evict_rpc_timeout", "sess_evict_rpc_timeout")) {
        if (body.has(f)) {
          return f;
        }
      }
    }
    return null;
  }

  /** An EMQX without the evacuation health-check wait (5.0) starts evicting at once. */
  private JsonNode withoutHealthCheckWhereAbsent(Op op, JsonNode body) {
    if (op != Op.EVACUATION_START || profile().evacuationHealthCheck()) {
      return body;
    }
    ObjectNode b = body != null && body.isObject() ? ((ObjectNode) body).deepCopy() : ApiResult.JSON.createObjectNode();
    return b.put("wait_health_check", 0);
  }

  /**
   * The agent's answer as EMQX 5 sends it. minirest accepts only the error codes a method declares
   * ({@code NOT_FOUND}, {@code BAD_REQUEST} for start and stop), so the {@code RPC_ERROR} EMQX
   * means to send as 503 goes out as a 500 with a text body.
   */
  private static HttpReply reply(ApiResult r, String node) {
    if (r.status() == 503 && "RPC_ERROR".equals(r.body().path("code").asText())) {
      String message = "Unsupported code 'RPC_ERROR', message <<\"RPC error on node '" + node
          + "': timeout\">>, schema def ['NOT_FOUND','BAD_REQUEST']";
      return new HttpReply(500, HttpReply.JSON, message, java.util.Map.of());
    }
    if (r.status() == 404) {
      return HttpReply.json(ApiResult.notFound("Node not found: " + node));
    }
    return HttpReply.json(r);
  }
}
