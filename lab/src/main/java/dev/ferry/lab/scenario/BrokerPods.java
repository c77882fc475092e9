package dev.ferry.lab.scenario;

/**
 * How many broker pods a lab of N clients needs on this machine. Each broker pod of a large lab is a
 * JVM of its own, and a process here may open a fixed number of files (20,000, a hard limit): a pod
 * holds one socket per client besides its cluster links, API and the JVM's own files. The seed's
 * shape is three nodes; a fleet too big for three gets more, and the lab says why.
 */
public final class BrokerPods {
  /** The seed's cluster. */
  public static final int SEED = 3;
  /**
   * Files a broker pod keeps for everything but its clients (cluster links, API calls, the JVM's
   * jars and epoll files) and for the unevenness of the fleet's first connections: on two busy
   * cores a slow pod's clients time out and retry elsewhere, and six pods at 100,000 began with
   * 12,710 to 18,460 each (one a few hundred files from its limit).
   */
  static final long HEADROOM = 5_000;

  private BrokerPods() {}

  /** Clients one broker pod can hold in a process that may open {@code maxOpenFiles}. */
  public static long capacity(long maxOpenFiles) {
    // A limit below the headroom (not this machine's) still leaves a quarter for clients.
    return Math.max(maxOpenFiles / 4, maxOpenFiles - HEADROOM);
  }

  /** The seed's three, or as many as the clients need. */
  public static int needed(int clients, long maxOpenFiles) {
    long cap = capacity(maxOpenFiles);
    return (int) Math.max(SEED, (clients + cap - 1) / cap);
  }

  /** Why a lab has more pods than the seed, or null when it has the seed's three. */
  public static String why(int clients, int nodes, long maxOpenFiles) {
    if (nodes <= SEED) {
      return null;
    }
    return String.format(java.util.Locale.ROOT, "%d broker pods, not the seed's %d: a process here opens at most %,d files,"
        + " and %d pods would hold %,d connections each", nodes, SEED, maxOpenFiles, SEED, (clients + SEED - 1) / SEED);
  }
}
