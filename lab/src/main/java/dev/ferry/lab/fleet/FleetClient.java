package dev.ferry.lab.fleet;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT client of the fleet: a persistent session (clean start false), a connection that comes
 * back after every loss through the {@link Destination} and the {@link ReconnectPolicy}, and the
 * counts of what happened to it.
 *
 * <p>Two roles share this class. A <em>subscriber</em> (it has a {@link SequenceLedger}) subscribes
 * to its own topic with QoS 1 whenever the broker has no session for it, acknowledges every QoS 1
 * delivery and records its sequence number. A <em>publisher</em> (it has an {@link AckListener})
 * sends QoS 1 messages, keeps them until PUBACK and sends the unacknowledged ones again, with DUP,
 * after every reconnect.
 *
 * <p>Threading: every client is bound to one event loop and all its state is touched only there
 * (connections are registered on that same loop), so nothing here is locked. Counters are
 * published through {@link ClientCounters}.
 *
 * <p>Timers: none per client but the reconnect delay. The CONNACK timeout, PINGREQ after a
 * keepalive of silence and the server's silence past one and a half keepalives are checked by
 * {@link #sweep}, which the fleet calls once a {@link #SWEEP_MILLIS} for every client of a loop (as
 * the broker's KeepaliveSweep does): Netty's IdleStateHandler kept two timers per connection and
 * the CONNACK check a third per attempt, tens of thousands of entries in each loop's timer queue
 * of a large lab.
 *
 * <p>Accounting: a <em>connect</em> is a CONNACK that accepted; a <em>disconnect</em> is the end of
 * an accepted connection that the fleet did not ask for, with the server's DISCONNECT reason code
 * ({@code 0x9C}) or {@code closed} when the socket just closed; a <em>failed attempt</em> is a
 * connection that never got an accepting CONNACK (TCP refused, CONNACK refusal, timeout); a
 * <em>reconnect attempt</em> is every attempt after the client's first.
 */
final class FleetClient {

  /** Told when the broker acknowledged one of a publisher's messages. Runs on the publisher's loop. */
  @FunctionalInterface
  interface AckListener {
    void acked(String topic, long seq);
  }

  private record Outbound(String topic, long seq) {}

  private static final Logger log = LoggerFactory.getLogger(FleetClient.class);
  /** How often the fleet calls {@link #sweep} for each client. */
  static final long SWEEP_MILLIS = 1_000;

  final String clientId;
  final String topic;
  final ClientCounters counters = new ClientCounters();
  /** Non-null for a subscriber. */
  final SequenceLedger ledger;
  private final AckListener ackListener;
  private final FleetConfig config;
  private final EventLoop loop;
  private final Destination destination;
  private final FleetMeter meter;
  private final Promise<Void> stopped;

  // ---- event loop only ----
  private Channel channel;
  /** The handler of {@link #channel}. */
  private Connection connection;
  private boolean established;
  private boolean stopping;
  private boolean attempted;
  private boolean everConnected;
  private int attempt;
  private InetSocketAddress redirect;
  private ScheduledFuture<?> nextAttempt;
  private final Map<Integer, Outbound> inflight = new LinkedHashMap<>();
  private int nextPacketId;
  /** Read by the fleet from other threads while it waits for quiet. */
  private volatile int inflightCount;

  FleetClient(String clientId, String topic, FleetConfig config, EventLoop loop, Destination destination,
      FleetMeter meter, SequenceLedger ledger, AckListener ackListener) {
    this.clientId = clientId;
    this.topic = topic;
    this.config = config;
    this.loop = loop;
    this.destination = destination;
    this.meter = meter;
    this.ledger = ledger;
    this.ackListener = ackListener;
    this.stopped = loop.newPromise();
  }

  EventLoop loop() {
    return loop;
  }

  int inflightCount() {
    return inflightCount;
  }

  /** Makes the first connection attempt, on the client's loop (the fleet paces when each starts). */
  void start() {
    loop.execute(() -> {
      if (!stopping && !attempted && nextAttempt == null) {
        connect();
      }
    });
  }

  /**
   * Ends the client: a normal DISCONNECT (reason 0x00, so the broker keeps the session and drops
   * the Will) then the close; no reconnect after it. The future completes when the socket closed.
   */
  Future<Void> stop() {
    loop.execute(() -> {
      stopping = true;
      if (nextAttempt != null) {
        nextAttempt.cancel(false);
        nextAttempt = null;
      }
      Channel ch = channel;
      if (ch == null || !ch.isOpen()) {
        stopped.trySuccess(null);
      } else if (established) {
        ch.writeAndFlush(MqttMessageBuilders.disconnect().reasonCode((byte) 0).build())
            .addListener(ChannelFutureListener.CLOSE);
      } else {
        ch.close();
      }
    });
    return stopped;
  }

  // ---- publishing (publisher role, event loop only) ------------------------------------------

  boolean canPublish() {
    return established && inflight.size() < config.maxInflightPerPublisher();
  }

  /** Writes one QoS 1 PUBLISH (flush with {@link #flush()}); false when not connected or the window is full. */
  boolean publish(String toTopic, long seq) {
    if (!canPublish()) {
      return false;
    }
    int id = freePacketId();
    Outbound o = new Outbound(toTopic, seq);
    inflight.put(id, o);
    inflightCount = inflight.size();
    write(id, o, false);
    return true;
  }

  void flush() {
    if (channel != null) {
      channel.flush();
    }
  }

  private void write(int packetId, Outbound o, boolean dup) {
    connection.wrote();
    ByteBuf payload = channel.alloc().buffer(Long.BYTES).writeLong(o.seq());
    MqttFixedHeader fh = new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.AT_LEAST_ONCE, false, 0);
    channel.write(new MqttPublishMessage(fh, new MqttPublishVariableHeader(o.topic(), packetId), payload));
  }

  /** A packet id not in use by an unacknowledged publish (the window is far below 65535). */
  private int freePacketId() {
    for (int i = 0; i < 65535; i++) {
      nextPacketId = nextPacketId % 65535 + 1;
      if (!inflight.containsKey(nextPacketId)) {
        return nextPacketId;
      }
    }
    throw new IllegalStateException("no free packet id for " + clientId);
  }

  // ---- connection lifecycle (event loop only) ------------------------------------------------

  private void connect() {
    nextAttempt = null;
    if (stopping) {
      return;
    }
    InetSocketAddress target = redirect != null ? redirect : destination.addressFor(clientId);
    redirect = null;
    if (attempted) {
      counters.reconnectAttempts++;
      meter.reconnectAttempts.increment();
    }
    attempted = true;
    Connection connection = new Connection();
    this.connection = connection;
    ChannelFuture f = new Bootstrap()
        .group(loop) // a registered loop, not the group: the client's state stays on one thread
        .channel(dev.ferry.broker.Transport.clientChannel(loop)) // epoll or NIO, as the loop's group
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast("decoder", new MqttDecoder())
                .addLast("encoder", MqttEncoder.INSTANCE)
                .addLast("client", connection);
          }
        })
        .connect(target);
    channel = f.channel();
    f.addListener(done -> {
      if (!done.isSuccess()) {
        connection.failure = "tcp " + done.cause().getClass().getSimpleName();
        f.channel().close();
      }
    });
    f.channel().closeFuture().addListener(done -> closed(connection));
  }

  private void accepted(boolean sessionPresent) {
    established = true;
    attempt = 0;
    counters.connects++;
    counters.connected = true;
    meter.connects.increment();
    if (everConnected) {
      meter.reconnects.increment();
    }
    everConnected = true;
    meter.connected.incrementAndGet();
    if (ledger != null) {
      if (sessionPresent) {
        subscribed(); // the broker kept the subscription with the session
      } else {
        subscribe();
      }
    }
    // §4.4: unacknowledged PUBLISHes are sent again, same packet id, DUP set.
    for (Map.Entry<Integer, Outbound> e : inflight.entrySet()) {
      write(e.getKey(), e.getValue(), true);
    }
    channel.flush();
  }

  /** The subscription is held; counted once in the fleet's meter (read every 250 ms, not recounted). */
  private void subscribed() {
    boolean first = !ledger.isSubscribed();
    ledger.subscribed(); // before the count: whoever sees the count sees the ledger subscribed
    if (first) {
      meter.subscribed.incrementAndGet();
    }
  }

  private void subscribe() {
    int id = freePacketId();
    connection.wrote();
    channel.writeAndFlush(MqttMessageBuilders.subscribe().messageId(id)
        .addSubscription(MqttQoS.AT_LEAST_ONCE, topic).build());
  }

  private void closed(Connection c) {
    if (c.acceptedByServer) {
      established = false;
      counters.connected = false;
      meter.connected.decrementAndGet();
      if (!stopping) {
        String reason = c.disconnectReason != null ? c.disconnectReason : ClientCounters.CLOSED;
        counters.disconnected(reason);
        meter.disconnects.increment();
        log.debug("event=client_disconnected client={} reason={}", clientId, reason);
      }
    } else if (!stopping) {
      counters.failedAttempt(c.failure != null ? c.failure : "closed before CONNACK");
    }
    if (stopping) {
      stopped.trySuccess(null);
      return;
    }
    long delay = Math.max(0, config.reconnect().delayMillis(attempt++));
    nextAttempt = loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  /**
   * The client's timeouts, checked by the fleet's sweep on this client's loop: no CONNACK within the
   * connect timeout, or nothing from the server for one and a half keepalives (gone without a FIN),
   * closes the connection; a keepalive of silence from this side sends PINGREQ (a sweep early, so the
   * interval between packets never exceeds the keepalive, §3.1.2.10).
   */
  void sweep(long nowNanos) {
    Connection c = connection;
    Channel ch = channel;
    if (c == null || ch == null || !ch.isActive() || c.activeNanos == 0) {
      return; // no connection, or TCP still connecting (its own CONNECT_TIMEOUT_MILLIS applies)
    }
    if (!c.acceptedByServer) {
      if (nowNanos - c.activeNanos >= config.connectTimeout().toNanos()) {
        c.failure = "connack timeout";
        ch.close();
      }
      return;
    }
    long keepAliveNanos = TimeUnit.SECONDS.toNanos(config.keepAliveSeconds());
    if (nowNanos - c.lastReadNanos >= keepAliveNanos * 3 / 2) {
      c.failure = "keepalive timeout";
      ch.close();
    } else if (nowNanos - c.lastWriteNanos >= keepAliveNanos - TimeUnit.MILLISECONDS.toNanos(SWEEP_MILLIS)) {
      c.wrote();
      ch.writeAndFlush(MqttMessage.PINGREQ);
    }
  }

  private void followReference(MqttProperties props) {
    if (props == null) {
      return;
    }
    MqttProperties.MqttProperty<?> ref = props.getProperty(MqttProperties.SERVER_REFERENCE);
    if (ref != null && ref.value() instanceof String s) {
      ServerReference.parse(s).ifPresentOrElse(
          a -> {
            redirect = a;
            counters.redirects++;
          },
          () -> log.debug("event=server_reference_unreadable client={} reference={}", clientId, s));
    }
  }

  /** The handler of one connection; its fields describe that connection only. */
  private final class Connection extends SimpleChannelInboundHandler<MqttMessage> {
    boolean acceptedByServer;
    String disconnectReason;
    String failure;
    /** When TCP connected (0 before); the last packet read and written, for {@link #sweep}. */
    long activeNanos;
    long lastReadNanos;
    long lastWriteNanos;

    void wrote() {
      lastWriteNanos = System.nanoTime();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      var connect = MqttMessageBuilders.connect()
          .protocolVersion(config.protocol().netty())
          .clientId(clientId)
          .cleanSession(false)
          .keepAlive(config.keepAliveSeconds());
      if (config.protocol() == MqttProtocol.V5) {
        MqttProperties p = new MqttProperties();
        int expiry = (int) Math.min(config.sessionExpirySeconds(), 0xFFFFFFFFL); // an unsigned 32-bit value
        p.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, expiry));
        connect.properties(p);
      }
      activeNanos = System.nanoTime();
      lastReadNanos = activeNanos;
      lastWriteNanos = activeNanos;
      ctx.writeAndFlush(connect.build());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage m) {
      lastReadNanos = System.nanoTime();
      if (m.decoderResult().isFailure()) {
        log.debug("event=client_malformed_packet client={} error={}", clientId, m.decoderResult().cause().toString());
        failure = "malformed packet";
        ctx.close();
        return;
      }
      switch (m.fixedHeader().messageType()) {
        case CONNACK -> onConnAck(ctx, (MqttConnAckMessage) m);
        case PUBLISH -> onPublish(ctx, (MqttPublishMessage) m);
        case PUBACK -> onPubAck(m);
        case SUBACK -> onSubAck((MqttSubAckMessage) m);
        case DISCONNECT -> onDisconnect(ctx, m);
        default -> { } // PINGRESP, UNSUBACK: nothing to do
      }
    }

    private void onConnAck(ChannelHandlerContext ctx, MqttConnAckMessage ack) {
      int code = ack.variableHeader().connectReturnCode().byteValue() & 0xFF;
      if (code == 0) {
        acceptedByServer = true;
        accepted(ack.variableHeader().isSessionPresent());
        return;
      }
      // 0x9C Use another server, 0x88/3 unavailable, ...: try again per the policy.
      failure = "connack " + ClientCounters.hex(code);
      followReference(ack.variableHeader().properties());
      ctx.close();
    }

    private void onPublish(ChannelHandlerContext ctx, MqttPublishMessage p) {
      ByteBuf content = p.content();
      long seq = content.readableBytes() >= Long.BYTES ? content.getLong(content.readerIndex()) : -1;
      counters.received++;
      meter.messagesIn.increment();
      if (ledger != null) {
        ledger.received(seq);
      }
      if (p.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
        wrote();
        ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build());
      }
      // The message (and its buffer) is released by SimpleChannelInboundHandler.
    }

    private void onPubAck(MqttMessage m) {
      int id;
      int reason = 0;
      if (m.variableHeader() instanceof MqttPubReplyMessageVariableHeader r) {
        id = r.messageId();
        reason = r.reasonCode() & 0xFF;
      } else {
        id = ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
      }
      Outbound o = inflight.remove(id);
      inflightCount = inflight.size();
      if (o == null) {
        return;
      }
      if (reason >= 0x80) {
        log.warn("event=publish_refused client={} topic={} seq={} reason={}", clientId, o.topic(), o.seq(), ClientCounters.hex(reason));
      } else if (ackListener != null) {
        ackListener.acked(o.topic(), o.seq());
      }
    }

    private void onSubAck(MqttSubAckMessage ack) {
      boolean ok = ack.payload().reasonCodes().stream().allMatch(c -> c < 0x80);
      if (ok && ledger != null) {
        subscribed();
      } else if (!ok) {
        log.warn("event=subscribe_refused client={} topic={} codes={}", clientId, topic, ack.payload().reasonCodes());
      }
    }

    private void onDisconnect(ChannelHandlerContext ctx, MqttMessage m) {
      if (m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
        disconnectReason = ClientCounters.hex(h.reasonCode());
        followReference(h.properties());
      } else {
        disconnectReason = ClientCounters.hex(0);
      }
      ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (failure == null) {
        failure = cause.getClass().getSimpleName();
      }
      log.debug("event=client_error client={} error={}", clientId, cause.toString());
      ctx.close();
    }
  }
}
