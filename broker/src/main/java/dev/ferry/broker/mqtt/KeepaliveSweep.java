package dev.ferry.broker.mqtt;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The keepalive deadlines of one listener's connections: one check a second per event loop over the
 * connections of that loop, instead of a timer per connection. Netty's IdleStateHandler scheduled one
 * task per client on its loop's queue at CONNECT and cancelled it at close, a cost the accept path's
 * profile showed (docs/broker.md, the benchmark). A silent client is closed between one and a half
 * keepalive periods after its last packet (§3.1.2.10) and one period of this sweep later.
 *
 * <p>Every method runs on the event loop of the connection it is given; a connection never changes loop.
 */
final class KeepaliveSweep {

  static final long PERIOD_MILLIS = 1_000;

  /** The watched connections of the calling event loop; null before its first. */
  private final FastThreadLocal<Set<MqttConnection>> watchedOnThisLoop = new FastThreadLocal<>();

  void watch(MqttConnection connection, EventLoop loop) {
    Set<MqttConnection> watched = watchedOnThisLoop.get();
    if (watched == null) {
      Set<MqttConnection> created = new HashSet<>();
      watchedOnThisLoop.set(created);
      loop.scheduleWithFixedDelay(() -> sweep(created), PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
      watched = created;
    }
    watched.add(connection);
  }

  void forget(MqttConnection connection) {
    Set<MqttConnection> watched = watchedOnThisLoop.getIfExists();
    if (watched != null) {
      watched.remove(connection);
    }
  }

  private static void sweep(Set<MqttConnection> watched) {
    long now = System.nanoTime();
    List<MqttConnection> silent = new ArrayList<>();
    for (MqttConnection c : watched) {
      if (c.silentPastKeepalive(now)) {
        silent.add(c);
      }
    }
    for (MqttConnection c : silent) {
      watched.remove(c);
      c.keepaliveExpired();
    }
  }
}
