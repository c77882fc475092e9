package dev.ferry.broker.support;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The project's own MQTT test client, on the same Netty codec: small, fleet-friendly (one shared
 * event loop group), and it records what a test needs to count: the CONNACK code, every DISCONNECT
 * reason and Server-Reference, and the messages received (acknowledged automatically).
 */
public final class TestClient implements AutoCloseable {

  public static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

  /** A received PUBLISH. */
  public record Received(String topic, String payload, int qos, boolean dup) {}

  public final int version;
  public final String clientId;
  private Channel channel;
  private final CompletableFuture<MqttConnAckMessage> connack = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  public final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<MqttMessage> acks = new LinkedBlockingQueue<>();
  /** The reason code of a DISCONNECT from the server, or -1. */
  public volatile int disconnectReason = -1;
  public volatile String serverReference;
  public volatile long disconnectedAtMillis;
  private final AtomicInteger nextId = new AtomicInteger(1);
  /** False: QoS 1 deliveries are not acknowledged (the broker keeps them in flight). */
  public volatile boolean autoAck = true;

  public TestClient(int version, String clientId) {
    this.version = version;
    this.clientId = clientId;
  }

  /** Opens the socket only (for raw bytes). */
  public TestClient open(InetSocketAddress address) {
    Bootstrap b = new Bootstrap().group(GROUP).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE, new Handler());
          }
        });
    channel = b.connect(address).syncUninterruptibly().channel();
    channel.closeFuture().addListener(f -> {
      if (disconnectedAtMillis == 0) {
        disconnectedAtMillis = System.currentTimeMillis();
      }
      closed.complete(null);
    });
    return this;
  }

  /** Connects and waits for CONNACK; returns its return/reason code. */
  public int connect(InetSocketAddress address, boolean cleanStart, long expirySeconds) {
    return connect(address, cleanStart, expirySeconds, null, null);
  }

  public int connect(InetSocketAddress address, boolean cleanStart, long expirySeconds, String willTopic, String will) {
    open(address);
    var c = MqttMessageBuilders.connect()
        .protocolVersion(version == 5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1)
        .clientId(clientId).cleanSession(cleanStart).keepAlive(60);
    if (version == 5) {
      MqttProperties p = new MqttProperties();
      p.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, (int) expirySeconds));
      c.properties(p);
    }
    if (willTopic != null) {
      c.willFlag(true).willTopic(willTopic).willMessage(will.getBytes(StandardCharsets.UTF_8))
          .willQoS(MqttQoS.AT_LEAST_ONCE);
      if (version == 5) {
        c.willProperties(new MqttProperties());
      }
    }
    channel.writeAndFlush(c.build());
    MqttConnAckMessage ack = connack.orTimeout(10, TimeUnit.SECONDS).join();
    return ack.variableHeader().connectReturnCode().byteValue() & 0xFF;
  }

  /**
   * Connects {@code n} MQTT 5 clients with clean start, named {@code prefix0} and on, and waits for
   * every CONNACK (each must accept).
   */
  public static List<TestClient> fleet(InetSocketAddress address, String prefix, int n) {
    List<TestClient> clients = new java.util.ArrayList<>();
    List<CompletableFuture<MqttConnAckMessage>> acks = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      TestClient t = new TestClient(5, prefix + i);
      clients.add(t);
      acks.add(t.connectAsync(address, true, 0));
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS).join();
    for (CompletableFuture<MqttConnAckMessage> a : acks) {
      int code = a.join().variableHeader().connectReturnCode().byteValue() & 0xFF;
      if (code != 0) {
        throw new IllegalStateException("a client of the fleet was refused: " + code);
      }
    }
    return clients;
  }

  /** Connects without waiting (fleets). */
  public CompletableFuture<MqttConnAckMessage> connectAsync(InetSocketAddress address, boolean cleanStart, long expirySeconds) {
    open(address);
    var c = MqttMessageBuilders.connect()
        .protocolVersion(version == 5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1)
        .clientId(clientId).cleanSession(cleanStart).keepAlive(60);
    if (version == 5) {
      MqttProperties p = new MqttProperties();
      p.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, (int) expirySeconds));
      c.properties(p);
    }
    channel.writeAndFlush(c.build());
    return connack;
  }

  public boolean sessionPresent() {
    return connack.join().variableHeader().isSessionPresent();
  }

  public MqttProperties connackProperties() {
    return connack.join().variableHeader().properties();
  }

  public void subscribe(String filter, int qos) {
    int id = nextId.getAndIncrement();
    channel.writeAndFlush(MqttMessageBuilders.subscribe().messageId(id).addSubscription(MqttQoS.valueOf(qos), filter).build());
    MqttMessage ack = waitAck(MqttMessageType.SUBACK);
    int code = ((MqttSubAckMessage) ack).payload().reasonCodes().get(0);
    if (code >= 0x80) {
      throw new IllegalStateException("subscribe refused: " + code);
    }
  }

  /** Publishes; QoS 1 waits for PUBACK. */
  public void publish(String topic, String payload, int qos) {
    int id = qos > 0 ? nextId.getAndIncrement() : 0;
    channel.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.valueOf(qos)).messageId(id)
        .payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)).build());
    if (qos == 1) {
      waitAck(MqttMessageType.PUBACK);
    } else if (qos == 2) {
      waitAck(MqttMessageType.PUBREC);
      channel.writeAndFlush(new MqttMessage(
          new io.netty.handler.codec.mqtt.MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
          MqttMessageIdVariableHeader.from(id)));
      waitAck(MqttMessageType.PUBCOMP);
    }
  }

  /** Publishes without waiting for the acknowledgement; returns the packet id. */
  public int publishAsync(String topic, String payload, int qos) {
    int id = qos > 0 ? nextId.getAndIncrement() : 0;
    channel.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.valueOf(qos)).messageId(id)
        .payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)).build());
    return id;
  }

  /** The next PUBACK, PUBREC, SUBACK... received within {@code millis}, or null. */
  public MqttMessage nextAck(long millis) throws InterruptedException {
    return acks.poll(millis, TimeUnit.MILLISECONDS);
  }

  private MqttMessage waitAck(MqttMessageType type) {
    try {
      while (true) {
        MqttMessage m = acks.poll(10, TimeUnit.SECONDS);
        if (m == null) {
          throw new IllegalStateException("no " + type + " for " + clientId);
        }
        if (m.fixedHeader().messageType() == type) {
          return m;
        }
      }
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  public Received next(long seconds) throws InterruptedException {
    return received.poll(seconds, TimeUnit.SECONDS);
  }

  public void sendRaw(byte[] bytes) {
    ByteBuf buf = Unpooled.wrappedBuffer(bytes);
    // Bypass the encoder: write on the first handler's context.
    channel.pipeline().firstContext().writeAndFlush(buf);
  }

  public void disconnect() {
    channel.writeAndFlush(MqttMessageBuilders.disconnect().reasonCode((byte) 0).build());
    channel.close();
  }

  /** Closes the socket without DISCONNECT (the Will is published). */
  public void drop() {
    channel.close();
  }

  public boolean awaitClosed(long seconds) {
    try {
      closed.get(seconds, TimeUnit.SECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  public boolean isOpen() {
    return channel != null && channel.isActive();
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close();
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage m) {
      switch (m.fixedHeader().messageType()) {
        case CONNACK -> connack.complete((MqttConnAckMessage) m);
        case PUBLISH -> {
          MqttPublishMessage p = (MqttPublishMessage) m;
          received.add(new Received(p.variableHeader().topicName(), p.content().toString(StandardCharsets.UTF_8),
              p.fixedHeader().qosLevel().value(), p.fixedHeader().isDup()));
          if (p.fixedHeader().qosLevel().value() == 1 && autoAck) {
            ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build());
          }
        }
        case DISCONNECT -> {
          disconnectedAtMillis = System.currentTimeMillis();
          if (m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
            var ref = h.properties().getProperty(MqttProperties.SERVER_REFERENCE);
            serverReference = ref == null ? null : (String) ref.value();
            disconnectReason = h.reasonCode() & 0xFF;
          } else {
            disconnectReason = 0;
          }
        }
        default -> acks.add(m);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

}
