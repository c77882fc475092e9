package dev.ferry.lab.net;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * How a Service picks the endpoint of a new connection. kube-proxy's iptables mode picks at
 * random, its IPVS mode offers round-robin and least-connection.
 */
public enum Balancing {
  RANDOM,
  ROUND_ROBIN,
  LEAST_CONNECTION;

  /** Picks one endpoint for one new connection. */
  public interface Chooser {
    /**
     * @param ready the endpoints the proxy currently sees, never empty
     * @param active how many connections are open to an endpoint now
     */
    InetSocketAddress choose(List<InetSocketAddress> ready, ToIntFunction<InetSocketAddress> active);
  }

  /** A new chooser; a round-robin one keeps its own position, so make one per proxy. */
  public Chooser newChooser() {
    return switch (this) {
      case RANDOM -> (ready, active) -> ready.get(ThreadLocalRandom.current().nextInt(ready.size()));
      case ROUND_ROBIN -> {
        AtomicLong next = new AtomicLong();
        yield (ready, active) -> ready.get((int) Math.floorMod(next.getAndIncrement(), (long) ready.size()));
      }
      case LEAST_CONNECTION -> Balancing::leastConnected;
    };
  }

  /** The endpoint with the fewest open connections; ties go to a random one of them, as IPVS' lc does not favour the first. */
  private static InetSocketAddress leastConnected(List<InetSocketAddress> ready, ToIntFunction<InetSocketAddress> active) {
    InetSocketAddress best = null;
    int bestCount = Integer.MAX_VALUE;
    int ties = 0;
    for (InetSocketAddress e : ready) {
      int n = active.applyAsInt(e);
      if (n < bestCount) {
        best = e;
        bestCount = n;
        ties = 1;
      } else if (n == bestCount && ThreadLocalRandom.current().nextInt(++ties) == 0) {
        best = e; // reservoir sampling among the ties
      }
    }
    return best;
  }
}
