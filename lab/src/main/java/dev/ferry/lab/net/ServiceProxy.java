package dev.ferry.lab.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lab Kubernetes Service: a TCP proxy on one loopback address that sends each new connection to
 * one of the ready endpoints and then copies bytes both ways, as kube-proxy does for a ClusterIP.
 *
 * <ul>
 *   <li>The endpoint set changes through {@link #setEndpoints}; the proxy sees each change only
 *       after the propagation delay, as kube-proxy on a real node learns of EndpointSlice changes
 *       late. Updates are seen in the order they were made.
 *   <li>A connection keeps its endpoint until one side closes it; changing the endpoints never moves
 *       or closes established connections (an endpoint that was removed keeps its clients).
 *   <li>With no endpoint in view a new connection is closed at once (a client sees a refusal); a
 *       failed connect to the chosen endpoint closes the client's connection too. No retry: kube-proxy
 *       does not retry either.
 * </ul>
 *
 * <pre>{@code
 * ServiceProxy mqtt = ServiceProxy.builder("mqtt", new InetSocketAddress("127.0.2.1", 1883))
 *     .balancing(Balancing.ROUND_ROBIN).propagationDelay(Duration.ofMillis(500)).start();
 * mqtt.setEndpoints(List.of(podA, podB));
 * mqtt.routedConnections();   // {"127.0.1.1:1883": 120, ...}
 * mqtt.close();
 * }</pre>
 */
public final class ServiceProxy implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServiceProxy.class);

  private final String name;
  private final Duration propagationDelay;
  private final Balancing.Chooser chooser;
  private final EventLoopGroup group;
  private final boolean ownsGroup;
  private final EndpointCounters counters = new EndpointCounters();
  private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final Channel listener;
  /** What the proxy routes to now: the last update that has finished propagating. */
  private volatile List<InetSocketAddress> visible = List.of();
  private volatile boolean closed;

  /** How to build a proxy; only the name and the address are required. */
  public static final class Builder {
    private final String name;
    private final InetSocketAddress address;
    private Balancing balancing = Balancing.RANDOM;
    private Duration propagationDelay = Duration.ZERO;
    private EventLoopGroup group;

    private Builder(String name, InetSocketAddress address) {
      this.name = Objects.requireNonNull(name, "name");
      this.address = Objects.requireNonNull(address, "address");
    }

    public Builder balancing(Balancing b) {
      this.balancing = Objects.requireNonNull(b);
      return this;
    }

    public Builder propagationDelay(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("propagation delay must not be negative, was " + d);
      }
      this.propagationDelay = d;
      return this;
    }

    /** Shares an event loop group (not closed with the proxy); by default the proxy has its own. */
    public Builder group(EventLoopGroup g) {
      this.group = g;
      return this;
    }

    /** Binds the address; the proxy accepts connections when this returns. */
    public ServiceProxy start() {
      return new ServiceProxy(this);
    }
  }

  /** @param address where clients connect, a loopback address such as {@code 127.0.2.1:1883} (port 0: any) */
  public static Builder builder(String name, InetSocketAddress address) {
    return new Builder(name, address);
  }

  private ServiceProxy(Builder b) {
    this.name = b.name;
    this.propagationDelay = b.propagationDelay;
    this.chooser = b.balancing.newChooser();
    this.ownsGroup = b.group == null;
    this.group = ownsGroup ? new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()) : b.group;
    ServerBootstrap sb = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .option(ChannelOption.SO_REUSEADDR, true)
        // Nothing is read from a client before its endpoint is connected.
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast("route", new Router());
          }
        });
    try {
      this.listener = sb.bind(b.address).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdownOwnGroup();
      throw new IllegalStateException("interrupted while binding service " + name, e);
    } catch (RuntimeException e) {
      shutdownOwnGroup();
      throw new IllegalStateException("service " + name + " cannot bind " + b.address + ": " + e, e);
    }
    log.info("event=service_started service={} address={} balancing={} propagation_ms={}",
        name, address(), b.balancing, propagationDelay.toMillis());
  }

  public String name() {
    return name;
  }

  /** Where clients connect. */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /**
   * Replaces the ready endpoints. The proxy routes by the new set once the propagation delay has
   * passed; until then new connections still go to the set it saw before.
   */
  public void setEndpoints(List<InetSocketAddress> endpoints) {
    List<InetSocketAddress> update = List.copyOf(endpoints);
    if (propagationDelay.isZero()) {
      apply(update);
    } else {
      // One event loop for every update: equal delays keep the order in which they were made.
      listener.eventLoop().schedule(() -> apply(update), propagationDelay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void apply(List<InetSocketAddress> update) {
    visible = update;
    log.info("event=service_endpoints_seen service={} endpoints={}", name, update);
  }

  /** The endpoints new connections go to now (after propagation). */
  public List<InetSocketAddress> visibleEndpoints() {
    return visible;
  }

  /** Connections routed to each endpoint since the start, by {@code host:port}. */
  public Map<String, Long> routedConnections() {
    return counters.routedSnapshot();
  }

  /** Connections open to each endpoint now, by {@code host:port}. */
  public Map<String, Integer> activeConnections() {
    return counters.activeSnapshot();
  }

  public long routedTo(InetSocketAddress endpoint) {
    return counters.routedTo(endpoint);
  }

  public int activeTo(InetSocketAddress endpoint) {
    return counters.active(endpoint);
  }

  /** Stops listening and closes every proxied connection (as deleting the Service would). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    listener.close().syncUninterruptibly();
    open.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    shutdownOwnGroup();
    log.info("event=service_stopped service={} routed={}", name, routedConnections());
  }

  private void shutdownOwnGroup() {
    if (ownsGroup) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  static String key(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }

  /** Picks the endpoint of a new client connection, connects to it, then splices the two. */
  private final class Router extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel client = ctx.channel();
      open.add(client);
      List<InetSocketAddress> ready = visible;
      if (ready.isEmpty()) {
        log.debug("event=service_no_endpoint service={} client={}", name, client.remoteAddress());
        client.close();
        return;
      }
      InetSocketAddress endpoint = chooser.choose(ready, counters::active);
      counters.routed(endpoint);
      client.closeFuture().addListener(f -> counters.closed(endpoint));
      ChannelFuture connect = new Bootstrap()
          .group(client.eventLoop()) // both halves on one loop: the relays need no locks
          .channel(NioSocketChannel.class)
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 3000)
          .handler(new Relay(client))
          .connect(endpoint);
      Channel backend = connect.channel();
      open.add(backend);
      connect.addListener(f -> {
        if (!f.isSuccess()) {
          log.debug("event=service_endpoint_unreachable service={} endpoint={} error={}", name, endpoint, f.cause().toString());
          client.close();
          return;
        }
        if (!client.isActive()) {
          backend.close();
          return;
        }
        client.pipeline().replace(this, "relay", new Relay(backend));
        client.config().setAutoRead(true);
        backend.config().setAutoRead(true);
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
