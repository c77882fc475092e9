package dev.ferry.lab.net;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Per endpoint: connections routed to it so far, and connections open to it now. Thread-safe. */
final class EndpointCounters {

  private static final class Counts {
    final AtomicLong routed = new AtomicLong();
    final AtomicInteger active = new AtomicInteger();
  }

  private final Map<InetSocketAddress, Counts> byEndpoint = new ConcurrentHashMap<>();

  private Counts of(InetSocketAddress endpoint) {
    return byEndpoint.computeIfAbsent(endpoint, e -> new Counts());
  }

  void routed(InetSocketAddress endpoint) {
    Counts c = of(endpoint);
    c.routed.incrementAndGet();
    c.active.incrementAndGet();
  }

  void closed(InetSocketAddress endpoint) {
    of(endpoint).active.decrementAndGet();
  }

  int active(InetSocketAddress endpoint) {
    Counts c = byEndpoint.get(endpoint);
    return c == null ? 0 : c.active.get();
  }

  long routedTo(InetSocketAddress endpoint) {
    Counts c = byEndpoint.get(endpoint);
    return c == null ? 0 : c.routed.get();
  }

  Map<String, Long> routedSnapshot() {
    Map<String, Long> m = new TreeMap<>();
    byEndpoint.forEach((e, c) -> m.put(ServiceProxy.key(e), c.routed.get()));
    return m;
  }

  Map<String, Integer> activeSnapshot() {
    Map<String, Integer> m = new TreeMap<>();
    byEndpoint.forEach((e, c) -> m.put(ServiceProxy.key(e), c.active.get()));
    return m;
  }
}
