package dev.ferry.workload.load;

import java.util.concurrent.CompletableFuture;

/**
 * Sends one request of a load. {@link #send()} must not block (the load generator calls it on its
 * schedule) and must complete, never exceptionally, within its own request timeout.
 */
public interface RequestSender extends AutoCloseable {
  CompletableFuture<Outcome> send();

  @Override
  default void close() {}
}
