package dev.ferry.workload.load;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Chooses where each new connection goes (kube-proxy's part: a Service address, translated to a pod
 * per connection). Called once per connection, never per request on a kept-alive connection.
 * Returns null when there is nowhere to go (the request ends {@link Kind#UNAVAILABLE}).
 */
@FunctionalInterface
public interface Router {
  InetSocketAddress next();

  /** Always the same address (an ingress, one pod). */
  static Router fixed(InetSocketAddress address) {
    return () -> address;
  }

  /** Round robin over whatever {@code endpoints} returns at the time of each connection. */
  static Router roundRobin(Supplier<? extends List<InetSocketAddress>> endpoints) {
    AtomicLong n = new AtomicLong();
    return () -> {
      List<InetSocketAddress> list = endpoints.get();
      if (list == null || list.isEmpty()) {
        return null;
      }
      return list.get((int) Math.floorMod(n.getAndIncrement(), (long) list.size()));
    };
  }
}
