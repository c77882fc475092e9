package dev.ferry.workload.load;

import dev.ferry.workload.Netty;
import dev.ferry.workload.http.HttpClientPool;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.CompletableFuture;

/**
 * Sends {@code GET path} through a keep-alive {@link HttpClientPool} whose new connections go where
 * the {@link Router} says. A 5xx answer is {@link Kind#HTTP_5XX}; any other answer is OK and is
 * credited to the pod in its {@code X-Pod} header.
 */
public final class HttpRequestSender implements RequestSender {
  private final HttpClientPool pool;
  private final String path;
  private final String host;

  public HttpRequestSender(Router router, HttpClientPool.Config config, String path, String host, EventLoopGroup group) {
    this.pool = new HttpClientPool(router, config, group);
    this.path = path;
    this.host = host;
  }

  /** {@code GET /work} with the default client settings on the shared event loops. */
  public static HttpRequestSender work(Router router) {
    return new HttpRequestSender(router, HttpClientPool.Config.defaults(), "/work", "workload", Netty.shared());
  }

  public HttpClientPool pool() {
    return pool;
  }

  @Override
  public CompletableFuture<Outcome> send() {
    var req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    req.headers().set(HttpHeaderNames.HOST, host);
    return pool.execute(req).thenApply(r -> {
      String target = r.remote() == null ? null : r.remote().getHostString() + ":" + r.remote().getPort();
      if (r.kind() != Kind.OK) {
        return new Outcome(r.kind(), null, r.latencyNanos(), r.detail(), target);
      }
      Kind k = r.status() >= 500 ? Kind.HTTP_5XX : Kind.OK;
      return new Outcome(k, r.pod(), r.latencyNanos(), k == Kind.OK ? null : "status " + r.status(), target);
    });
  }

  @Override
  public void close() {
    pool.close();
  }
}
