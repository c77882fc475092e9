package dev.ferry.lab.fleet;

import java.time.Duration;

/** A running fleet as a lab scenario drives it: in this process ({@link Fleet}) or in shards ({@link ShardedFleet}). */
public interface FleetRun extends AutoCloseable {

  /** Waits until every client holds its subscription; false on timeout. */
  boolean awaitSubscribed(Duration timeout);

  int subscribedClients();

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
