package dev.ferry.lab.fleet;

import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Checks that a process can open the sockets it is about to need. Each fleet client holds one
 * file; the limit here is about 20,000 per process, so a bigger fleet must run as shards
 * ({@link FleetShard}) rather than fail half-way with "Too many open files".
 */
public final class OpenFileBudget {

  /** Files kept free for the JVM itself: jars, epoll, logs, the occasional HTTP call. */
  static final long HEADROOM = 512;

  private final long max;
  private final LongSupplier open;

  public OpenFileBudget(long max, LongSupplier open) {
    this.max = max;
    this.open = open;
  }

  /** The limits of this process (unlimited where the platform does not say). */
  public static OpenFileBudget ofThisProcess() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
      return new OpenFileBudget(os.getMaxFileDescriptorCount(), os::getOpenFileDescriptorCount);
    }
    return new OpenFileBudget(Long.MAX_VALUE, () -> 0);
  }

  public long max() {
    return max;
  }

  /** How many more files fit, after what is open now and the headroom. */
  public long available() {
    return Math.max(0, max - open.getAsLong() - HEADROOM);
  }

  /** Throws, with what to do instead, unless {@code needed} more files fit. */
  public void require(long needed, String what) {
    long available = available();
    if (needed > available) {
      long open = this.open.getAsLong();
      long perShard = Math.max(1, max - HEADROOM - 64);
      throw new IllegalStateException(String.format(
          "%s needs %d open files but this process can open only %d more (limit %d, %d open, %d kept free); "
              + "run it as shards in separate processes (FleetShard), at most about %d clients each",
          what, needed, available, max, open, HEADROOM, perShard));
    }
  }
}
