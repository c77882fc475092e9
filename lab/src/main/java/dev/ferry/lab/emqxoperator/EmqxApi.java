package dev.ferry.lab.emqxoperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The EMQX v5 REST calls the EMQX Operator makes, over plain HTTP with basic auth (its
 * {@code internal/requester}): {@code GET /nodes}, {@code GET /nodes/{node}},
 * {@code GET /load_rebalance/global_status}, {@code POST /load_rebalance/{node}/evacuation/start},
 * {@code GET /load_rebalance/availability_check} and the rebalance start. One instance talks to one
 * pod (the operator asks the oldest Ready core pod for the cluster's view).
 */
final class EmqxApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** One node as {@code /nodes} describes it; {@code sessions} is EMQX's {@code connections} field. */
  record Node(String name, String status, String edition, String version, long sessions) {
    boolean running() {
      return "running".equals(status);
    }
  }

  /** One entry of {@code global_status.evacuations}. */
  record Evacuation(String node, String state) {}

  /** A reply: the HTTP status and the body. */
  record Reply(int status, String body) {}

  private final String base;
  private final String authorization;

  EmqxApi(String podIp, int port, String key, String secret) {
    this.base = "http://" + podIp + ":" + port + "/api/v5/";
    this.authorization = "Basic " + Base64.getEncoder().encodeToString((key + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** {@code GET /nodes}: the asked node's view of the cluster, stopped core nodes included. */
  List<Node> nodes() throws IOException {
    Reply r = call("GET", "nodes", null);
    if (r.status() != 200) {
      throw new IOException("GET /nodes: " + r.status() + " " + r.body());
    }
    List<Node> out = new ArrayList<>();
    for (JsonNode n : JSON.readTree(r.body())) {
      out.add(node(n));
    }
    return out;
  }

  /** {@code GET /nodes/{node}}; a 404 is a stopped node, as the operator's getEMQXNodeInfoByAPI reads it. */
  Node node(String name) throws IOException {
    Reply r = call("GET", "nodes/" + URLEncoder.encode(name, StandardCharsets.UTF_8), null);
    if (r.status() == 404) {
      return new Node(name, "stopped", null, null, 0);
    }
    if (r.status() != 200) {
      throw new IOException("GET /nodes/" + name + ": " + r.status() + " " + r.body());
    }
    return node(JSON.readTree(r.body()));
  }

  /** {@code global_status.evacuations}, in the order EMQX lists them. */
  List<Evacuation> evacuations() throws IOException {
    Reply r = call("GET", "load_rebalance/global_status", null);
    if (r.status() != 200) {
      throw new IOException("GET global_status: " + r.status() + " " + r.body());
    }
    List<Evacuation> out = new ArrayList<>();
    for (JsonNode e : JSON.readTree(r.body()).path("evacuations")) {
      out.add(new Evacuation(e.path("node").asText(), e.path("state").asText()));
    }
    return out;
  }

  /** {@code global_status.rebalances}: how many run. */
  int rebalances() throws IOException {
    Reply r = call("GET", "load_rebalance/global_status", null);
    if (r.status() != 200) {
      throw new IOException("GET global_status: " + r.status() + " " + r.body());
    }
    return JSON.readTree(r.body()).path("rebalances").size();
  }

  /** {@code GET /load_rebalance/availability_check}: 200 while the node takes clients. */
  int availability() throws IOException {
    return call("GET", "load_rebalance/availability_check", null).status();
  }

  /** {@code POST} with a JSON body; the reply as it came. */
  Reply post(String path, String jsonBody) throws IOException {
    return call("POST", path, jsonBody);
  }

  private Reply call(String method, String path, String body) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
        .header("Authorization", authorization);
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static Node node(JsonNode n) {
    return new Node(n.path("node").asText(), n.path("node_status").asText(), n.path("edition").asText(null),
        n.path("version").asText(null), n.path("connections").asLong(0));
  }
}
