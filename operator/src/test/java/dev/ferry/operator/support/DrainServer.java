package dev.ferry.operator.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pod's side of Ferry's HTTP drain protocol (docs/http-drain.md), for tests: a real HTTP server on
 * the pod's address whose load is simulated. The pod holds {@code inFlight} requests and
 * {@code connections} open connections; once it drains, each {@link #tick()} finishes one request,
 * then closes one connection, until nothing is left (unless it is {@link #stuck}). It records what
 * the operator asked and when it first told it that it was empty.
 */
public final class DrainServer implements AutoCloseable {

  /** How the endpoint answers. */
  public enum Mode { OK, UNAVAILABLE, MALFORMED }

  private final HttpServer server;
  private final String path;
  private final AtomicInteger inFlight;
  private final AtomicInteger connections;
  private volatile boolean draining;
  private volatile boolean stuck;
  private volatile Mode mode = Mode.OK;
  private final AtomicInteger posts = new AtomicInteger();
  private final AtomicInteger deletes = new AtomicInteger();
  private volatile Instant firstPostAt;
  private volatile Instant reportedEmptyAt;

  public DrainServer(InetSocketAddress address, String path, int inFlight, int connections) throws IOException {
    this.path = path;
    this.inFlight = new AtomicInteger(inFlight);
    this.connections = new AtomicInteger(connections);
    this.server = HttpServer.create(address, 16);
    server.createContext(path, this::handle);
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "drain-server-" + address.getHostString());
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      if (!path.equals(x.getRequestURI().getPath())) {
        send(x, 404, "{\"error\":\"not found\"}");
        return;
      }
      if (mode == Mode.UNAVAILABLE) {
        send(x, 503, "shutting down");
        return;
      }
      switch (x.getRequestMethod()) {
        case "POST" -> {
          posts.incrementAndGet();
          if (firstPostAt == null) {
            firstPostAt = Instant.now();
          }
          draining = true;
        }
        case "DELETE" -> {
          deletes.incrementAndGet();
          draining = false;
        }
        case "GET" -> { }
        default -> {
          send(x, 405, "{\"error\":\"method not allowed\"}");
          return;
        }
      }
      if (mode == Mode.MALFORMED) {
        send(x, 200, "{\"draining\": \"yes\", \"inFlight\": -1}");
        return;
      }
      int f = inFlight.get();
      int c = connections.get();
      if ("GET".equals(x.getRequestMethod()) && draining && f == 0 && c == 0 && reportedEmptyAt == null) {
        reportedEmptyAt = Instant.now();
      }
      send(x, 200, "{\"draining\": " + draining + ", \"inFlight\": " + f + ", \"connections\": " + c + "}");
    }
  }

  private static void send(HttpExchange x, int code, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(code, b.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(b);
    }
  }

  /** One step of the simulated work while draining: a request finishes, else a connection closes. */
  public void tick() {
    if (!draining || stuck) {
      return;
    }
    if (inFlight.get() > 0) {
      inFlight.decrementAndGet();
    } else if (connections.get() > 0) {
      connections.decrementAndGet();
    }
  }

  public boolean draining() {
    return draining;
  }

  public int inFlight() {
    return inFlight.get();
  }

  public int connections() {
    return connections.get();
  }

  public void stuck(boolean value) {
    stuck = value;
  }

  public void mode(Mode value) {
    mode = value;
  }

  public int posts() {
    return posts.get();
  }

  public int deletes() {
    return deletes.get();
  }

  /** When the operator first asked it to drain; null if never. */
  public Instant firstPostAt() {
    return firstPostAt;
  }

  /** When it first answered a GET with draining and nothing left; null if never. */
  public Instant reportedEmptyAt() {
    return reportedEmptyAt;
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
