package dev.ferry.broker;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Holds a node's broker thread so that a test can order what queues behind the hold. It is running
 * once {@link #of} returns, so no periodic task (session expiry, the drop log) can still finish and
 * count as submitted afterwards: while held, {@link #submittedTasks()} grows only by what the
 * MQTT or API layer hands over (the periodic tasks already wait in the queue).
 */
final class BrokerThreadHold implements AutoCloseable {
  private final ThreadPoolExecutor thread;
  private final CountDownLatch release = new CountDownLatch(1);

  private BrokerThreadHold(BrokerNode node) {
    this.thread = (ThreadPoolExecutor) node.brokerThread();
  }

  static BrokerThreadHold of(BrokerNode node) throws InterruptedException {
    BrokerThreadHold hold = new BrokerThreadHold(node);
    CountDownLatch holding = new CountDownLatch(1);
    hold.thread.execute(() -> {
      holding.countDown();
      try {
        hold.release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    if (!holding.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the broker thread did not take the hold within 10 s");
    }
    return hold;
  }

  /** Tasks handed to the broker thread so far. */
  long submittedTasks() {
    return thread.getTaskCount();
  }

  /** Queues {@code task} on the broker thread, behind everything submitted so far. */
  void queue(Runnable task) {
    thread.execute(task);
  }

  /** Lets the broker thread go on. */
  @Override
  public void close() {
    release.countDown();
  }
}
