package dev.ferry.workload.http;

import dev.ferry.workload.Netty;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
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
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated pod's HTTP/1.1 service (keep-alive), started with {@link #start}.
 *
 * <p>Endpoints:
 *
 * <ul>
 *   <li>{@code GET /work}: the load generator's request; answers 200 with the pod name (body and
 *       header {@code X-Pod}) after the service time.
 *   <li>{@code GET /ready}: the readiness probe; 200 while started and not stopping, else 503.
 *   <li>Ferry's HTTP drain protocol: {@code POST /drain} starts a drain (idempotent): further
 *       answers carry {@code Connection: close}, idle keep-alive connections are closed, requests in
 *       flight finish; {@code GET /drain} reports; {@code DELETE /drain} ends the drain. Each answers
 *       200 with {@link DrainStatus#toJson()}.
 *   <li>{@code POST /offline} (or GET): what a preStop {@code offlineUrl} calls; marks the service
 *       offline and starts a drain, answers 200 with the same JSON.
 *   <li>Any other path: the configured {@link HttpApplication}, on a bounded executor of the
 *       service's (never on an event loop), counted in flight like {@code /work}; 404 without one,
 *       503 when its queue is full.
 * </ul>
 *
 * <p>The drain counts leave out the requesting connection and connections that only ever carried
 * probe or drain requests (a kubelet's probes, the drainer's polls): they count what clients hold.
 *
 * <p>{@link #stop()} is the application's own graceful shutdown (what it does on SIGTERM): it stops
 * accepting (new connections are refused), closes idle connections, lets requests in flight finish
 * with {@code Connection: close}, and closes everything after {@code shutdownTime} at the latest.
 * {@link #kill()} is SIGKILL: every socket closed at once, requests in flight never answered.
 */
public final class HttpService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpService.class);
  private static final AttributeKey<Conn> CONN = AttributeKey.valueOf("ferry.workload.conn");

  /** Life cycle of the service. */
  public enum State { STARTING, SERVING, STOPPING, STOPPED }

  private final HttpServiceConfig config;
  private final EventLoopGroup group;
  private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CompletableFuture<HttpService> started = new CompletableFuture<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile State state = State.STARTING;
  private volatile boolean draining;
  private volatile boolean offline;
  private volatile long startedNanos;
  private volatile Channel server;
  private final ThreadPoolExecutor appExecutor;
  private final AtomicBoolean appClosed = new AtomicBoolean();

  private HttpService(HttpServiceConfig config, EventLoopGroup group) {
    this.config = config;
    this.group = group;
    HttpApplication app = config.application();
    if (app == null) {
      this.appExecutor = null;
    } else {
      // Bounded both ways: threads (the connection pool's size is the useful bound) and queue.
      int threads = Math.max(1, app.maxConcurrency());
      AtomicInteger n = new AtomicInteger();
      this.appExecutor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(Math.max(1, app.maxQueued())),
          r -> Thread.ofPlatform().daemon(true).name(config.podName() + "-app-" + n.incrementAndGet()).unstarted(r));
      this.appExecutor.allowCoreThreadTimeOut(true);
    }
  }

  /** Starts the service on the shared event loops; it listens after {@code startupTime}. */
  public static HttpService start(HttpServiceConfig config) {
    return start(config, Netty.shared());
  }

  /** Starts the service on {@code group}; it listens after {@code startupTime}. */
  public static HttpService start(HttpServiceConfig config, EventLoopGroup group) {
    HttpService s = new HttpService(config, group);
    long delay = config.startupTime().toNanos();
    if (delay == 0) {
      s.bind();
    } else {
      group.schedule(s::bind, delay, TimeUnit.NANOSECONDS);
    }
    return s;
  }

  private void bind() {
    if (state != State.STARTING) {
      return;
    }
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.attr(CONN).set(new Conn());
            connections.add(ch);
            ch.closeFuture().addListener(f -> {
              connections.remove(ch);
              maybeFinishStop();
            });
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Handler());
          }
        });
    b.bind(config.address()).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        log.warn("{}: cannot listen on {}: {}", config.podName(), config.address(), f.cause().toString());
        state = State.STOPPED;
        started.completeExceptionally(f.cause());
        stopped.complete(null);
        return;
      }
      server = f.channel();
      synchronized (this) {
        if (state != State.STARTING) { // killed or stopped while binding
          server.close();
          return;
        }
        startedNanos = System.nanoTime();
        state = State.SERVING;
      }
      started.complete(this);
    });
  }

  public HttpServiceConfig config() {
    return config;
  }

  public String podName() {
    return config.podName();
  }

  /** The address it listens on (or will, once started). */
  public InetSocketAddress address() {
    return config.address();
  }

  public State state() {
    return state;
  }

  /** Completes when the service listens; fails if it cannot. */
  public CompletableFuture<HttpService> started() {
    return started;
  }

  /** Completes when every socket of the service is closed. */
  public CompletableFuture<Void> stopped() {
    return stopped;
  }

  /** What {@code GET /ready} answers: started and not stopping. */
  public boolean ready() {
    return state == State.SERVING;
  }

  public boolean draining() {
    return draining;
  }

  /** Whether {@code /offline} was called. */
  public boolean offline() {
    return offline;
  }

  /** The drain counts as {@code GET /drain} reports them to a request from outside. */
  public DrainStatus drainStatus() {
    return drainStatus(null);
  }

  /** Starts a drain (as {@code POST /drain}); idempotent. */
  public DrainStatus startDrain() {
    return startDrain(null);
  }

  /** Ends a drain (as {@code DELETE /drain}). */
  public DrainStatus stopDrain() {
    draining = false;
    return drainStatus(null);
  }

  /**
   * The graceful shutdown: stop accepting, close idle connections, let requests in flight finish,
   * close everything after {@code shutdownTime} at the latest. Completes when all is closed.
   */
  public CompletableFuture<Void> stop() {
    synchronized (this) {
      if (state == State.STOPPING || state == State.STOPPED) {
        return stopped;
      }
      boolean neverListened = state == State.STARTING;
      state = State.STOPPING;
      if (neverListened) {
        finish();
        return stopped;
      }
    }
    Channel s = server;
    if (s != null) {
      s.close();
    }
    closeIdle(null);
    group.schedule(this::closeAll, config.shutdownTime().toNanos(), TimeUnit.NANOSECONDS);
    maybeFinishStop();
    return stopped;
  }

  /** SIGKILL: every socket closed now, requests in flight never answered. */
  public void kill() {
    synchronized (this) {
      if (state == State.STOPPED) {
        return;
      }
      state = State.STOPPING;
    }
    // As after a SIGKILL, nothing listens and no connection answers once this returns: a close is
    // asynchronous otherwise, so a client's immediate reconnect could still be accepted, or a
    // request written on a kept-alive connection still read and answered. Not awaited on its own loop.
    Channel s = server;
    if (s != null) {
      awaitClosed(List.of(s));
    }
    awaitClosed(List.copyOf(connections));
    closeAll();
  }

  /** Closes them all at once, then waits for each (at most 2 s in all) unless on its own loop. */
  private static void awaitClosed(List<Channel> channels) {
    List<io.netty.channel.ChannelFuture> closing = channels.stream().map(Channel::close).toList();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (var f : closing) {
      if (!f.channel().eventLoop().inEventLoop()) {
        f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    }
  }

  /** Same as {@link #kill()}. */
  @Override
  public void close() {
    kill();
  }

  private void closeAll() {
    for (Channel ch : connections) {
      ch.close();
    }
    maybeFinishStop();
    if (connections.isEmpty()) {
      finish();
    }
  }

  private void maybeFinishStop() {
    if (state != State.STOPPING) {
      return;
    }
    if (inFlight.get() == 0) {
      for (Channel ch : connections) {
        ch.close();
      }
    }
    if (connections.isEmpty()) {
      finish();
    }
  }

  private void finish() {
    Channel s = server;
    if (s != null) {
      s.close().addListener(f -> markStopped());
    } else {
      markStopped();
    }
  }

  private void markStopped() {
    state = State.STOPPED;
    started.completeExceptionally(new IllegalStateException(config.podName() + " stopped"));
    HttpApplication app = config.application();
    if (app == null) {
      stopped.complete(null);
      return;
    }
    if (!appClosed.compareAndSet(false, true)) {
      return;
    }
    // Closing may block (a pool aborting its connections): not on an event loop. stopped()
    // completes after it, so "stopped" also means "its database sessions are gone".
    Thread.ofPlatform().daemon(true).name(config.podName() + "-app-close").start(() -> {
      try {
        app.close();
      } catch (RuntimeException e) {
        log.warn("event=app_close_failed pod={} error={}", config.podName(), e.toString());
      } finally {
        appExecutor.shutdownNow();
        stopped.complete(null);
      }
    });
  }

  private DrainStatus startDrain(Channel self) {
    draining = true;
    closeIdle(self);
    return drainStatus(self);
  }

  private void closeIdle(Channel self) {
    for (Channel ch : connections) {
      if (ch == self) {
        continue;
      }
      ch.eventLoop().execute(() -> {
        if (ch.attr(CONN).get().inFlight == 0) {
          ch.close();
        }
      });
    }
  }

  private DrainStatus drainStatus(Channel self) {
    int conns = 0;
    for (Channel ch : connections) {
      if (ch != self && !ch.attr(CONN).get().adminOnly && ch.isActive()) {
        conns++;
      }
    }
    return new DrainStatus(draining, inFlight.get(), conns);
  }

  private Duration serviceTimeNow() {
    Duration base = config.serviceTime();
    long cold = config.coldExtra().toNanos();
    long period = config.coldPeriod().toNanos();
    if (cold == 0 || period == 0) {
      return base;
    }
    long since = System.nanoTime() - startedNanos;
    if (since >= period) {
      return base;
    }
    return base.plusNanos((long) (cold * (1.0 - (double) since / period)));
  }

  /** Per-connection state, touched on the connection's event loop only (read elsewhere). */
  private static final class Conn {
    volatile int inFlight;
    volatile boolean adminOnly;
    boolean sawRequest;
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      Conn conn = ctx.channel().attr(CONN).get();
      String path = req.uri();
      int q = path.indexOf('?');
      if (q >= 0) {
        path = path.substring(0, q);
      }
      boolean admin = path.equals("/ready") || path.equals("/drain") || path.equals("/offline");
      if (!conn.sawRequest) {
        conn.sawRequest = true;
        conn.adminOnly = admin;
      } else if (!admin) {
        conn.adminOnly = false;
      }
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      HttpMethod m = req.method();
      switch (path) {
        case "/work" -> work(ctx, conn, keepAlive);
        case "/ready" -> respond(ctx, keepAlive, ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
            ready() ? "ready" : state.name().toLowerCase(), "text/plain");
        case "/drain" -> {
          DrainStatus s;
          if (m.equals(HttpMethod.POST)) {
            s = startDrain(ctx.channel());
          } else if (m.equals(HttpMethod.GET)) {
            s = drainStatus(ctx.channel());
          } else if (m.equals(HttpMethod.DELETE)) {
            draining = false;
            s = drainStatus(ctx.channel());
          } else {
            respond(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, "POST, GET or DELETE", "text/plain");
            return;
          }
          respond(ctx, keepAlive, HttpResponseStatus.OK, s.toJson(), "application/json");
        }
        case "/offline" -> {
          offline = true;
          respond(ctx, keepAlive, HttpResponseStatus.OK, startDrain(ctx.channel()).toJson(), "application/json");
        }
        default -> {
          if (appExecutor == null) {
            respond(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "not found", "text/plain");
          } else {
            application(ctx, conn, keepAlive, req, path);
          }
        }
      }
    }

    private void application(ChannelHandlerContext ctx, Conn conn, boolean keepAlive, FullHttpRequest req, String path) {
      // Copied here: the request's buffer is released when this handler returns.
      String uri = req.uri();
      int q = uri.indexOf('?');
      Map<String, String> headers = new HashMap<>();
      req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
      var request = new HttpApplication.Request(req.method().name(), path, q < 0 ? "" : uri.substring(q + 1),
          Map.copyOf(headers), ByteBufUtil.getBytes(req.content()));
      conn.inFlight++;
      inFlight.incrementAndGet();
      try {
        appExecutor.execute(() -> {
          HttpApplication.Response res;
          try {
            res = config.application().handle(request);
            if (res == null) {
              res = HttpApplication.Response.text(404, "not found");
            }
          } catch (Exception | Error e) { // whatever it was, the request is answered and leaves the in-flight count
            res = HttpApplication.Response.text(500, String.valueOf(e.getMessage()));
          }
          HttpApplication.Response answer = res;
          ctx.executor().execute(() -> {
            conn.inFlight--;
            try {
              if (ctx.channel().isActive()) {
                respond(ctx, keepAlive, answer);
              }
            } finally {
              inFlight.decrementAndGet();
              maybeFinishStop();
            }
          });
        });
      } catch (RejectedExecutionException e) {
        conn.inFlight--;
        inFlight.decrementAndGet();
        respond(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, "busy", "text/plain");
        maybeFinishStop();
      }
    }

    private void respond(ChannelHandlerContext ctx, boolean keepAlive, HttpApplication.Response answer) {
      boolean keep = keepAlive && !draining && state == State.SERVING;
      FullHttpResponse res = new DefaultFullHttpResponse(
          HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(answer.body()));
      answer.headers().forEach((k, v) -> res.headers().set(k, v));
      res.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
          .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes())
          .set("X-Pod", config.podName())
          .set(HttpHeaderNames.CONNECTION, keep ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
      var f = ctx.writeAndFlush(res);
      if (!keep) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    private void work(ChannelHandlerContext ctx, Conn conn, boolean keepAlive) {
      conn.inFlight++;
      inFlight.incrementAndGet();
      long nanos = serviceTimeNow().toNanos();
      Runnable answer = () -> {
        conn.inFlight--;
        try {
          if (ctx.channel().isActive()) {
            respond(ctx, keepAlive, HttpResponseStatus.OK, config.podName(), "text/plain");
          }
        } finally {
          inFlight.decrementAndGet();
          maybeFinishStop();
        }
      };
      if (nanos == 0) {
        answer.run();
      } else {
        ctx.executor().schedule(answer, nanos, TimeUnit.NANOSECONDS);
      }
    }

    private void respond(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String body, String type) {
      respond(ctx, keepAlive, new HttpApplication.Response(status.code(), type, body.getBytes(StandardCharsets.UTF_8), Map.of()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  @Override
  public String toString() {
    return "HttpService[" + config.podName() + "@" + config.address() + " " + state + "]";
  }
}
