package dev.ferry.lab.fleet;

import java.time.Duration;

/** A running fleet as a lab scenario drives it: in this process ({@link Fleet}) or in shards ({@link ShardedFleet}). */
public interface FleetRun extends AutoCloseable {

  /** Waits until every client holds its subscription; false on timeout. */
  boolean awaitSubscribed(Duration timeout);

  int subscribedClients();

  /** How long the first connects may go without one more client subscribed before they count as failed. */
  Duration FIRST_CONNECTS_STALL = Duration.ofSeconds(60);

  /**
   * Waits until every client holds its subscription for as long as clients keep subscribing: false
   * once {@code stall} passed with none more. The first connects are paced by how fast the brokers
   * answer, so no fixed limit fits every machine (a minute plus a second per thousand clients ran
   * out on a slower one while clients still came in). {@code progress} gets the count every 10 s.
   */
  default boolean awaitSubscribedWhileProgressing(Duration stall, java.util.function.IntConsumer progress) {
    int last = -1;
    long lastGain = System.nanoTime();
    while (!awaitSubscribed(Duration.ofSeconds(10))) {
      int now = subscribedClients();
      if (now > last) {
        last = now;
        lastGain = System.nanoTime();
      } else if (System.nanoTime() - lastGain > stall.toNanos()) {
        return false;
      }
      progress.accept(now);
    }
    return true;
  }

  void startPublishing();

  /** Clients connected now. */
  int connectedClients();

  /** Waits until {@code n} clients are connected at once; false on timeout. */
  boolean awaitConnected(int n, Duration timeout);

  /** Stops publishing, waits up to {@code quietPeriod} for what is in flight, disconnects, reports. */
  FleetReport finish(Duration quietPeriod);

  @Override
  void close();
}
