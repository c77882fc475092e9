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
 * The rate is a token bucket that holds at most {@link #BURST_MILLIS} of connects: time spent
 * waiting on the window is not saved up for a burst once the cluster catches up.
 */
final class FirstConnects {

  static final long TICK_MILLIS = 10;
  /** The most connects the rate lets out at once, as time at the rate. */
  static final long BURST_MILLIS = 100;

  private final List<FleetClient> clients;
  private final int ratePerSecond;
  private final int window;
  private final IntSupplier subscribed;
  private int started;
  private double tokens = 1;
  private long lastTickNanos;
  private volatile ScheduledFuture<?> ticker;

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

  /** Starts the pacing on {@code executor} (one tick at a time: no other thread touches the counts). */
  void start(EventExecutor executor) {
    if (clients.isEmpty()) {
      return;
    }
    lastTickNanos = System.nanoTime();
    ticker = executor.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    long now = System.nanoTime();
    tokens = refill(tokens, now - lastTickNanos, ratePerSecond);
    lastTickNanos = now;
    int n = due(tokens, started, subscribed.getAsInt(), clients.size(), window);
    tokens -= n;
    for (int i = 0; i < n; i++) {
      clients.get(started++).start();
    }
    if (started == clients.size()) {
      stop();
    }
  }

  /** The bucket after {@code elapsedNanos} at the rate, at most {@link #BURST_MILLIS} of connects (at least one). */
  static double refill(double tokens, long elapsedNanos, int ratePerSecond) {
    double burst = Math.max(1.0, ratePerSecond * BURST_MILLIS / 1000.0);
    return Math.min(burst, tokens + elapsedNanos * (double) ratePerSecond / 1_000_000_000L);
  }

  /** How many more clients start now: what the bucket holds, less what the window holds open. */
  static int due(double tokens, int started, int subscribed, int total, int window) {
    long byWindow = window - (long) (started - subscribed);
    return (int) Math.max(0, Math.min(Math.min((long) Math.floor(tokens), byWindow), total - started));
  }

  void stop() {
    ScheduledFuture<?> t = ticker;
    if (t != null) {
      t.cancel(false);
    }
  }
}
