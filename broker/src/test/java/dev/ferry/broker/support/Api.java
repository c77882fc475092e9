package dev.ferry.broker.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.broker.BrokerNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A tiny client of a node's EMQX API, with the JDK's HTTP client. */
public final class Api {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  public record Response(int status, JsonNode body) {}

  private final String base;
  private final String auth;

  public Api(BrokerNode node, String key, String secret) {
    this.base = "http://" + node.apiAddress().getHostString() + ":" + node.apiAddress().getPort();
    this.auth = key == null ? null
        : "Basic " + Base64.getEncoder().encodeToString((key + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  public static Api of(BrokerNode node) {
    return new Api(node, "key", "secret");
  }

  public Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  public Response post(String path, String body) {
    return send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "application/json")
        .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
  }

  private Response send(HttpRequest.Builder b) {
    if (auth != null) {
      b.header("Authorization", auth);
    }
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body().isEmpty() ? null : JSON.readTree(r.body()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public int runningNodes() {
    int n = 0;
    for (JsonNode node : get("/api/v5/nodes").body()) {
      if (node.get("node_status").asText().equals("running")) {
        n++;
      }
    }
    return n;
  }

  /** This node's evacuation state, or null. */
  public String evacuationState(String node) {
    for (JsonNode e : get("/api/v5/load_rebalance/global_status").body().get("evacuations")) {
      if (e.get("node").asText().equals(node)) {
        return e.get("state").asText();
      }
    }
    return null;
  }
}
