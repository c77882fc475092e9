package dev.ferry.operator.emqx;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.operator.emqx.EmqxException.Kind;
import dev.ferry.operator.emqx.EmqxModel.GlobalStatus;
import dev.ferry.operator.emqx.EmqxModel.Node;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the two dialects share: the transport, idempotent start and stop, the node list last read
 * (for the version-dependent choices and messages), node names in paths.
 */
abstract sealed class EmqxHttpApi implements EmqxApi permits EmqxClient, EmqxV4Client {

  static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  /** Reads and the idempotent start and stop may be tried again. */
  static final int ATTEMPTS = 3;

  final EmqxTransport transport;
  /** The last {@code /nodes} answer of this node, for the version it runs; null until read. */
  private volatile List<Node> lastNodes;

  EmqxHttpApi(EmqxTransport transport) {
    this.transport = transport;
  }

  @Override
  public URI base() {
    return transport.base();
  }

  /** The answer's JSON after the dialect's checks; every failure is an EmqxException. */
  abstract JsonNode call(String method, String path, Object body) throws EmqxException;

  /** Reads and parses {@code /nodes}; remembers them. */
  abstract List<Node> readNodes() throws EmqxException;

  @Override
  public final List<Node> nodes() throws EmqxException {
    List<Node> nodes = readNodes();
    lastNodes = nodes;
    return nodes;
  }

  /** The nodes last read, or read now; empty when they cannot be read (only for choices and messages). */
  final List<Node> knownNodes() {
    List<Node> nodes = lastNodes;
    if (nodes != null) {
      return nodes;
    }
    try {
      return nodes();
    } catch (EmqxException e) {
      return List.of();
    }
  }

  /** The node this API runs on: the one whose host is the address in the URL, if any says so. */
  final Optional<Node> receiver(List<Node> nodes) {
    String host = base().getHost();
    String bare = host != null && host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    return nodes.stream().filter(n -> n.host().equals(bare)).findFirst();
  }

  /** "5.8.1 Opensource", or empty when no node list could be read. */
  final String emqxDescription() {
    List<Node> nodes = knownNodes();
    Node n = receiver(nodes).orElse(nodes.isEmpty() ? null : nodes.get(0));
    if (n == null || n.version() == null) {
      return "";
    }
    return " (" + n.version() + (n.edition() == null ? "" : " " + n.edition()) + ")";
  }

  @Override
  public GlobalStatus globalStatus() throws EmqxException {
    JsonNode body = call("GET", "/load_rebalance/global_status", null);
    return parse(listsKeyedByNode(body), GlobalStatus.class, "GET", "/load_rebalance/global_status");
  }

  @Override
  public EmqxModel.LocalStatus localStatus() throws EmqxException {
    return parse(call("GET", "/load_rebalance/status", null), EmqxModel.LocalStatus.class, "GET", "/load_rebalance/status");
  }

  @Override
  public void stopEvacuation(String node) throws EmqxException {
    stop("/load_rebalance/" + pathSegment(node) + "/evacuation/stop");
  }

  @Override
  public void stopRebalance(String coordinator) throws EmqxException {
    stop("/load_rebalance/" + pathSegment(coordinator) + "/stop");
  }

  /** Both dialects send the same rebalance body (4.4 knows wait_health_check for a rebalance). */
  @Override
  public void startRebalance(String coordinator, EmqxModel.RebalanceRequest request) throws EmqxException {
    start("/load_rebalance/" + pathSegment(coordinator) + "/start", request);
  }

  /** A start; one that runs already counts as started. */
  final void start(String path, Object body) throws EmqxException {
    try {
      call("POST", path, body);
    } catch (EmqxException e) {
      if (!e.alreadyStarted()) {
        throw e;
      }
    }
  }

  private void stop(String path) throws EmqxException {
    try {
      call("POST", path, null);
    } catch (EmqxException e) {
      if (!e.notStarted()) {
        throw e;
      }
    }
  }

  /**
   * {@code global_status} with lists: early 4.4 builds keyed the entries by node name instead
   * (each entry without its {@code node}); later ones, and EMQX 5, list them.
   */
  static JsonNode listsKeyedByNode(JsonNode status) {
    if (!status.isObject()) {
      return status;
    }
    ObjectNode out = ((ObjectNode) status).deepCopy();
    for (String list : List.of("evacuations", "rebalances")) {
      JsonNode v = out.get(list);
      if (v != null && v.isObject()) {
        var array = out.putArray(list);
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          ObjectNode entry = e.getValue().isObject() ? ((ObjectNode) e.getValue()).deepCopy() : JSON.createObjectNode();
          if (!entry.hasNonNull("node")) {
            entry.put("node", e.getKey());
          }
          array.add(entry);
        }
      }
    }
    return out;
  }

  final <T> T parse(JsonNode json, Class<T> type, String method, String path) throws EmqxException {
    try {
      return JSON.treeToValue(json, type);
    } catch (IOException | IllegalArgumentException e) {
      throw transport.failure(Kind.NO_API, method, path, "answered a body that is not EMQX's: " + e.getMessage(), e);
    }
  }

  final JsonNode readJson(EmqxTransport.Response r, String method, String path) throws EmqxException {
    try {
      return r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      throw transport.failure(Kind.NO_API, r.status(), "NOT_JSON", "", method, path,
          "answered " + r.status() + " with a body that is not JSON: " + abbreviate(r.text()), e);
    }
  }

  final byte[] bytes(Object body, String method, String path) throws EmqxException {
    try {
      return body == null ? null : JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw transport.failure(Kind.BAD_ADDRESS, method, path, "cannot write the request body: " + e.getMessage(), e);
    }
  }

  /** The explanation of a refusal every dialect shares (401, 403), or null. */
  final String setupExplanation(int status, String method, String path) {
    if (status == 401) {
      return "credentials refused (check the API key and secret in " + transport.credentialsSource() + ")";
    }
    if (status == 403) {
      return "the API key lacks the permission for " + method + " " + path + " (a viewer key may only read; "
          + "EMQX 6 keys need the cluster_operations scope)";
    }
    return null;
  }

  static String abbreviate(String text) {
    String t = text.strip().replaceAll("\\s+", " ");
    return t.length() <= 200 ? t : t.substring(0, 200) + "...";
  }

  /**
   * A node name as a path segment: {@code @} stays as it is (what EMQX's own operator sends; 4.4
   * does not decode paths), anything else that needs it is percent-encoded.
   */
  static String pathSegment(String node) {
    return URLEncoder.encode(node, StandardCharsets.UTF_8).replace("+", "%20").replace("%40", "@");
  }
}
