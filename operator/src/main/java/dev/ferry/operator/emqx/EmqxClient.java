package dev.ferry.operator.emqx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.operator.emqx.EmqxException.Kind;
import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import dev.ferry.operator.emqx.EmqxModel.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;

/**
 * The EMQX 5 and 6 dialect ({@code http(s)://host:port/api/v5}) of one node:
 *
 * <ul>
 *   <li>errors are HTTP statuses with {@code {"code", "message"}} bodies; a 404 on a
 *       {@code load_rebalance} path is the dashboard's catch-all, so this EMQX has no node
 *       evacuation (Opensource before 5.9);
 *   <li>Enterprise 5.0 knows no {@code wait_health_check} in an evacuation start (an unknown field
 *       is a 400): it is left out when {@code /nodes} says the node runs 5.0, and a start refused
 *       with a 400 naming it is sent once more without it.
 * </ul>
 *
 * Timeouts, retries and error classification: {@link EmqxTransport}. Credentials go into the
 * Authorization header only.
 */
public final class EmqxClient extends EmqxHttpApi {

  /** Set once a start was refused for naming wait_health_check: this node does not know it. */
  private volatile boolean noEvacuationHealthCheck;

  /** A client of {@code base} ({@code http://host:port/api/v5}) with the default timeouts. */
  public EmqxClient(HttpClient http, URI base, EmqxCredentials credentials) {
    this(new EmqxTransport(http, base, credentials, EmqxTimeouts.DEFAULT, null));
  }

  EmqxClient(EmqxTransport transport) {
    super(transport);
  }

  /** {@code http://host:port/api/v5} of a pod; an IPv6 address goes in brackets. */
  public static URI baseOf(String host, int port) {
    return baseOf("http", host, port);
  }

  static URI baseOf(String scheme, String host, int port) {
    return URI.create(scheme + "://" + EmqxConnector.uriHost(host) + ":" + port + "/api/v5");
  }

  /** An HTTP/1.1 client with a 5 s connect timeout, for plain HTTP. */
  public static HttpClient newHttpClient() {
    return HttpClient.newBuilder().connectTimeout(EmqxTimeouts.DEFAULT.connect()).version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  @Override
  public Dialect dialect() {
    return Dialect.V5;
  }

  @Override
  List<Node> readNodes() throws EmqxException {
    JsonNode body = call("GET", "/nodes", null);
    if (!body.isArray()) {
      throw transport.failure(Kind.NO_API, "GET", "/nodes", "answered something that is not EMQX 5's node list: "
          + abbreviate(body.toString()), null);
    }
    return List.of(parse(body, Node[].class, "GET", "/nodes"));
  }

  /** Starts an evacuation; one that runs already counts as started. */
  @Override
  public void startEvacuation(String node, EvacuationRequest request) throws EmqxException {
    String path = "/load_rebalance/" + pathSegment(node) + "/evacuation/start";
    boolean healthCheck = request.waitHealthCheck() != null && knowsEvacuationHealthCheck();
    try {
      start(path, healthCheck ? request : withoutHealthCheck(request));
    } catch (EmqxException e) {
      if (!healthCheck || e.status() != 400 || !e.serverMessage().contains("wait_health_check")) {
        throw e;
      }
      noEvacuationHealthCheck = true;
      start(path, withoutHealthCheck(request));
    }
  }

  /** Whether this node's evacuation knows wait_health_check (all but Enterprise 5.0, as far as we can tell). */
  private boolean knowsEvacuationHealthCheck() {
    if (noEvacuationHealthCheck) {
      return false;
    }
    List<Node> nodes = knownNodes();
    return receiver(nodes).map(n -> !isVersion50(n))
        .orElseGet(() -> nodes.stream().filter(Node::running).noneMatch(EmqxClient::isVersion50));
  }

  private static boolean isVersion50(Node n) {
    return n.version() != null && n.version().replaceFirst("^[ev]", "").startsWith("5.0.");
  }

  private static EvacuationRequest withoutHealthCheck(EvacuationRequest r) {
    return new EvacuationRequest(r.connEvictRate(), r.sessEvictRate(), r.waitTakeover(), null, r.migrateTo(), r.redirectTo());
  }

  @Override
  JsonNode call(String method, String path, Object body) throws EmqxException {
    EmqxTransport.Response r = transport.send(method, path, bytes(body, method, path), ATTEMPTS);
    if (r.status() / 100 == 2) {
      return readJson(r, method, path);
    }
    throw failure(method, path, r);
  }

  private EmqxException failure(String method, String path, EmqxTransport.Response r) {
    String code = "";
    String message = r.text();
    try {
      JsonNode error = JSON.readTree(r.body());
      if (error != null && error.isObject()) {
        code = error.path("code").asText("");
        message = error.path("message").asText("");
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not JSON: minirest's 500 "Unsupported code ..." and the like; the text is the message
    }
    Kind kind = kind(r.status(), code, message, path);
    String explanation = switch (kind) {
      case CREDENTIALS, PERMISSION -> setupExplanation(r.status(), method, path);
      case NO_NODE_EVACUATION -> "this EMQX" + emqxDescription()
          + " has no node evacuation: EMQX Enterprise, or EMQX 5.9 or later, is needed";
      case NO_API -> "no EMQX 5 API here (check the port, scheme and apiVersion)";
      default -> abbreviate(message);
    };
    String detail = "answered " + r.status() + (code.isEmpty() ? "" : " " + code) + ": " + explanation;
    return transport.failure(kind, r.status(), code.isEmpty() ? String.valueOf(r.status()) : code, message, method, path,
        detail, null);
  }

  private static Kind kind(int status, String code, String message, String path) {
    return switch (status) {
      case 401 -> Kind.CREDENTIALS;
      case 403 -> Kind.PERMISSION;
      case 404 -> "NOT_FOUND".equals(code) && message.startsWith("Node not found") ? Kind.REJECTED
          : path.startsWith("/load_rebalance/") ? Kind.NO_NODE_EVACUATION : Kind.NO_API;
      default -> status == 429 || status >= 500 ? Kind.SERVER_ERROR : Kind.REJECTED;
    };
  }
}
