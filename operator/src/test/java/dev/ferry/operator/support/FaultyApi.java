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
 * at once, as a broken network or an overloaded cluster would look.
 */
public final class FaultyApi implements AutoCloseable {
  public enum Mode { PASS, UNAVAILABLE, HANG }

  private static volatile Mode mode = Mode.PASS;
  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final InetSocketAddress target;

  public static void mode(Mode m) {
    mode = m;
  }

  public FaultyApi(InetSocketAddress listen, InetSocketAddress target) throws IOException {
    this.target = target;
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
      if (m == Mode.HANG) {
        try {
          Thread.sleep(8000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        reply(ex, 503, "{\"code\":\"RPC_ERROR\",\"message\":\"injected after a hang\"}");
        return;
      }
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(
              "http://" + target.getHostString() + ":" + target.getPort() + ex.getRequestURI()))
          .timeout(Duration.ofSeconds(5))
          .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(ex.getRequestBody().readAllBytes()));
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth != null) {
        req.header("Authorization", auth);
      }
      req.header("Content-Type", "application/json");
      HttpResponse<byte[]> res = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(res.statusCode(), res.body().length == 0 ? -1 : res.body().length);
      if (res.body().length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(res.body());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the broker went away under us: the client sees a reset
    }
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
