package dev.ferry.workload.ingress;

import dev.ferry.workload.Netty;
import dev.ferry.workload.http.HttpClientPool;
import dev.ferry.workload.http.HttpResult;
import dev.ferry.workload.load.Kind;
import dev.ferry.workload.load.Router;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * An ingress-like L7 proxy, like ingress-nginx by default: it routes each request (not each
 * connection) to one of the pod addresses it knows, keeps connections to upstreams alive, and
 * knows the pods only from {@link #updateUpstreams}, which the lab calls late, as a controller that
 * watches endpoints does. Its balancer is nginx's smooth weighted round robin with each pod's
 * weight rising linearly from ~0 to 1 over its warmup since it became ready (slow start, as Dubbo's
 * warmup does; ingress-nginx itself has no slow start, the DESIGN's lab proxy honours the warmup
 * annotations).
 *
 * <p>Failures, as nginx: connection refused, reset or timeout from an upstream sends an idempotent
 * request (or one that was never sent) to the next upstream, up to {@code nextUpstreamTries}
 * attempts; when none is left the answer is 502 (504 after a timeout); an upstream's own 5xx passes
 * through unchanged. With no upstream at all the answer is 503, as ingress-nginx gives for a
 * Service without endpoints. Answers carry the upstream's {@code X-Pod} and an {@code
 * X-Upstream} header of the address used.
 */
