package dev.ferry.operator.emqx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.operator.emqx.EmqxException.Kind;
import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import dev.ferry.operator.emqx.EmqxModel.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The EMQX Enterprise 4.4 dialect ({@code http(s)://host:8081/api/v4}, the management listener,
 * basic auth with an app id and secret), sending and reading what the EMQX Operator's v1beta4
 * code does:
 *
 * <ul>
 *   <li>application errors come as HTTP 200 with a non-zero {@code code} in the body, so the body
 *       is checked, not only the status; 401 has the text body {@code UNAUTHORIZED}; a path the
 *       node does not serve is a 404 {@code Not found.} (no rebalance plugin: no node evacuation);
 *   <li>{@code /nodes} is wrapped in {@code {"code":0,"data":[...]}}, says "Running", and has one
 *       count, {@code connections}, which stands here for both sessions and live connections;
 *   <li>{@code global_status} has top-level lists, or objects keyed by node name in early builds;
 *   <li>an evacuation start has no {@code wait_health_check} (an unknown param) and sends
 *       {@code wait_takeover} only when positive; a rebalance start is sent as in EMQX 5.
 * </ul>
 */
public final class EmqxV4Client extends EmqxHttpApi {

  /** A client of {@code base} ({@code http://host:8081/api/v4}) with the default timeouts. */
  public EmqxV4Client(HttpClient http, URI base, EmqxCredentials credentials) {
    this(new EmqxTransport(http, base, credentials, EmqxTimeouts.DEFAULT, null));
  }

  EmqxV4Client(EmqxTransport transport) {
    super(transport);
  }

  /** {@code http://host:port/api/v4} of a pod; an IPv6 address goes in brackets. */
  public static URI baseOf(String host, int port) {
    return baseOf("http", host, port);
  }

  static URI baseOf(String scheme, String host, int port) {
    return URI.create(scheme + "://" + EmqxConnector.uriHost(host) + ":" + port + "/api/v4");
  }

  @Override
  public Dialect dialect() {
    return Dialect.V4;
  }

  @Override
  List<Node> readNodes() throws EmqxException {
    JsonNode data = call("GET", "/nodes", null).path("data");
    if (!data.isArray()) {
      throw transport.failure(Kind.NO_API, "GET", "/nodes", "answered without EMQX 4.4's node list in 'data'", null);
    }
    List<Node> out = new ArrayList<>();
    for (JsonNode n : data) {
      long connections = n.path("connections").asLong();
      out.add(new Node(n.path("node").asText(), n.path("node_status").asText("").toLowerCase(Locale.ROOT),
          n.path("version").asText(null), n.path("role").asText(null), n.path("edition").asText(null),
          connections, connections, uptimeMillis(n.path("uptime").asText(""))));
    }
    return out;
  }

  private static final Pattern UPTIME_PART = Pattern.compile("(\\d+)\\s*(day|hour|minute|second)s?");

  /** "1 days, 2 hours, 3 minutes, 4 seconds" as milliseconds (0 when it says nothing we know). */
  static long uptimeMillis(String text) {
    long seconds = 0;
    Matcher m = UPTIME_PART.matcher(text);
    while (m.find()) {
      long v = Long.parseLong(m.group(1));
      seconds += switch (m.group(2)) {
        case "day" -> v * 86400;
        case "hour" -> v * 3600;
        case "minute" -> v * 60;
        default -> v;
      };
    }
    return seconds * 1000;
  }

  /** Starts an evacuation with the EMQX Operator's body; one that runs already counts as started. */
  @Override
  public void startEvacuation(String node, EvacuationRequest request) throws EmqxException {
    ObjectNode body = JSON.createObjectNode();
    if (request.connEvictRate() != null) {
      body.put("conn_evict_rate", request.connEvictRate());
    }
    if (request.sessEvictRate() != null) {
      body.put("sess_evict_rate", request.sessEvictRate());
    }
    if (request.migrateTo() != null) {
      request.migrateTo().forEach(body.putArray("migrate_to")::add);
    }
    if (request.waitTakeover() != null && request.waitTakeover() > 0) {
      body.put("wait_takeover", request.waitTakeover());
    }
    if (request.redirectTo() != null && !request.redirectTo().isEmpty()) {
      body.put("redirect_to", request.redirectTo());
    }
    start("/load_rebalance/" + pathSegment(node) + "/evacuation/start", body);
  }

  @Override
  JsonNode call(String method, String path, Object body) throws EmqxException {
    EmqxTransport.Response r = transport.send(method, path, bytes(body, method, path), ATTEMPTS);
    if (r.status() / 100 != 2) {
      throw statusFailure(method, path, r);
    }
    JsonNode json = readJson(r, method, path);
    JsonNode code = json.get("code");
    if (code != null && !(code.isNumber() && code.asInt() == 0) && !"0".equals(code.asText())) {
      throw codeFailure(method, path, r.status(), code.asText(), json.path("message").asText(""));
    }
    return json;
  }

  /** An error in the body of an HTTP 200: the plugin's refusals and an RPC it could not make. */
  private EmqxException codeFailure(String method, String path, int status, String code, String message) {
    Kind kind = message.startsWith("Error communicating with node") ? Kind.SERVER_ERROR : Kind.REJECTED;
    return transport.failure(kind, status, code, message, method, path,
        "answered code " + code + ": " + abbreviate(message), null);
  }

  private EmqxException statusFailure(String method, String path, EmqxTransport.Response r) {
    int status = r.status();
    Kind kind = switch (status) {
      case 401 -> Kind.CREDENTIALS;
      case 403 -> Kind.PERMISSION;
      case 404 -> path.startsWith("/load_rebalance/") ? Kind.NO_NODE_EVACUATION : Kind.NO_API;
      default -> status == 429 || status >= 500 ? Kind.SERVER_ERROR : Kind.REJECTED;
    };
    String explanation = switch (kind) {
      case CREDENTIALS, PERMISSION -> setupExplanation(status, method, path);
      case NO_NODE_EVACUATION -> "this EMQX" + emqxDescription() + " has no node evacuation: EMQX Enterprise 4.4 "
          + "(4.4.12 or later) with the emqx_node_rebalance plugin loaded is needed";
      case NO_API -> "no EMQX 4.4 API here (check the port, scheme and apiVersion)";
      default -> abbreviate(r.text());
    };
    return transport.failure(kind, status, String.valueOf(status), abbreviate(r.text()), method, path,
        "answered " + status + ": " + explanation, null);
  }
}
