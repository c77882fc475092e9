package dev.ferry.workload.load;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-model load generator: request {@code i} leaves at {@code start + i / rate}, on a thread
 * of its own, whether or not earlier requests have ended, so slow answers do not slow the sending
 * down and cannot hide errors (a closed-model client that waits for each answer would send less
 * exactly when the service struggles). Bounded by duration, request count and requests in flight.
 *
 * <pre>{@code
 * try (var sender = HttpRequestSender.work(Router.fixed(ingress));
 *      var load = LoadGenerator.start("http", LoadConfig.of(300, Duration.ofSeconds(60)), sender)) {
 *   LoadReport r = load.done().join();
 * }
 * }</pre>
 */
public final class LoadGenerator implements AutoCloseable {
  private final LoadConfig config;
  private final RequestSender sender;
  private final LoadStats stats;
  private final long startNanos;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger peakInFlight = new AtomicInteger();
  private final CompletableFuture<LoadReport> done = new CompletableFuture<>();
  private final Thread thread;
  private volatile boolean stopping;
  private volatile boolean sendingOver;

  private LoadGenerator(String name, LoadConfig config, RequestSender sender) {
    this.config = config;
    this.sender = sender;
    this.startNanos = System.nanoTime();
    this.stats = new LoadStats(startNanos);
    this.thread = Thread.ofPlatform().name("load-" + name).daemon(true).unstarted(this::run);
  }

  /** Starts sending now. The sender stays the caller's to close. */
  public static LoadGenerator start(String name, LoadConfig config, RequestSender sender) {
    LoadGenerator g = new LoadGenerator(name, config, sender);
    g.thread.start();
    return g;
  }

  private void run() {
    double intervalNanos = 1e9 / config.ratePerSecond();
    long endNanos = startNanos + config.duration().toNanos();
    try {
      for (long i = 0; i < config.maxRequests() && !stopping; i++) {
        long due = startNanos + (long) (i * intervalNanos);
        if (due >= endNanos) {
          break;
        }
        long wait;
        while ((wait = due - System.nanoTime()) > 0 && !stopping) {
          LockSupport.parkNanos(wait);
        }
        if (stopping) {
          break;
        }
        sendOne(due);
      }
    } finally {
      sendingOver = true;
      maybeDone();
    }
  }

  private void sendOne(long due) {
    long second = stats.sent(due);
    if (inFlight.get() >= config.maxInFlight()) {
      stats.ended(second, new Outcome(Kind.CLIENT_LIMIT, null, 0, "in-flight bound reached"));
      return;
    }
    peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    long t0 = System.nanoTime();
    CompletableFuture<Outcome> f;
    try {
      f = sender.send();
    } catch (RuntimeException e) {
      f = CompletableFuture.completedFuture(new Outcome(Kind.OTHER, null, 0, e.toString()));
    }
    f.orTimeout(config.guardTimeout().toNanos(), TimeUnit.NANOSECONDS).whenComplete((o, e) -> {
      Outcome out = o;
      if (e != null) {
        Kind k = e instanceof TimeoutException ? Kind.TIMEOUT : Kind.OTHER;
        out = new Outcome(k, null, System.nanoTime() - t0, e.toString());
      }
      stats.ended(second, out);
      inFlight.decrementAndGet();
      maybeDone();
    });
  }

  private void maybeDone() {
    if (sendingOver && inFlight.get() == 0 && !done.isDone()) {
      done.complete(stats.report());
    }
  }

  /** Counts so far. */
  public LoadReport report() {
    return stats.report();
  }

  public LoadStats stats() {
    return stats;
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** The most requests that were in flight at once. */
  public int peakInFlight() {
    return peakInFlight.get();
  }

  /** Completes with the final report once sending is over and every request has ended. */
  public CompletableFuture<LoadReport> done() {
    return done;
  }

  /** Stops sending; {@link #done()} completes when the requests in flight have ended. */
  public void stop() {
    stopping = true;
    LockSupport.unpark(thread);
  }

  /** Stops sending and waits (at most the guard timeout) for the requests in flight. */
  @Override
  public void close() {
    stop();
    try {
      done.get(config.guardTimeout().plus(Duration.ofSeconds(1)).toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // the report stays readable through report()
    }
  }
}
