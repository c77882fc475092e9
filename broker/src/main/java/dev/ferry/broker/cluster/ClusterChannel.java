package dev.ferry.broker.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.Broker;
import dev.ferry.broker.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.LineEncoder;
import io.netty.handler.codec.string.LineSeparator;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inter-node channel: newline-delimited JSON over TCP.
 *
 * <p>Every node dials every peer it was given and sends only on the connection it dialed; it
 * receives on the connections its peers dialed. So a link between two nodes is two connections, and
 * neither side has to decide who dials. A dialed connection starts with {@code hello} (our name and
 * the port our channel listens on) and is up once the peer answers {@code hello_ack} (its name). A
 * peer counts as up while our dialed connection to it lives.
 *
 * <p>Membership is symmetric: a node that dials in becomes a known peer here at once, and we dial it
 * back at the address it announced (its host as we see it when it listens on a wildcard address).
 * So a node started with the address of one member only is a full member on both sides, as EMQX's
 * cluster join makes it; nobody has to call {@code join} on the other side.
 *
 * <p>What a peer tells us over its connection: its routes (the filters its sessions subscribe to,
 * as a full set at start then additions and withdrawals), its status (within 250 ms of a change,
 * every 2 s otherwise), and broker
 * messages (forwarded publishes, takeovers, hand-overs, load-rebalance orders and API calls).
 *
 * <p>Loss: a peer whose connection to us stays silent for 60 s (status is sent every 2 s at least), or
 * whose either connection closes, is down: both connections are closed, its routes are dropped, and
 * we keep dialing it every second. A node that stops closes its connections, so it is seen down at
 * once; the silence limit is only for a node that hangs. EMQX clusters over Erlang distribution,
 * which declares a silent node down after 45 to 75 s ({@code node.dist_net_ticktime}, 60 s by
 * default), and so does this channel. It was 3 s and then 15 s, harsher than EMQX: in a lab of
 * fifteen JVMs on two cores (seven broker pods, seven fleet shards, the lab) a node fell 15 s
 * behind while 100,000 clients connected, its links were dropped, and the publishes acknowledged
 * meanwhile reached nobody (docs/lab.md, the 100,000-client runs).
 *
 * <p>Synced ({@link #synced()}): the node has the full route set of every peer it dials, so a
 * publish it acknowledges reaches every subscriber in the cluster; its readiness waits for it.
 *
 * <p>All maps are touched on the broker thread only; Netty callbacks hop onto it.
 */
public final class ClusterChannel implements Cluster {

  private static final Logger log = LoggerFactory.getLogger(ClusterChannel.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How often this node looks whether its status changed (a change reaches peers within this). */
  static final long STATUS_PERIOD_MILLIS = 250;
  /** How often an unchanged status is sent all the same. */
  static final long STATUS_HEARTBEAT_MILLIS = 2_000;
  static final long SILENCE_LIMIT_MILLIS = 60_000;
  static final long REDIAL_MILLIS = 1000;
  private static final int MAX_LINE = 64 << 20;

  private final Broker broker;
  private final EventLoopGroup group;
  private final Channel server;
  private final Map<String, Channel> outbound = new HashMap<>();
  private final Map<String, Channel> inbound = new HashMap<>();
  private final Map<String, RouteSet> routes = new HashMap<>();
  private final Map<String, ObjectNode> status = new HashMap<>();
  private final Set<String> known = new TreeSet<>();
  private final Set<InetSocketAddress> dialing = ConcurrentHashMap.newKeySet();
  /** The peer each dialed address turned out to be. */
  private final Map<InetSocketAddress, String> dialed = new ConcurrentHashMap<>();
  /** Dialed addresses that refused or dropped at least one attempt before answering hello. */
  private final Set<InetSocketAddress> failedOnce = ConcurrentHashMap.newKeySet();
  private final List<Consumer<String>> downListeners = new ArrayList<>();
  private final BiConsumer<String, ObjectNode> otherMessages;
  private final Supplier<ObjectNode> statusSupplier;
  private volatile boolean closed;
  private boolean syncedOnce;
  /** The last status sent, uptime left out, and when; see {@link #sendStatus}. */
  private ObjectNode lastStatusSent;
  private long lastStatusSentAt;

  /**
   * @param otherMessages where messages the channel and the broker do not handle go (load
   *     rebalance), called on the broker thread
   * @param statusSupplier this node's status, sent to peers when it changed (looked at every 250 ms)
   *     and every 2 s, called on the broker thread
   */
  public ClusterChannel(
      Broker broker,
      EventLoopGroup group,
      InetSocketAddress address,
      BiConsumer<String, ObjectNode> otherMessages,
      Supplier<ObjectNode> statusSupplier)
      throws InterruptedException {
    this.broker = broker;
    this.group = group;
    this.otherMessages = otherMessages;
    this.statusSupplier = statusSupplier;
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(Transport.serverChannel(group))
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            framing(ch.pipeline());
            ch.pipeline().addLast(new IdleStateHandler(SILENCE_LIMIT_MILLIS, 0, 0, TimeUnit.MILLISECONDS));
            ch.pipeline().addLast(new Inbound());
          }
        });
    server = b.bind(address).sync().channel();
    broker.executor().scheduleWithFixedDelay(
        this::sendStatus, STATUS_PERIOD_MILLIS, STATUS_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /**
   * Whether this node has the routes of every peer it dials: each is up (our link to it) and has
   * sent its full route set (its link to us). A peer that refused an attempt and is not up does not
   * hold the node back (a dead peer would otherwise keep it unready forever). Broker thread.
   */
  public boolean synced() {
    return waitingFor().isEmpty();
  }

  /**
   * The peers {@link #synced()} still waits for, by name or address. Once synced, always synced: a
   * peer that goes down later must not turn a serving node unready. Broker thread.
   */
  @Override
  public List<String> waitingFor() {
    if (syncedOnce) {
      return List.of();
    }
    List<String> waiting = new ArrayList<>();
    for (InetSocketAddress a : dialing) {
      String name = dialed.get(a);
      boolean up = name != null && outbound.containsKey(name);
      if (up && routes.containsKey(name)) {
        continue;
      }
      if (!up && failedOnce.contains(a)) {
        continue;
      }
      if (name != null && name.equals(broker.name())) {
        continue;
      }
      waiting.add(name != null ? name : a.getHostString() + ":" + a.getPort());
    }
    syncedOnce = waiting.isEmpty();
    return waiting;
  }

  /** Runs {@code listener} on the broker thread with the name of every peer that goes down. */
  public void onPeerDown(Consumer<String> listener) {
    broker.executor().execute(() -> downListeners.add(listener));
  }

  /** Starts dialing a peer's cluster address, and keeps redialing it while this node runs. */
  public void dial(InetSocketAddress peer) {
    if (dialing.add(peer)) {
      connect(peer);
    }
  }

  private static void framing(ChannelPipeline p) {
    p.addLast(new LineBasedFrameDecoder(MAX_LINE))
        .addLast(new StringDecoder(StandardCharsets.UTF_8))
        .addLast(new LineEncoder(LineSeparator.UNIX, StandardCharsets.UTF_8));
  }

  private void connect(InetSocketAddress peer) {
    if (closed) {
      return;
    }
    InetSocketAddress target = peer.isUnresolved() ? new InetSocketAddress(peer.getHostString(), peer.getPort()) : peer;
    if (target.isUnresolved()) {
      redial(peer);
      return;
    }
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(Transport.clientChannel(group))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            framing(ch.pipeline());
            ch.pipeline().addLast(new Outbound(peer));
          }
        });
    ChannelFuture f = b.connect(target);
    f.addListener(done -> {
      if (!done.isSuccess()) {
        failedOnce.add(peer);
        redial(peer);
      }
    });
  }

  private void redial(InetSocketAddress peer) {
    if (!closed && dialing.contains(peer)) {
      group.schedule(() -> connect(peer), REDIAL_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** Our dialed connection: we send on it; the peer only answers hello. */
  private final class Outbound extends SimpleChannelInboundHandler<String> {
    private final InetSocketAddress peer;
    private String name;

    Outbound(InetSocketAddress peer) {
      this.peer = peer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      InetSocketAddress listening = address();
      ObjectNode hello = Broker.message("hello").put("node", broker.name()).put("port", listening.getPort());
      if (!listening.getAddress().isAnyLocalAddress()) {
        hello.put("host", listening.getHostString());
      }
      ctx.writeAndFlush(hello.toString());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, String line) throws Exception {
      ObjectNode msg = (ObjectNode) JSON.readTree(line);
      if (!"hello_ack".equals(msg.path("type").asText())) {
        return;
      }
      String peerName = msg.get("node").asText();
      Channel ch = ctx.channel();
      if (peerName.equals(broker.name())) {
        dialing.remove(peer); // our own address among the peers (a headless Service lists us too)
        ch.close();
        return;
      }
      name = peerName;
      dialed.put(peer, peerName);
      broker.executor().execute(() -> {
        if (outbound.containsKey(peerName)) {
          dialing.remove(peer); // a second address of a peer we already reach
          ch.close();
          return;
        }
        outbound.put(peerName, ch);
        known.add(peerName);
        log.info("event=peer_up node={} peer={} address={}", broker.name(), peerName, peer);
        broker.onPeerUp(peerName);
        send(peerName, statusSupplier.get());
      });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      Channel ch = ctx.channel();
      String peerName = name;
      if (peerName != null) {
        broker.executor().execute(() -> {
          if (outbound.get(peerName) == ch) {
            peerDown(peerName);
          }
        });
      } else {
        failedOnce.add(peer);
      }
      redial(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** A connection a peer dialed: we only read from it (and answer its hello). */
  private final class Inbound extends SimpleChannelInboundHandler<String> {
    private String name;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, String line) throws Exception {
      ObjectNode msg = (ObjectNode) JSON.readTree(line);
      String type = msg.path("type").asText();
      Channel ch = ctx.channel();
      if (type.equals("hello")) {
        name = msg.get("node").asText();
        String peerName = name;
        InetSocketAddress dialBack = dialBackAddress(msg, ch);
        ctx.writeAndFlush(Broker.message("hello_ack").put("node", broker.name()).toString());
        if (peerName.equals(broker.name())) {
          return; // our own dialer reached us (our address among the peers); it hangs up itself
        }
        broker.executor().execute(() -> {
          Channel old = inbound.put(peerName, ch);
          if (old != null && old != ch) {
            old.close();
          }
          if (known.add(peerName)) {
            log.info("event=peer_joined node={} peer={} dial_back={}", broker.name(), peerName, dialBack);
          }
          if (!outbound.containsKey(peerName) && dialBack != null) {
            dial(dialBack); // a second address of a peer we reach already is dropped at hello_ack
          }
        });
        return;
      }
      String from = name;
      if (from == null) {
        return;
      }
      broker.executor().execute(() -> onMessage(from, type, msg));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        log.warn("event=peer_silent node={} peer={}", broker.name(), name);
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      Channel ch = ctx.channel();
      String peerName = name;
      if (peerName != null) {
        broker.executor().execute(() -> {
          if (inbound.get(peerName) == ch) {
            inbound.remove(peerName);
            peerDown(peerName);
          }
        });
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Where a peer that dialed us listens: the host it announced, or the one it dialed from. */
  private static InetSocketAddress dialBackAddress(ObjectNode hello, Channel ch) {
    int port = hello.path("port").asInt(0);
    if (port <= 0) {
      return null; // a peer of an older version: it will be dialed when configured
    }
    String host = hello.path("host").asText(null);
    if (host == null && ch.remoteAddress() instanceof InetSocketAddress remote) {
      host = remote.getAddress().getHostAddress();
    }
    return host == null ? null : new InetSocketAddress(host, port);
  }

  private void onMessage(String from, String type, ObjectNode msg) {
    switch (type) {
      case "routes" -> {
        RouteSet set = new RouteSet();
        msg.withArray("filters").forEach(f -> set.add(f.asText()));
        routes.put(from, set);
      }
      case "route_add" -> routes.computeIfAbsent(from, k -> new RouteSet()).add(msg.get("filter").asText());
      case "route_del" -> {
        RouteSet set = routes.get(from);
        if (set != null) {
          set.remove(msg.get("filter").asText());
        }
      }
      case "status" -> status.put(from, msg.put(STATUS_RECEIVED_AT, Broker.now()));
      case "publish", "takeover", "takeover_reply", "registry", "handover", "session_deliver", "route_barrier",
          "route_barrier_ack", "fence_request", "fence_done" -> broker.onClusterMessage(from, msg);
      default -> otherMessages.accept(from, msg);
    }
  }

  /** Both connections go, routes are dropped; the dialer keeps trying. Broker thread. */
  private void peerDown(String peerName) {
    Channel out = outbound.remove(peerName);
    Channel in = inbound.remove(peerName);
    boolean wasUp = out != null;
    if (out != null) {
      out.close();
    }
    if (in != null) {
      in.close();
    }
    routes.remove(peerName);
    status.remove(peerName);
    if (wasUp) {
      log.warn("event=peer_down node={} peer={}", broker.name(), peerName);
      broker.onPeerDown(peerName);
      for (Consumer<String> l : downListeners) {
        l.accept(peerName);
      }
    }
  }

  /**
   * Sends this node's status to every peer when it changed since the last one sent, or
   * {@link #STATUS_HEARTBEAT_MILLIS} after it, written once for all. Peers answer for this node from
   * it ({@code /nodes}, {@code global_status}, a rebalance's counts), so a change reaches them within
   * {@link #STATUS_PERIOD_MILLIS}. The uptime is left out of the comparison, since it changes every
   * time: a peer advances it by the status's age ({@link Cluster#STATUS_RECEIVED_AT}). Sent four times a second
   * whatever changed, the status was some 5% of a broker's CPU in a lab of fourteen pods, idle or
   * not: thirteen copies written and thirteen parsed, four times a second a node.
   */
  private void sendStatus() {
    if (outbound.isEmpty()) {
      return;
    }
    ObjectNode s = statusSupplier.get();
    ObjectNode compared = s.deepCopy();
    if (compared.get("node_info") instanceof ObjectNode info) {
      info.remove("uptime");
    }
    long now = Broker.now();
    if (compared.equals(lastStatusSent) && now - lastStatusSentAt < STATUS_HEARTBEAT_MILLIS) {
      return;
    }
    // Counted as sent even to a peer whose link is down this moment: it gets the status when its
    // link comes back (peer_up sends it) or at the next heartbeat.
    lastStatusSent = compared;
    lastStatusSentAt = now;
    String text = s.toString();
    for (Channel ch : List.copyOf(outbound.values())) {
      if (ch.isActive()) {
        ch.writeAndFlush(text);
      }
    }
  }

  @Override
  public List<String> upPeers() {
    return List.copyOf(new TreeSet<>(outbound.keySet()));
  }

  @Override
  public Set<String> knownPeers() {
    return Set.copyOf(known);
  }

  @Override
  public boolean send(String node, ObjectNode message) {
    Channel ch = outbound.get(node);
    if (ch == null || !ch.isActive()) {
      return false;
    }
    ch.writeAndFlush(message.toString());
    return true;
  }

  @Override
  public List<String> peersMatching(String topic) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, RouteSet> e : routes.entrySet()) {
      if (outbound.containsKey(e.getKey()) && e.getValue().matches(topic)) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  @Override
  public ObjectNode peerStatus(String node) {
    return status.get(node);
  }

  public void close() {
    closed = true;
    dialing.clear();
    server.close().syncUninterruptibly();
    try {
      broker.executor().submit(() -> {
        outbound.values().forEach(Channel::close);
        inbound.values().forEach(Channel::close);
      }).get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("event=cluster_close_incomplete node={} error={}", broker.name(), e.toString());
    }
  }
}
