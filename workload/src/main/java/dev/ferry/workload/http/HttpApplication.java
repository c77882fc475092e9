package dev.ferry.workload.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The application behind an {@link HttpService}: it answers every request that is not one of the
 * service's own ({@code /ready}, {@code /drain}, {@code /offline}, {@code /work}). The service keeps
 * the drain protocol, readiness and graceful stop; the application only answers.
 *
 * <p>{@link #handle} may block (JDBC): the service calls it on a bounded executor of its own, never
 * on a Netty event loop, and counts it in flight so that a drain or a graceful stop waits for it.
 */
public interface HttpApplication {

  /**
   * One request as the application sees it.
   *
   * @param method {@code GET}, {@code PUT}...
   * @param path the path without the query
   * @param query the query string without {@code ?}, empty without one
   * @param headers the request's headers (lower-case names; the last value of a repeated one)
   * @param body the request's body, empty without one
   */
  record Request(String method, String path, String query, Map<String, String> headers, byte[] body) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /**
   * The answer.
   *
   * @param status the HTTP status
   * @param contentType its {@code Content-Type}
   * @param body the body
   * @param headers extra headers (may be empty)
   */
  record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
    public static Response text(int status, String body) {
      return new Response(status, "text/plain", body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    public static Response json(int status, String json) {
      return new Response(status, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    public Response withHeader(String name, String value) {
      var h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Response(status, contentType, body, Map.copyOf(h));
    }
  }

  /**
   * Answers {@code request}; may block. An exception answers 500 with its message (the transaction
   * it was in is the application's to roll back).
   */
  Response handle(Request request) throws Exception;

  /**
   * Called once when the service has stopped (after a graceful stop let the requests in flight
   * end) or was killed: release what the application holds (a connection pool). After {@link
   * HttpService#kill()} requests may still be running on the executor; closing must end them (a
   * killed process's database sessions end with it).
   */
  default void close() {}

  /** How many {@link #handle} calls run at once (the executor's threads). */
  default int maxConcurrency() {
    return 4;
  }

  /** Requests waiting for a thread at most; one more is answered 503 at once. */
  default int maxQueued() {
    return 256;
  }
}
