package dev.ferry.workload;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/** The event loops the workloads share unless they are handed their own. */
public final class Netty {
  private static volatile EventLoopGroup shared;

  private Netty() {}

  /**
   * One process-wide group of daemon event loops (two threads: the machine has two cores), made on
   * first use. Hundreds of simulated pods share it instead of each starting threads of its own.
   */
  public static EventLoopGroup shared() {
    EventLoopGroup g = shared;
    if (g == null) {
      synchronized (Netty.class) {
        g = shared;
        if (g == null) {
          g = newGroup("workload", 2);
          shared = g;
        }
      }
    }
    return g;
  }

  /** A group of {@code threads} daemon NIO event loops named {@code name-N}. */
  public static EventLoopGroup newGroup(String name, int threads) {
    return new MultiThreadIoEventLoopGroup(
        threads, new DefaultThreadFactory(name, true), NioIoHandler.newFactory());
  }
}
