package dev.ferry.broker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.ferry.broker.Broker;
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
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EMQX 5 HTTP API (shared/EMQX-API.md) and {@code /metrics}, on Netty's HTTP codec.
 *
 * <p>Routing and auth are here; the answers come from the {@link LoadRebalanceAgent} on the broker
 * thread, so the event loop never waits. Credentials are compared in constant time and never
 * logged.
 */
public final class ApiServer {

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  private static final String BASE = "/api/v5";

  private final Broker broker;
  private final LoadRebalanceAgent agent;
  private final Supplier<String> metrics;
  private final byte[] expectedAuth;
  private final Channel serverChannel;

  public ApiServer(
      Broker broker, LoadRebalanceAgent agent, Supplier<String> metrics, EventLoopGroup boss,
      EventLoopGroup workers, InetSocketAddress address)
      throws InterruptedException {
    this.broker = broker;
    this.agent = agent;
    this.metrics = metrics;
    String credentials = broker.config().apiKey() + ":" + broker.config().apiSecret();
    this.expectedAuth = ("Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
        .getBytes(StandardCharsets.UTF_8);
    serverChannel = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(1 << 20))
                .addLast(new Handler());
          }
        })
        .bind(address).sync().channel();
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
      String path = new QueryStringDecoder(req.uri()).path();
      String body = req.content().toString(StandardCharsets.UTF_8);
      if (path.equals("/metrics")) {
        writeText(ctx, keepAlive, metrics.get());
        return;
      }
      if (path.equals("/status")) { // EMQX 5's readiness endpoint: 200 once the node can serve
        broker.executor().execute(() -> {
          List<String> waiting = broker.cluster().waitingFor();
          String text = "Node " + broker.name() + " is started\n" + (waiting.isEmpty()
              ? "emqx is running" : "emqx is starting: waiting for the routes of " + String.join(", ", waiting));
          ctx.executor().execute(() -> writeStatus(ctx, keepAlive, waiting.isEmpty() ? 200 : 503, text));
        });
        return;
      }
      CompletableFuture<ApiResult> result;
      try {
        result = route(req.method(), path, req.headers().get(HttpHeaderNames.AUTHORIZATION), body);
      } catch (RuntimeException e) {
        log.warn("event=api_error path={} error={}", path, e.toString());
        result = CompletableFuture.completedFuture(ApiResult.error(500, "INTERNAL_ERROR", e.toString()));
      }
      result.whenComplete((r, e) -> {
        ApiResult out = e != null ? ApiResult.error(500, "INTERNAL_ERROR", e.toString()) : r;
        ctx.executor().execute(() -> write(ctx, keepAlive, out));
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Routes one request; the path is already stripped of its query. */
  CompletableFuture<ApiResult> route(HttpMethod method, String path, String authorization, String body) {
    if (!path.startsWith(BASE + "/")) {
      return done(ApiResult.notFound("no such path: " + path));
    }
    List<String> parts = List.of(path.substring(BASE.length() + 1).split("/"))
        .stream().map(p -> QueryStringDecoder.decodeComponent(p, StandardCharsets.UTF_8)).toList();
    if (parts.equals(List.of("load_rebalance", "availability_check")) && method.equals(HttpMethod.GET)) {
      return onBroker(() -> agent.available()
          ? ApiResult.ok() : ApiResult.error(503, "NODE_EVACUATING", "Node Evacuating"));
    }
    if (!authorized(authorization)) {
      return done(ApiResult.error(401, "BAD_USERNAME_OR_PWD", "Check username/password"));
    }
    if (method.equals(HttpMethod.GET)) {
      if (parts.equals(List.of("nodes"))) {
        return onBroker(() -> {
          ArrayNode a = ApiResult.JSON.createArrayNode();
          agent.nodes().forEach(a::add);
          return ApiResult.ok(a);
        });
      }
      if (parts.size() == 2 && parts.get(0).equals("nodes")) {
        String node = parts.get(1);
        return onBroker(() -> agent.nodes().stream().filter(n -> n.get("node").asText().equals(node)).findFirst()
            .map(n -> ApiResult.ok(n))
            .orElse(ApiResult.notFound("node '" + node + "' not found")));
      }
      if (parts.equals(List.of("load_rebalance", "global_status"))) {
        return onBroker(() -> ApiResult.ok(agent.globalStatus()));
      }
      if (parts.equals(List.of("load_rebalance", "status"))) {
        return onBroker(() -> ApiResult.ok(agent.localStatus()));
      }
    }
    if (method.equals(HttpMethod.POST) && parts.size() >= 3 && parts.get(0).equals("load_rebalance")) {
      String node = parts.get(1);
      String op = null;
      if (parts.size() == 3 && parts.get(2).equals("start")) {
        op = "rebalance_start";
      } else if (parts.size() == 3 && parts.get(2).equals("stop")) {
        op = "rebalance_stop";
      } else if (parts.size() == 4 && parts.get(2).equals("evacuation") && parts.get(3).equals("start")) {
        op = "evacuation_start";
      } else if (parts.size() == 4 && parts.get(2).equals("evacuation") && parts.get(3).equals("stop")) {
        op = "evacuation_stop";
      }
      if (op != null) {
        JsonNode json = null;
        if (op.endsWith("_start") && !body.isBlank()) {
          try {
            json = ApiResult.JSON.readTree(body);
          } catch (Exception e) {
            return done(ApiResult.badRequest("request body is not valid JSON"));
          }
        }
        String operation = op;
        JsonNode payload = json;
        CompletableFuture<ApiResult> out = new CompletableFuture<>();
        broker.executor().execute(() -> agent.call(node, operation, payload).whenComplete((r, e) -> {
          if (e != null) {
            out.completeExceptionally(e);
          } else {
            out.complete(r);
          }
        }));
        return out;
      }
    }
    return done(ApiResult.notFound("no such path: " + path));
  }

  private boolean authorized(String header) {
    if (header == null) {
      return false;
    }
    return MessageDigest.isEqual(header.trim().getBytes(StandardCharsets.UTF_8), expectedAuth);
  }

  private CompletableFuture<ApiResult> onBroker(Supplier<ApiResult> s) {
    return CompletableFuture.supplyAsync(s, broker.executor());
  }

  private static CompletableFuture<ApiResult> done(ApiResult r) {
    return CompletableFuture.completedFuture(r);
  }

  private static void write(ChannelHandlerContext ctx, boolean keepAlive, ApiResult r) {
    byte[] bytes = r.body().toString().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse resp = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(bytes));
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    send(ctx, keepAlive, resp);
  }

  private static void writeStatus(ChannelHandlerContext ctx, boolean keepAlive, int status, String text) {
    FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
        Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    send(ctx, keepAlive, resp);
  }

  private static void writeText(ChannelHandlerContext ctx, boolean keepAlive, String text) {
    FullHttpResponse resp = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    send(ctx, keepAlive, resp);
  }

  private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse resp) {
    HttpUtil.setContentLength(resp, resp.content().readableBytes());
    if (keepAlive) {
      HttpUtil.setKeepAlive(resp, true);
      ctx.writeAndFlush(resp);
    } else {
      ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
