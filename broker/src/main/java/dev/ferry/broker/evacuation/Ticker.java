package dev.ferry.broker.evacuation;

import dev.ferry.broker.Broker;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;

/**
 * Runs a state machine's ticks on the broker thread the way EMQX's gen_statem arms its state
 * timeouts: the first at once, each next one the delay the tick returns after the tick's work has
 * ended (so a second's burst is followed by the next one second after it was carried out, never
 * sooner). The tick gets {@link Broker#now()}, the clock the state machines count on; a negative
 * delay ends the ticks.
 *
 * <p>Not {@code scheduleAtFixedRate}: its runs keep to times fixed at the start, so a run that
 * starts late is followed by one less than the interval later (in the lab, the first drained
 * node's reconnects went 200, 0, 200 instead of 200, 200 when a pacer then refused that early run).
 */
final class Ticker {
  private static final long RETRY_AFTER_FAILURE_MILLIS = 1000;

  private final ScheduledExecutorService executor;
  private final LongUnaryOperator tick;
  private volatile boolean cancelled;
  private volatile ScheduledFuture<?> next;

  /**
   * @param tick given the time, does the tick's work and returns the delay before the next one in
   *     milliseconds, negative for none
   */
  Ticker(ScheduledExecutorService executor, LongUnaryOperator tick) {
    this.executor = executor;
    this.tick = tick;
    this.next = executor.schedule(this::run, 0, TimeUnit.MILLISECONDS);
  }

  private void run() {
    if (cancelled) {
      return;
    }
    long delay = RETRY_AFTER_FAILURE_MILLIS; // a tick that throws is tried again, not dropped
    try {
      delay = tick.applyAsLong(Broker.now());
    } finally {
      if (delay < 0) {
        cancelled = true;
      } else if (!cancelled) {
        // Broker.now() truncates to milliseconds: a whole delay after the work ends lands at or
        // after the tick's time plus the delay, as the state machine counts it.
        try {
          next = executor.schedule(this::run, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          cancelled = true; // the node is stopping
        }
      }
    }
  }

  /** No tick after this one (call on the broker thread). */
  void cancel() {
    cancelled = true;
    ScheduledFuture<?> f = next;
    if (f != null) {
      f.cancel(false);
    }
  }
}
