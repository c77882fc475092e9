package dev.ferry.broker;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The node's socket transport: Netty's native epoll on Linux (fewer system calls and no selector
 * wake-up pipe per hop between threads: the accept path is the measured gain, docs/broker.md), NIO
 * elsewhere or with {@code -Dferry.broker.transport=nio}. Channel classes follow the group they are
 * registered with, so a caller that builds its own NIO group keeps working.
 */
public final class Transport {

  private Transport() {}

  /** True when the native epoll library loaded and NIO was not asked for. */
  public static boolean epoll() {
    return !"nio".equals(System.getProperty("ferry.broker.transport")) && Epoll.isAvailable();
  }

  public static String name() {
    return epoll() ? "epoll" : "nio";
  }

  public static IoHandlerFactory ioHandlerFactory() {
    return epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  public static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
    return isEpoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public static Class<? extends Channel> clientChannel(EventLoopGroup group) {
    return isEpoll(group) ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  private static boolean isEpoll(EventLoopGroup group) {
    return group instanceof IoEventLoopGroup g && g.isIoType(EpollIoHandler.class);
  }
}
