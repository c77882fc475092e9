package dev.ferry.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.workload.http.HttpClientPool;
import dev.ferry.workload.http.HttpResult;
import dev.ferry.workload.load.Kind;
import dev.ferry.workload.load.Router;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A server closes an idle kept-alive connection just as the client's next request crosses the
 * close (what a draining server does to its idle connections). Which requests a client may send
 * again on a new connection follows Go's net/http: those nothing of which was written, and
 * replayable ones (GET, HEAD, OPTIONS, TRACE, or with an Idempotency-Key); a POST is lost.
 */
class HttpClientPoolRetryTest {

  private static final HttpClientPool.Config CLIENT =
      new HttpClientPool.Config(Duration.ofSeconds(2), Duration.ofSeconds(3), 100);

  @Test
  void aGetOrAnIdempotentWriteIsSentAgainAndAPostIsNot() throws Exception {
    InetSocketAddress a = new InetSocketAddress("127.0.5.60", 18080) /* its own: IngressTest binds .41 */;
    try (StubServer server = new StubServer(a, StubServer.Mode.CLOSE_ON_SECOND_REQUEST);
         HttpClientPool pool = new HttpClientPool(Router.fixed(a), CLIENT, Netty.shared())) {
      assertThat(send(pool, request(HttpMethod.GET, false)).kind()).isEqualTo(Kind.OK); // the connection stays

      HttpResult get = send(pool, request(HttpMethod.GET, false)); // crosses the close, sent again
      assertThat(get.kind()).isEqualTo(Kind.OK);
      assertThat(server.requests).as("the server saw it twice").hasValue(3);

      HttpResult put = send(pool, request(HttpMethod.PUT, true));
      assertThat(put.kind()).as("a PUT with an Idempotency-Key").isEqualTo(Kind.OK);
      assertThat(server.requests).hasValue(5);

      HttpResult post = send(pool, request(HttpMethod.POST, false));
      assertThat(post.kind()).as("a POST is not sent twice").isEqualTo(Kind.RESET);
      assertThat(post.sent()).isTrue();
      assertThat(server.requests).hasValue(6);
    }
  }

  private static HttpResult send(HttpClientPool pool, FullHttpRequest r) throws Exception {
    return pool.execute(r).get(10, TimeUnit.SECONDS);
  }

  private static FullHttpRequest request(HttpMethod method, boolean idempotencyKey) {
    FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/x", Unpooled.EMPTY_BUFFER);
    r.headers().set(HttpHeaderNames.HOST, "stub").set(HttpHeaderNames.CONTENT_LENGTH, 0);
    if (idempotencyKey) {
      r.headers().set("Idempotency-Key", "k-1");
    }
    return r;
  }
}
