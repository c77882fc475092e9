package dev.ferry.lab.fleet;

import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Opens a fleet's first connections at most at its rate, and with at most a window of them
 * unfinished (started, not yet subscribed): the brokers set the pace as much as the clock does.
 *
 * <p>An open schedule (client i at i / rate, whatever happened to the ones before) kept sending
 * CONNECTs into brokers that had fallen behind; their CONNACKs came after the clients' timeout, the
 * retries added to the load, and on a slower machine 100,000 first connects never finished (8,585
 * and 60,312 subscribed when the lab gave up). With the window a slow cluster gets fewer connects a
 * second instead of a pile of them, as a device fleet behind a rate-limited load balancer would.
 */
final class FirstConnects {

  static final long TICK_MILLIS = 10;

  private final List<FleetClient> clients;
  private final int ratePerSecond;
  private final int window;
  private final IntSupplier subscribed;
  private int started;
  private long startNanos;
  private ScheduledFuture<?> ticker;

  FirstConnects(List<FleetClient> clients, int ratePerSecond, IntSupplier subscribed) {
    this.clients = clients;
    this.ratePerSecond = ratePerSecond;
    this.window = window(ratePerSecond);
    this.subscribed = subscribed;
  }

  /** A quarter of a second of connects at the rate, at least 16: far more than a quiet cluster needs in flight. */
  static int window(int ratePerSecond) {
    return Math.max(16, ratePerSecond / 4);
  }

  /** Starts the pacing on {@code executor} (one tick at a time: no other thread touches the count). */
  void start(EventExecutor executor) {
    if (clients.isEmpty()) {
      return;
    }
    startNanos = System.nanoTime();
    ticker = executor.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  void tick() {
    int n = due(System.nanoTime() - startNanos, started, subscribed.getAsInt(), clients.size(), ratePerSecond, window);
    for (int i = 0; i < n; i++) {
      clients.get(started++).start(0);
    }
    if (started == clients.size() && ticker != null) {
      ticker.cancel(false);
    }
  }

  /** How many more clients start now: what the rate allows so far, less what the window holds open. */
  static int due(long elapsedNanos, int started, int subscribed, int total, int ratePerSecond, int window) {
    long byRate = 1 + elapsedNanos * ratePerSecond / 1_000_000_000L - started;
    long byWindow = window - (long) (started - subscribed);
    return (int) Math.max(0, Math.min(Math.min(byRate, byWindow), total - started));
  }

  void stop() {
    if (ticker != null) {
      ticker.cancel(false);
    }
  }
}
