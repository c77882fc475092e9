package dev.ferry.broker.mqtt;

import dev.ferry.broker.Broker;
import dev.ferry.broker.session.ClientLink;
import dev.ferry.broker.session.ConnectRequest;
import dev.ferry.broker.session.Message;
import dev.ferry.broker.session.Reasons;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
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
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import java.util.AbstractMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT client connection: turns decoded packets into broker calls and broker calls into
 * packets, for 3.1.1 and 5 alike. Protocol rules live here (packet order, packet ids, QoS 2
 * handshake, keepalive, malformed packets); the broker logic lives in {@link Broker}.
 *
 * <p>Runs on the channel's event loop and never blocks: every broker call is submitted to the
 * broker thread, in packet order. A QoS 1 PUBLISH is acknowledged from the broker thread once the
 * broker took it, never before. Inbound PUBLISH payloads are copied and the buffer released here.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter implements ClientLink {

  private static final Logger log = LoggerFactory.getLogger(MqttConnection.class);
  private static final int DEFAULT_RECEIVE_MAXIMUM = 65535;

  private final Broker broker;
  private final KeepaliveSweep keepalives;
  private Channel channel;
  /** One and a half keepalive periods (§3.1.2.10), 0 without keepalive (event loop only). */
  private long keepaliveLimitNanos;
  /** When the last packet came (event loop only). */
  private long lastPacketNanos;
  private volatile String clientId;
  private volatile int version = 4;
  private volatile int receiveMaximum = DEFAULT_RECEIVE_MAXIMUM;
  /** Set once the CONNECT went to the broker: from then on the broker must hear the end. */
  private volatile boolean connectSubmitted;
  private volatile boolean accepted;
  /** The broker ended this connection itself (takeover, eviction): it needs no report. */
  private volatile boolean closedByServer;
  /** Closed by {@link #abort()}: not open from that moment, whatever the socket's close is doing. */
  private volatile boolean aborted;
  private final AtomicBoolean endReported = new AtomicBoolean();
  /** QoS 2 packet ids received and not yet released (event loop only). */
  private final Set<Integer> qos2Received = new HashSet<>();

  MqttConnection(Broker broker, KeepaliveSweep keepalives) {
    this.broker = broker;
    this.keepalives = keepalives;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    channel = ctx.channel();
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof MqttMessage m)) {
      io.netty.util.ReferenceCountUtil.release(msg);
      return;
    }
    lastPacketNanos = System.nanoTime();
    try {
      if (m.decoderResult().isFailure()) {
        malformed(m);
        return;
      }
      MqttMessageType type = m.fixedHeader().messageType();
      if (type != MqttMessageType.CONNECT && !connectSubmitted) {
        close(); // §3.1: the first packet must be CONNECT
        return;
      }
      switch (type) {
        case CONNECT -> onConnect((MqttConnectMessage) m);
        case PUBLISH -> onPublish((MqttPublishMessage) m);
        case PUBACK -> {
          int id = packetId(m);
          broker.executor().execute(() -> broker.acknowledge(this, id));
        }
        case PUBREL -> {
          int id = packetId(m);
          qos2Received.remove(id);
          channel.writeAndFlush(new MqttMessage(
              new MqttFixedHeader(MqttMessageType.PUBCOMP, false, MqttQoS.AT_MOST_ONCE, false, 0),
              MqttMessageIdVariableHeader.from(id)));
        }
        case SUBSCRIBE -> onSubscribe((MqttSubscribeMessage) m);
        case UNSUBSCRIBE -> onUnsubscribe((MqttUnsubscribeMessage) m);
        case PINGREQ -> channel.writeAndFlush(MqttMessage.PINGRESP);
        case DISCONNECT -> onDisconnect(m);
        case PUBREC, PUBCOMP -> { } // the broker never sends QoS 2
        default -> protocolError();
      }
    } finally {
      io.netty.util.ReferenceCountUtil.release(m);
    }
  }

  private void onConnect(MqttConnectMessage m) {
    if (connectSubmitted) {
      protocolError(); // §3.1.0: a second CONNECT is a protocol violation
      return;
    }
    MqttConnectVariableHeader h = m.variableHeader();
    version = h.version();
    String id = m.payload().clientIdentifier();
    boolean assigned = false;
    if (id == null || id.isEmpty()) {
      if (version < 5 && !h.isCleanSession()) {
        refuse(Reasons.CLIENT_ID_NOT_VALID, Reasons.V3_IDENTIFIER_REJECTED, null);
        return;
      }
      id = "ferry-" + UUID.randomUUID();
      assigned = true;
    }
    clientId = id;
    long expiry;
    if (version == 5) {
      expiry = intProperty(h.properties(), MqttProperties.SESSION_EXPIRY_INTERVAL, 0) & 0xFFFFFFFFL;
      int rm = intProperty(h.properties(), MqttProperties.RECEIVE_MAXIMUM, DEFAULT_RECEIVE_MAXIMUM);
      receiveMaximum = rm > 0 ? rm : DEFAULT_RECEIVE_MAXIMUM;
    } else {
      expiry = h.isCleanSession() ? 0 : broker.config().persistentSessionExpirySeconds();
    }
    Message will = null;
    if (h.isWillFlag()) {
      will = new Message(m.payload().willTopic(), m.payload().willMessageInBytes(), h.willQos(), h.isWillRetain());
    }
    if (h.keepAliveTimeSeconds() > 0) {
      // §3.1.2.10: one and a half keepalive periods without a packet ends the connection.
      keepaliveLimitNanos = TimeUnit.MILLISECONDS.toNanos(h.keepAliveTimeSeconds() * 1500L);
      keepalives.watch(this, channel.eventLoop());
    }
    ConnectRequest req = new ConnectRequest(id, assigned, h.isCleanSession(), expiry, will);
    connectSubmitted = true;
    broker.executor().execute(() -> broker.connect(this, req));
  }

  private void onPublish(MqttPublishMessage p) {
    MqttPublishVariableHeader vh = p.variableHeader();
    int qos = p.fixedHeader().qosLevel().value();
    byte[] payload = ByteBufUtil.getBytes(p.content());
    Message msg = new Message(vh.topicName(), payload, qos, p.fixedHeader().isRetain());
    int id = vh.packetId();
    if (qos == 2) {
      // Exactly once inbound: a PUBLISH repeated before PUBREL is acknowledged, not routed again.
      boolean fresh = qos2Received.add(id);
      if (!fresh) {
        channel.writeAndFlush(pubRec(id));
        return;
      }
      broker.executor().execute(() -> {
        if (broker.publish(this, msg)) {
          channel.writeAndFlush(pubRec(id));
        } else {
          channel.eventLoop().execute(() -> qos2Received.remove(id)); // not taken: it comes again
        }
      });
      return;
    }
    // QoS 1: PUBACK only once the broker took the message (routed or queued it). A connection that
    // lost its session meanwhile (taken over, evicted) gets none, so its client sends it again.
    broker.executor().execute(() -> {
      if (broker.publish(this, msg) && qos == 1) {
        channel.writeAndFlush(MqttMessageBuilders.pubAck().packetId(id).build());
      }
    });
  }

  private static MqttMessage pubRec(int id) {
    return new MqttMessage(
        new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE, false, 0),
        MqttMessageIdVariableHeader.from(id));
  }

  private void onSubscribe(MqttSubscribeMessage s) {
    int id = s.variableHeader().messageId();
    List<Map.Entry<String, Integer>> filters = s.payload().topicSubscriptions().stream()
        .map(t -> (Map.Entry<String, Integer>) new AbstractMap.SimpleEntry<>(t.topicFilter(), qosOf(t)))
        .toList();
    broker.executor().execute(() -> {
      List<Integer> codes = broker.subscribe(this, filters);
      // Once every peer holds the new routes (EMQX commits the route before its SUBACK too).
      // Built by hand: the builder only takes QoS values, not MQTT 5 failure reasons.
      broker.whenPeersCaughtUp(() -> channel.writeAndFlush(new MqttSubAckMessage(
          new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
          MqttMessageIdVariableHeader.from(id).withEmptyProperties(),
          new MqttSubAckPayload(codes))));
    });
  }

  private static int qosOf(MqttTopicSubscription t) {
    return t.qualityOfService().value();
  }

  private void onUnsubscribe(MqttUnsubscribeMessage u) {
    int id = u.variableHeader().messageId();
    List<String> filters = List.copyOf(u.payload().topics());
    broker.executor().execute(() -> {
      List<Integer> codes = broker.unsubscribe(this, filters);
      var ack = MqttMessageBuilders.unsubAck().packetId(id);
      if (version == 5) {
        for (int c : codes) {
          ack.addReasonCode((short) c);
        }
      }
      channel.writeAndFlush(ack.build());
    });
  }

  private void onDisconnect(MqttMessage m) {
    int reason = Reasons.SUCCESS;
    long expiry = -1;
    if (version == 5 && m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
      reason = h.reasonCode() & 0xFF;
      int e = intProperty(h.properties(), MqttProperties.SESSION_EXPIRY_INTERVAL, -1);
      expiry = e == -1 ? -1 : e & 0xFFFFFFFFL;
    }
    // §3.14.4: a normal DISCONNECT discards the Will; any other reason (e.g. 0x04) publishes it.
    reportEnd(reason != Reasons.SUCCESS, expiry);
    channel.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    keepalives.forget(this);
    reportEnd(true, -1);
    super.channelInactive(ctx);
  }

  /** For {@link KeepaliveSweep}: no packet for one and a half keepalive periods. */
  boolean silentPastKeepalive(long nowNanos) {
    return keepaliveLimitNanos > 0 && nowNanos - lastPacketNanos > keepaliveLimitNanos;
  }

  /** Called by {@link KeepaliveSweep}, on the event loop, once. */
  void keepaliveExpired() {
    log.debug("event=keepalive_timeout client={}", clientId);
    if (version == 5 && accepted) {
      sendDisconnectAndClose(Reasons.KEEP_ALIVE_TIMEOUT, null);
    } else {
      close();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("event=connection_error client={} error={}", clientId, cause.toString());
    close();
  }

  private void reportEnd(boolean publishWill, long expiry) {
    if (connectSubmitted && !closedByServer && endReported.compareAndSet(false, true)) {
      broker.executor().execute(() -> broker.connectionClosed(this, publishWill, expiry));
    }
  }

  /**
   * A packet the decoder could not read: this connection only is closed, with the reason MQTT 5
   * prescribes (§4.13): CONNACK before the connection is accepted, DISCONNECT after.
   */
  private void malformed(MqttMessage m) {
    Throwable cause = m.decoderResult().cause();
    log.debug("event=malformed_packet client={} error={}", clientId, cause.toString());
    int reason = cause instanceof TooLongFrameException ? Reasons.PACKET_TOO_LARGE : Reasons.MALFORMED_PACKET;
    if (!connectSubmitted) {
      if (m.variableHeader() instanceof MqttConnectVariableHeader h) {
        version = h.version();
      }
      if (cause instanceof MqttUnacceptableProtocolVersionException) {
        // The version is unknown, so answer as 3.1.1 does (a 5 client reads 0x01 as refused too).
        version = 4;
        refuse(Reasons.UNSUPPORTED_PROTOCOL_VERSION, Reasons.V3_UNACCEPTABLE_PROTOCOL, null);
      } else if (cause instanceof MqttIdentifierRejectedException) {
        refuse(Reasons.CLIENT_ID_NOT_VALID, Reasons.V3_IDENTIFIER_REJECTED, null);
      } else if (version == 5) {
        refuse(reason, 0, null);
      } else {
        close();
      }
      return;
    }
    reportEnd(true, -1);
    if (version == 5 && accepted) {
      sendDisconnectAndClose(reason, null);
    } else {
      close();
    }
  }

  private void protocolError() {
    reportEnd(true, -1);
    if (version == 5 && accepted) {
      sendDisconnectAndClose(Reasons.PROTOCOL_ERROR, null);
    } else {
      close();
    }
  }

  private void close() {
    if (channel != null) {
      channel.close();
    }
  }

  // ---- ClientLink: called by the broker, on the broker thread ---------------------------------

  @Override
  public String clientId() {
    return clientId;
  }

  @Override
  public boolean open() {
    return !aborted && channel.isActive();
  }

  @Override
  public void abort() {
    aborted = true;
    closedByServer = true;
    close();
  }

  @Override
  public int protocolVersion() {
    return version;
  }

  @Override
  public int receiveMaximum() {
    return receiveMaximum;
  }

  @Override
  public void accept(boolean sessionPresent, String assignedClientId) {
    accepted = true;
    var ack = MqttMessageBuilders.connAck()
        .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED)
        .sessionPresent(sessionPresent);
    if (version == 5) {
      MqttProperties props = new MqttProperties();
      props.add(new MqttProperties.IntegerProperty(MqttProperties.RETAIN_AVAILABLE, 0));
      props.add(new MqttProperties.IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 0));
      props.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0));
      if (assignedClientId != null) {
        props.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, assignedClientId));
      }
      ack.properties(props);
    }
    channel.writeAndFlush(ack.build());
  }

  @Override
  public void refuse(int reasonV5, int returnCodeV3, String serverReference) {
    closedByServer = true;
    MqttConnectReturnCode code = MqttConnectReturnCode.valueOf((byte) (version == 5 ? reasonV5 : returnCodeV3));
    var ack = MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false);
    if (version == 5 && serverReference != null) {
      MqttProperties props = new MqttProperties();
      props.add(new MqttProperties.StringProperty(MqttProperties.SERVER_REFERENCE, serverReference));
      ack.properties(props);
    }
    MqttConnAckMessage msg = ack.build();
    channel.writeAndFlush(msg).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void deliver(Message m, int packetId, boolean duplicate) {
    MqttFixedHeader fh = new MqttFixedHeader(
        MqttMessageType.PUBLISH, duplicate, MqttQoS.valueOf(m.qos()), m.retain(), 0);
    channel.writeAndFlush(new MqttPublishMessage(
        fh, new MqttPublishVariableHeader(m.topic(), packetId), Unpooled.wrappedBuffer(m.payload())));
  }

  @Override
  public void disconnect(int reasonV5, String serverReference) {
    closedByServer = true;
    if (version == 5) {
      sendDisconnectAndClose(reasonV5, serverReference);
    } else {
      close();
    }
  }

  private void sendDisconnectAndClose(int reason, String serverReference) {
    MqttProperties props = new MqttProperties();
    if (serverReference != null) {
      props.add(new MqttProperties.StringProperty(MqttProperties.SERVER_REFERENCE, serverReference));
    }
    MqttMessage d = MqttMessageBuilders.disconnect().reasonCode((byte) reason).properties(props).build();
    channel.writeAndFlush(d).addListener(ChannelFutureListener.CLOSE);
  }

  private static int packetId(MqttMessage m) {
    Object vh = m.variableHeader();
    if (vh instanceof MqttPubReplyMessageVariableHeader r) {
      return r.messageId();
    }
    return ((MqttMessageIdVariableHeader) vh).messageId();
  }

  private static int intProperty(MqttProperties props, int id, int dflt) {
    if (props == null) {
      return dflt;
    }
    MqttProperties.MqttProperty<?> p = props.getProperty(id);
    return p == null ? dflt : (Integer) p.value();
  }
}
