package dev.ferry.workload.http;

import dev.ferry.workload.load.Kind;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/**
 * What one HTTP exchange through an {@link HttpClientPool} gave.
 *
 * @param kind {@link Kind#OK} when an answer came, whatever its status; otherwise the transport
 *     error: {@link Kind#REFUSED}, {@link Kind#RESET}, {@link Kind#TIMEOUT}, {@link
 *     Kind#UNAVAILABLE} (the router had no address) or {@link Kind#OTHER}
 * @param status the answer's status, 0 without one
 * @param headers the answer's headers, null without one
 * @param body the answer's body, empty without one
 * @param sent whether the request was written to a connection (a proxy retries a request that was
 *     not sent whatever its method)
 * @param reused whether the connection had carried an earlier request
 * @param remote where the connection went, null if none was made
 * @param latencyNanos from the call to the end
 * @param detail a short reason for an error, or null
 */
public record HttpResult(
    Kind kind,
    int status,
    HttpHeaders headers,
    byte[] body,
    boolean sent,
    boolean reused,
    InetSocketAddress remote,
    long latencyNanos,
    String detail) {

  static HttpResult error(Kind kind, boolean sent, boolean reused, InetSocketAddress remote, long t0, String detail) {
    return new HttpResult(kind, 0, null, new byte[0], sent, reused, remote, System.nanoTime() - t0, detail);
  }

  /** The {@code X-Pod} header of the answer, or null. */
  public String pod() {
    return headers == null ? null : headers.get("X-Pod");
  }
}
