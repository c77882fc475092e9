package dev.ferry.operator.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * Stands where a pod's EMQX API would be and forwards to the broker's real API, unless told to
 * fail: answer 503 RPC_ERROR, or hang past any sane client timeout. Faults are switched for all pods
 * at once, as a broken network or an overloaded cluster would look. Some of EMQX's own answers can be
 * injected too: a {@code global_status} that lists only the answering node (the others missed its
 * 15 s multicall), a refused rebalance start (as EMQX words it), and a node whose own status stops
 * changing ({@code FROZEN_STATUS}: what an evacuation stuck on sessions EMQX never moves looks like,
 * e.g. durable ones, which the lab broker does not have).
 */
public final class FaultyApi implements AutoCloseable {
  public enum Mode { PASS, UNAVAILABLE, HANG, GLOBAL_STATUS_OWN_ONLY, FROZEN_STATUS }

  private static volatile Mode mode = Mode.PASS;
  /** When set, every rebalance start is answered 400 BAD_REQUEST with this message. */
  private static volatile String rebalanceStartRefusal;
  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final InetSocketAddress target;
  private final String node;
  /** This node's last {@code /load_rebalance/status} answer before the status froze. */
  private volatile byte[] lastStatus;

  public static void mode(Mode m) {
    mode = m;
  }

  /** Answers every rebalance start with 400 and this message (null: forward them again). */
  public static void refuseRebalanceStarts(String message) {
    rebalanceStartRefusal = message;
  }

  public FaultyApi(InetSocketAddress listen, InetSocketAddress target, String node) throws IOException {
    this.target = target;
    this.node = node;
    this.server = HttpServer.create(listen, 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Mode m = mode;
      if (m == Mode.UNAVAILABLE) {
        reply(ex, 503, "{\"code\":\"RPC_ERROR\",\"message\":\"injected\"}");
        return;
      }
      String path = ex.getRequestURI().getPath();
      String refusal = rebalanceStartRefusal;
      if (refusal != null && "POST".equals(ex.getRequestMethod()) && path.matches("/api/v5/load_rebalance/[^/]+/start")) {
        reply(ex, 400, ApiJson.MAPPER.createObjectNode().put("code", "BAD_REQUEST").put("message", refusal).toString());
        return;
      }
      if (m == Mode.HANG) {
        try {
          Thread.sleep(8000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        reply(ex, 503, "{\"code\":\"RPC_ERROR\",\"message\":\"injected after a hang\"}");
        return;
      }
      String host = target.getHostString().contains(":") ? "[" + target.getHostString() + "]" : target.getHostString();
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(
              "http://" + host + ":" + target.getPort() + ex.getRequestURI()))
          .timeout(Duration.ofSeconds(5))
          .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(ex.getRequestBody().readAllBytes()));
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth != null) {
        req.header("Authorization", auth);
      }
      req.header("Content-Type", "application/json");
      boolean ownStatus = path.endsWith("/load_rebalance/status");
      if (m == Mode.FROZEN_STATUS && ownStatus && lastStatus != null) {
        reply(ex, 200, new String(lastStatus, java.nio.charset.StandardCharsets.UTF_8));
        return;
      }
      HttpResponse<byte[]> res = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
      byte[] body = res.body();
      if (ownStatus && res.statusCode() == 200) {
        lastStatus = body;
      }
      if (m == Mode.GLOBAL_STATUS_OWN_ONLY && res.statusCode() == 200 && path.endsWith("/load_rebalance/global_status")) {
        body = ownEntriesOnly(body);
      }
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(res.statusCode(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the broker went away under us: the client sees a reset
    }
  }

  /** The global status as a node sees it when every other node missed its multicall. */
  private byte[] ownEntriesOnly(byte[] body) throws IOException {
    var json = (com.fasterxml.jackson.databind.node.ObjectNode) ApiJson.MAPPER.readTree(body);
    for (String list : new String[] {"evacuations", "rebalances", "purges"}) {
      if (json.get(list) instanceof com.fasterxml.jackson.databind.node.ArrayNode entries) {
        var kept = ApiJson.MAPPER.createArrayNode();
        entries.forEach(e -> {
          if (node.equals(e.path("node").asText())) {
            kept.add(e);
          }
        });
        json.set(list, kept);
      }
    }
    return ApiJson.MAPPER.writeValueAsBytes(json);
  }

  /** One JSON mapper for the proxy. */
  private static final class ApiJson {
    static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
