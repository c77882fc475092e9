package dev.ferry.workload.http;

import dev.ferry.workload.load.Kind;
import dev.ferry.workload.load.Router;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 client with keep-alive connection pooling, as real clients have: a request takes the
 * most recently used idle connection, or opens a new one to the address the {@link Router} gives; a
 * connection goes back to the pool after each answer until the server says {@code Connection:
 * close} or the connection breaks. A pooled connection that the server has closed is skipped when
 * its close has been seen; one whose close is still on its way gets the request and ends {@link
 * Kind#RESET}, the race that real clients lose too.
 *
 * <p>Errors are classified precisely: connect refused, connect or answer timeout, and a connection
 * that broke or closed before the whole answer (reset). One pool is one client's pool, for one
 * target (a Service address); the ingress keeps one per upstream.
 */
public final class HttpClientPool implements AutoCloseable {

  /**
   * @param connectTimeout how long a connect may take
   * @param requestTimeout from the call to the whole answer, connecting included
   * @param maxIdle connections kept idle at most (more are closed after their answer)
   */
  public record Config(Duration connectTimeout, Duration requestTimeout, int maxIdle) {
    public static Config defaults() {
      return new Config(Duration.ofSeconds(2), Duration.ofSeconds(5), 1000);
    }
  }

  private final Router router;
  private final Config config;
  private final Bootstrap bootstrap;
  private final ConcurrentLinkedDeque<Channel> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger idleCount = new AtomicInteger();
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private volatile boolean retired;

  public HttpClientPool(Router router, Config config, EventLoopGroup group) {
    this.router = router;
    this.config = config;
    int connectMs = (int) Math.max(1, Math.min(config.connectTimeout().toMillis(), config.requestTimeout().toMillis()));
    this.bootstrap = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMs)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            open.add(ch);
            ch.closeFuture().addListener(f -> {
              open.remove(ch);
              if (idle.remove(ch)) {
                idleCount.decrementAndGet();
              }
            });
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), new Exchange(ch));
          }
        });
  }

  /** Connections open now (idle and busy). */
  public int openConnections() {
    return open.size();
  }

  public int idleConnections() {
    return idleCount.get();
  }

  /** Attempts at most for one request whose kept-alive connection closed before it was written. */
  static final int STALE_CONNECTION_ATTEMPTS = 3;

  /**
   * Sends {@code request} (this call owns and releases it) and completes with the answer or the
   * error; never completes exceptionally. Sets {@code Connection: keep-alive} unless the request
   * says otherwise. A request whose kept-alive connection the server closed before answering is
   * sent again on another connection (at most {@value #STALE_CONNECTION_ATTEMPTS} attempts in all)
   * when that is safe, by Go's net/http rule ({@code persistConn.shouldRetryRequest}): nothing of it
   * was written (the server never saw it), or it is replayable (GET, HEAD, OPTIONS, TRACE, or it
   * carries an {@code Idempotency-Key}). A server that closes an idle keep-alive connection can
   * always cross a request already on its way (RFC 9112 §9.3.1 leaves the retry to the client);
   * a POST caught so is lost, as with real clients.
   */
  public CompletableFuture<HttpResult> execute(FullHttpRequest request) {
    return execute(request, 1);
  }

  private CompletableFuture<HttpResult> execute(FullHttpRequest request, int attempt) {
    boolean mayRetry = attempt < STALE_CONNECTION_ATTEMPTS;
    boolean replayable = replayable(request);
    if (mayRetry) {
      request.retain(); // kept for a resend
    }
    return attempt(request).thenCompose(r -> {
      boolean staleConnection = r.reused() && (r.kind() == Kind.RESET || !r.sent());
      if (mayRetry && r.kind() != Kind.OK && staleConnection && (!r.sent() || replayable) && !closed) {
        return execute(request, attempt + 1);
      }
      if (mayRetry) {
        request.release();
      }
      return CompletableFuture.completedFuture(r);
    });
  }

  /** Go's {@code Request.isReplayable}: a request a client may send twice. */
  static boolean replayable(HttpRequest request) {
    HttpMethod m = request.method();
    return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)
        || m.equals(HttpMethod.TRACE) || request.headers().contains("Idempotency-Key");
  }

  private CompletableFuture<HttpResult> attempt(FullHttpRequest request) {
    long t0 = System.nanoTime();
    CompletableFuture<HttpResult> f = new CompletableFuture<>();
    if (closed) {
      request.release();
      f.complete(HttpResult.error(Kind.OTHER, false, false, null, t0, "client closed"));
      return f;
    }
    if (!request.headers().contains(HttpHeaderNames.CONNECTION)) {
      request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    HttpUtil.setContentLength(request, request.content().readableBytes());
    Channel ch;
    while ((ch = idle.pollFirst()) != null) {
      idleCount.decrementAndGet();
      if (ch.isActive()) {
        send(ch, request, true, t0, f);
        return f;
      }
    }
    InetSocketAddress target;
    try {
      target = router.next();
    } catch (RuntimeException e) {
      target = null;
    }
    if (target == null) {
      request.release();
      f.complete(HttpResult.error(Kind.UNAVAILABLE, false, false, null, t0, "no endpoint"));
      return f;
    }
    InetSocketAddress to = target;
    ChannelFuture cf = bootstrap.connect(to);
    cf.addListener(c -> {
      if (c.isSuccess()) {
        send(cf.channel(), request, false, t0, f);
      } else {
        request.release();
        f.complete(HttpResult.error(connectKind(c.cause()), false, false, to, t0, String.valueOf(c.cause())));
      }
    });
    return f;
  }

  static Kind connectKind(Throwable cause) {
    if (cause instanceof ConnectTimeoutException) {
      return Kind.TIMEOUT;
    }
    if (cause instanceof ConnectException && String.valueOf(cause.getMessage()).contains("refused")) {
      return Kind.REFUSED;
    }
    if (cause instanceof IOException && String.valueOf(cause.getMessage()).toLowerCase().contains("reset")) {
      return Kind.RESET;
    }
    return Kind.OTHER;
  }

  private void send(Channel ch, FullHttpRequest request, boolean reused, long t0, CompletableFuture<HttpResult> f) {
    ch.eventLoop().execute(() -> {
      Exchange ex = ch.pipeline().get(Exchange.class);
      InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
      if (ex == null || !ch.isActive() || ex.pending != null) {
        request.release();
        f.complete(HttpResult.error(Kind.RESET, false, reused, remote, t0, "connection closed before the request was written"));
        return;
      }
      long left = config.requestTimeout().toNanos() - (System.nanoTime() - t0);
      ex.begin(f, reused, t0, remote, Math.max(left, 1));
      ch.writeAndFlush(request).addListener(w -> {
        if (w.isSuccess()) {
          ex.sent = true;
        } else {
          ex.fail(w.cause() instanceof ClosedChannelException || w.cause() instanceof IOException ? Kind.RESET : Kind.OTHER,
              "write failed: " + w.cause());
          ch.close();
        }
      });
    });
  }

  private void release(Channel ch) {
    if (closed || retired || !ch.isActive() || idleCount.get() >= config.maxIdle()) {
      ch.close();
      return;
    }
    idleCount.incrementAndGet();
    idle.offerFirst(ch);
  }

  /**
   * Retires the pool: closes the idle connections now and the busy ones after their answer (calls
   * still work, on connections that are closed after them).
   */
  public void retire() {
    retired = true;
    Channel ch;
    while ((ch = idle.pollFirst()) != null) {
      idleCount.decrementAndGet();
      ch.close();
    }
  }

  /** Closes every connection; later calls end {@link Kind#OTHER}. */
  @Override
  public void close() {
    closed = true;
    for (Channel ch : open) {
      ch.close();
    }
  }

  /** One connection's exchange in progress; touched on the connection's event loop only. */
  private final class Exchange extends SimpleChannelInboundHandler<FullHttpResponse> {
    private final Channel ch;
    CompletableFuture<HttpResult> pending;
    boolean sent;
    boolean reused;
    long t0;
    InetSocketAddress remote;
    ScheduledFuture<?> timer;

    Exchange(Channel ch) {
      super(false);
      this.ch = ch;
    }

    void begin(CompletableFuture<HttpResult> f, boolean reused, long t0, InetSocketAddress remote, long timeoutNanos) {
      this.pending = f;
      this.sent = false;
      this.reused = reused;
      this.t0 = t0;
      this.remote = remote;
      this.timer = ch.eventLoop().schedule(() -> {
        if (pending == f) {
          fail(Kind.TIMEOUT, "no answer in time");
          ch.close();
        }
      }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    void fail(Kind kind, String detail) {
      CompletableFuture<HttpResult> f = pending;
      if (f == null) {
        return;
      }
      pending = null;
      timer.cancel(false);
      f.complete(HttpResult.error(kind, sent, reused, remote, t0, detail));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
      try {
        CompletableFuture<HttpResult> f = pending;
        if (f == null) {
          ctx.close(); // an answer nobody asked for: the connection is out of step
          return;
        }
        pending = null;
        timer.cancel(false);
        HttpResult r = new HttpResult(Kind.OK, res.status().code(), res.headers().copy(),
            ByteBufUtil.getBytes(res.content()), true, reused, remote, System.nanoTime() - t0, null);
        if (HttpUtil.isKeepAlive(res)) {
          release(ch);
        } else {
          ch.close();
        }
        f.complete(r);
      } finally {
        ReferenceCountUtil.release(res);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      fail(Kind.RESET, sent ? "connection closed before the answer" : "connection closed before the request was written");
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(cause instanceof IOException ? Kind.RESET : Kind.OTHER, String.valueOf(cause));
      ctx.close();
    }
  }
}
