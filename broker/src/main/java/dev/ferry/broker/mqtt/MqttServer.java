package dev.ferry.broker.mqtt;

import dev.ferry.broker.Broker;
import dev.ferry.broker.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import java.net.InetSocketAddress;

/** The MQTT listener: a pipeline of decoder, encoder and one {@link MqttConnection} per client. */
public final class MqttServer {

  /** Largest packet accepted; a bigger one closes the connection with 0x95. */
  static final int MAX_PACKET_BYTES = 1 << 20;

  private final Channel serverChannel;

  public MqttServer(Broker broker, EventLoopGroup workers, InetSocketAddress address)
      throws InterruptedException {
    KeepaliveSweep keepalives = new KeepaliveSweep();
    ConnectionLimit limit = new ConnectionLimit(broker.config().maxConnections(), broker.metrics());
    // Accepted on the worker loops themselves: a client accepted on a loop is registered there
    // without a hand-over task and a wake-up between threads (docs/broker.md, the benchmark).
    ServerBootstrap b = new ServerBootstrap()
        .group(workers, workers)
        .channel(Transport.serverChannel(workers))
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (!limit.admit(ch)) {
              return;
            }
            ch.pipeline()
                .addLast("decoder", new MqttDecoder(MAX_PACKET_BYTES))
                .addLast("encoder", MqttEncoder.INSTANCE)
                .addLast("mqtt", new MqttConnection(broker, keepalives));
          }
        });
    serverChannel = b.bind(address).sync().channel();
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  public void close() {
    serverChannel.close().syncUninterruptibly();
  }
}
