package dev.ferry.broker.api;

import dev.ferry.broker.Broker;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.broker.Transport;
import dev.ferry.broker.evacuation.LoadRebalanceAgent;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EMQX HTTP API of a lab node, in the dialect its {@link EmqxProfile} says ({@code /api/v5} of
 * EMQX 5 and 6, or {@code /api/v4} of EMQX Enterprise 4.4: see {@link V5Routes}, {@link V4Routes}),
 * plus {@code /status} (readiness, no auth) and {@code /metrics} (Prometheus). With the profile's
 * {@code apiTls} it listens with HTTPS only.
 *
 * <p>The answers come from the {@link LoadRebalanceAgent} on the broker thread, so the event loop
 * never waits. Credentials are compared in constant time and never logged.
 */
public final class ApiServer {

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  private final ApiBackend backend;
  private final DialectRoutes routes;
  private final Supplier<String> metrics;
  private final Channel serverChannel;

  public ApiServer(
      Broker broker, LoadRebalanceAgent agent, Supplier<String> metrics, EventLoopGroup boss,
      EventLoopGroup workers, InetSocketAddress address)
      throws InterruptedException {
    this.backend = new ApiBackend(broker, agent);
    this.metrics = metrics;
    EmqxProfile profile = broker.config().emqx();
    ApiAuth auth = new ApiAuth(broker.config().apiKey(), broker.config().apiSecret(), profile.viewerKeys());
    this.routes = profile.dialect() == EmqxProfile.Dialect.V4 ? new V4Routes(backend, auth) : new V5Routes(backend, auth);
    SslContext tls = profile.apiTls() == null ? null : sslContext(profile.apiTls());
    serverChannel = new ServerBootstrap()
        .group(boss, workers)
        .channel(Transport.serverChannel(boss))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (tls != null) {
              ch.pipeline().addLast(tls.newHandler(ch.alloc()));
            }
            ch.pipeline()
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(1 << 20))
                .addLast(new Handler());
          }
        })
        .bind(address).sync().channel();
  }

  /** A server context from the PEMs: the chain, leaf first, and its PKCS#8 key (EC or RSA). */
  private static SslContext sslContext(EmqxProfile.ApiTls tls) {
    try {
      return SslContextBuilder.forServer(
          new ByteArrayInputStream(tls.certificateChainPem().getBytes(StandardCharsets.US_ASCII)),
          new ByteArrayInputStream(tls.privateKeyPem().getBytes(StandardCharsets.US_ASCII))).build();
    } catch (SSLException | IllegalArgumentException e) {
      // The cause may quote the key material: only its type goes into the message.
      throw new IllegalArgumentException("the API's TLS certificate or key cannot be used (a PEM certificate chain "
          + "and a PKCS#8 PEM key are needed): " + e.getClass().getSimpleName());
    }
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  public void close() {
    serverChannel.close().syncUninterruptibly();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      QueryStringDecoder uri = new QueryStringDecoder(req.uri());
      ApiRequest request = new ApiRequest(req.method(), uri.rawPath(), uri.parameters(),
          req.headers().get(HttpHeaderNames.AUTHORIZATION), req.headers().get(HttpHeaderNames.CONTENT_TYPE),
          req.content().toString(StandardCharsets.UTF_8));
      CompletableFuture<HttpReply> reply;
      try {
        reply = dispatch(request);
      } catch (RuntimeException e) {
        reply = CompletableFuture.failedFuture(e);
      }
      reply.whenComplete((r, e) -> {
        HttpReply out = r;
        if (e != null) {
          log.warn("event=api_error path={} error={}", request.path(), e.toString());
          out = HttpReply.json(ApiResult.error(500, "INTERNAL_ERROR", e.toString()));
        }
        HttpReply answer = out;
        ctx.executor().execute(() -> write(ctx, keepAlive, answer));
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private CompletableFuture<HttpReply> dispatch(ApiRequest request) {
    if (request.path().equals("/metrics")) {
      return DialectRoutes.done(new HttpReply(200, "text/plain; version=0.0.4; charset=utf-8", metrics.get(),
          java.util.Map.of()));
    }
    if (request.path().equals("/status")) {
      return backend.status("json".equals(request.queryValue("format")));
    }
    return routes.handle(request);
  }

  private static void write(ChannelHandlerContext ctx, boolean keepAlive, HttpReply r) {
    FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
        Unpooled.wrappedBuffer(r.body().getBytes(StandardCharsets.UTF_8)));
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    r.headers().forEach((k, v) -> resp.headers().set(k, v));
    HttpUtil.setContentLength(resp, resp.content().readableBytes());
    if (keepAlive) {
      HttpUtil.setKeepAlive(resp, true);
      ctx.writeAndFlush(resp);
    } else {
      ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
