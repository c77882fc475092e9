package dev.ferry.lab.cluster;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated component's loop: its {@code sync} runs on its own thread, again {@code period}
 * after the last pass ended. Level triggered, as Kubernetes' controllers are: every pass reads the
 * world afresh from the API and acts on the difference, so a failed pass is simply retried.
 */
final class ControlLoop implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ControlLoop.class);

  private final String name;
  private final ScheduledExecutorService executor;
  private final AtomicLong failures = new AtomicLong();
  private volatile String lastFailure;
  private volatile boolean stopping;

  ControlLoop(String name, Duration period, Runnable sync) {
    this.name = name;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lab-" + name);
      t.setDaemon(true);
      return t;
    });
    executor.scheduleWithFixedDelay(() -> {
      try {
        sync.run();
      } catch (RuntimeException e) {
        if (stopping) {
          return; // interrupted by close(): not a failure
        }
        failures.incrementAndGet();
        String failure = e.toString();
        if (!failure.equals(lastFailure)) {
          log.warn("event=lab_sync_failed component={} error={}", name, failure);
        }
        lastFailure = failure;
      }
    }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Passes that threw so far (each is retried on the next pass). */
  long failures() {
    return failures.get();
  }

  @Override
  public void close() {
    stopping = true;
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("event=lab_loop_stuck component={}", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
