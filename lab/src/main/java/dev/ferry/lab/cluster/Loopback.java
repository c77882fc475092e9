package dev.ferry.lab.cluster;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out loopback addresses, as a cluster's IPAM hands out pod IPs and ClusterIPs. Each range is
 * a run of {@code /24}s: {@code 127.<first>.0.0}... Addresses are never handed out twice in one
 * JVM (a pod that was just deleted may still be closing its sockets), until the range wraps. Each
 * JVM starts at a random place in each range, so that two labs (or two test runs) on one machine
 * rarely meet; when they do, the caller's bind fails and it asks for the next address.
 *
 * <p>The lab's ranges stay clear of the other tests of this repository (127.0.0.x to 127.0.3.x):
 * pods {@code 127.0.10.1}–{@code 127.0.19.254}, Services {@code 127.0.20.1}–{@code 127.0.20.254},
 * the API server {@code 127.0.21.1}.
 */
final class Loopback {

  static final Loopback PODS = new Loopback(10, 10);
  static final Loopback SERVICES = new Loopback(20, 1);
  static final String API_SERVER = "127.0.21.1";

  private final int firstThirdOctet;
  private final int size;
  private final AtomicInteger next;

  /** {@code thirdOctets} consecutive /24s starting at {@code 127.0.<firstThirdOctet>.0}. */
  Loopback(int firstThirdOctet, int thirdOctets) {
    if (firstThirdOctet < 0 || thirdOctets < 1 || firstThirdOctet + thirdOctets > 256) {
      throw new IllegalArgumentException("bad loopback range " + firstThirdOctet + "+" + thirdOctets);
    }
    this.firstThirdOctet = firstThirdOctet;
    this.size = thirdOctets * 254;
    this.next = new AtomicInteger(java.util.concurrent.ThreadLocalRandom.current().nextInt(size));
  }

  /** True when {@code e} (or a cause) says the address is taken: try the next one. */
  static boolean addressInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  /** Attempts at binding before giving up: each on a new address. */
  static final int BIND_ATTEMPTS = 8;

  /** The address {@link #next()} would give now (for tests). */
  String peek() {
    return address(next.get());
  }

  /** The next free address, {@code 127.0.x.y} with y in 1..254. */
  String next() {
    return address(next.getAndIncrement());
  }

  private String address(int i) {
    int n = Math.floorMod(i, size);
    return "127.0." + (firstThirdOctet + n / 254) + "." + (1 + n % 254);
  }
}
