package dev.ferry.broker.mqtt;

import dev.ferry.broker.metrics.BrokerMetrics;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's {@code max_connections}, as EMQX's listener (esockd) applies it: a connection
 * accepted while the listener holds the maximum is closed at once, before any MQTT is read, and the
 * client tries again (elsewhere, behind a Service). A node whose process can open only so many
 * files is set below that limit, so that it refuses clients rather than failing every accept with
 * "Too many open files" once full.
 */
final class ConnectionLimit {

  private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);

  private final int max;
  private final BrokerMetrics metrics;
  private final AtomicInteger open = new AtomicInteger();

  /** @param max 0: no limit (EMQX's default, {@code infinity}) */
  ConnectionLimit(int max, BrokerMetrics metrics) {
    this.max = max;
    this.metrics = metrics;
  }

  /** Counts {@code ch} in until it closes, or closes it at once when the listener is full. */
  boolean admit(Channel ch) {
    if (max == 0) {
      return true;
    }
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      long n = metrics.overLimit();
      if (n == 1 || n % 1000 == 0) { // a full node refuses many in a row: a line, not a flood
        log.warn("event=max_connections_reached max={} closed_so_far={}", max, n);
      }
      ch.close();
      return false;
    }
    ch.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }
}