public final class Ingress implements AutoCloseable {
  private static final Set<String> HOP_BY_HOP = Set.of(
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade");
  private static final Set<HttpMethod> IDEMPOTENT = Set.of(
      HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.OPTIONS, HttpMethod.TRACE);

  private final IngressConfig config;
  private final EventLoopGroup group;
  private final Channel server;
  private final Set<Channel> downstream = ConcurrentHashMap.newKeySet();
  private final Map<InetSocketAddress, HttpClientPool> pools = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> attemptsPerUpstream = new ConcurrentHashMap<>();
  private final Balancer balancer;

  private Ingress(IngressConfig config, EventLoopGroup group) throws InterruptedException {
    this.config = config;
    this.group = group;
    this.balancer = new Balancer(config.minWeight());
    this.server = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            downstream.add(ch);
            ch.closeFuture().addListener(f -> downstream.remove(ch));
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Proxy());
          }
        })
        .bind(config.address()).sync().channel();
  }

  /** Starts listening now, on the shared event loops, with no upstream yet. */
  public static Ingress start(IngressConfig config) {
    return start(config, Netty.shared());
  }

  /** Starts listening now, on {@code group}, with no upstream yet. */
  public static Ingress start(IngressConfig config, EventLoopGroup group) {
    try {
      return new Ingress(config, group);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding " + config.address(), e);
    }
  }

  public InetSocketAddress address() {
    return config.address();
  }

  /**
   * Replaces the pods the ingress sends to (what it learnt from the endpoints, late). Connections
   * to pods no longer listed are closed when idle, as nginx does after a reload of its upstreams.
   */
  public void updateUpstreams(List<Upstream> upstreams) {
    balancer.update(upstreams);
    Set<InetSocketAddress> keep = new HashSet<>();
    upstreams.forEach(u -> keep.add(u.address()));
    pools.entrySet().removeIf(e -> {
      if (!keep.contains(e.getKey())) {
        e.getValue().retire();
        return true;
      }
      return false;
    });
  }

  public List<Upstream> upstreams() {
    return balancer.upstreams();
  }

  /** Attempts sent to each upstream address so far ({@code host:port}), retries included. */
  public Map<String, Long> attemptsPerUpstream() {
    Map<String, Long> m = new LinkedHashMap<>();
    attemptsPerUpstream.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  /** Stops listening and closes every connection, both sides. */
  @Override
  public void close() {
    server.close().syncUninterruptibly();
    downstream.forEach(Channel::close);
    pools.values().forEach(HttpClientPool::close);
    pools.clear();
  }

  private HttpClientPool pool(InetSocketAddress a) {
    return pools.computeIfAbsent(a, k -> new HttpClientPool(Router.fixed(k), config.poolConfig(), group));
  }

  private final class Proxy extends SimpleChannelInboundHandler<FullHttpRequest> {
    Proxy() {
      super(false);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      attempt(ctx, req, HttpUtil.isKeepAlive(req), new HashSet<>(), 1, null);
    }

    private void attempt(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive,
        Set<InetSocketAddress> tried, int n, HttpResult last) {
      Upstream up = balancer.pick(config.clock().instant(), tried);
      if (up == null) {
        req.release();
        if (last == null) {
          reply(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, "no upstream", null);
        } else {
          failed(ctx, keepAlive, last);
        }
        return;
      }
      tried.add(up.address());
      String key = up.address().getHostString() + ":" + up.address().getPort();
      attemptsPerUpstream.computeIfAbsent(key, k -> new LongAdder()).increment();
      FullHttpRequest out = new DefaultFullHttpRequest(
          HttpVersion.HTTP_1_1, req.method(), req.uri(), req.content().retainedDuplicate());
      copyHeaders(req.headers(), out.headers());
      out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      out.headers().add("X-Forwarded-For", ((InetSocketAddress) ctx.channel().remoteAddress()).getHostString());
      pool(up.address()).execute(out).thenAccept(r -> ctx.executor().execute(() -> {
        if (r.kind() == Kind.OK) {
          req.release();
          forward(ctx, keepAlive, r, key);
          return;
        }
        boolean retryable = r.kind() != Kind.OTHER && (!r.sent() || IDEMPOTENT.contains(req.method()));
        if (retryable && n < config.nextUpstreamTries()) {
          attempt(ctx, req, keepAlive, tried, n + 1, r);
        } else {
          req.release();
          failed(ctx, keepAlive, r);
        }
      }));
    }

    private void failed(ChannelHandlerContext ctx, boolean keepAlive, HttpResult r) {
      if (r.kind() == Kind.TIMEOUT) {
        reply(ctx, keepAlive, HttpResponseStatus.GATEWAY_TIMEOUT, "upstream timed out: " + r.detail(), null);
      } else {
        reply(ctx, keepAlive, HttpResponseStatus.BAD_GATEWAY, "upstream " + r.kind() + ": " + r.detail(), null);
      }
    }

    private void forward(ChannelHandlerContext ctx, boolean keepAlive, HttpResult r, String upstream) {
      FullHttpResponse res = new DefaultFullHttpResponse(
          HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
      copyHeaders(r.headers(), res.headers());
      res.headers().set("X-Upstream", upstream);
      send(ctx, keepAlive, res);
    }

    private void reply(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String body, String upstream) {
      FullHttpResponse res = new DefaultFullHttpResponse(
          HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
      if (upstream != null) {
        res.headers().set("X-Upstream", upstream);
      }
      send(ctx, keepAlive, res);
    }

    private void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse res) {
      res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
      res.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
      var f = ctx.writeAndFlush(res);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static void copyHeaders(HttpHeaders from, HttpHeaders to) {
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey().toLowerCase();
      if (!HOP_BY_HOP.contains(name) && !name.equals("content-length")) {
        to.add(h.getKey(), h.getValue());
      }
    }
  }

  /**
   * nginx's smooth weighted round robin, with weights that change over time: each pick adds every
   * pod's current weight to its score, takes the highest score and takes the total off it. Over
   * any stretch each pod gets its share of the weights, spread evenly.
   */
  static final class Balancer {
    private final double minWeight;
    private List<Upstream> upstreams = List.of();
    private final Map<InetSocketAddress, Double> scores = new LinkedHashMap<>();

    Balancer(double minWeight) {
      this.minWeight = minWeight;
    }

    synchronized void update(List<Upstream> list) {
      upstreams = List.copyOf(list);
      scores.keySet().retainAll(upstreams.stream().map(Upstream::address).toList());
    }

    synchronized List<Upstream> upstreams() {
      return upstreams;
    }

    /** The next upstream at {@code now} other than those in {@code exclude}, or null. */
    synchronized Upstream pick(Instant now, Set<InetSocketAddress> exclude) {
      Upstream best = null;
      double bestScore = Double.NEGATIVE_INFINITY;
      double total = 0;
      List<Upstream> candidates = new ArrayList<>();
      for (Upstream u : upstreams) {
        if (!exclude.contains(u.address())) {
          candidates.add(u);
        }
      }
      for (Upstream u : candidates) {
        double w = u.weight(now, minWeight);
        total += w;
        double s = scores.getOrDefault(u.address(), 0.0) + w;
        scores.put(u.address(), s);
        if (s > bestScore) {
          bestScore = s;
          best = u;
        }
      }
      if (best != null) {
        scores.put(best.address(), bestScore - total);
      }
      return best;
    }
  }
}
