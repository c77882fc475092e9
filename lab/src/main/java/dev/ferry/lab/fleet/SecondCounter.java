package dev.ferry.lab.fleet;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A running total that also remembers in which second of the fleet's life each event happened.
 *
 * <p>Counting the difference of a total between two samples puts an event in the second the sampler
 * happened to run, and a sampler that runs late (its thread busy with the very reconnect burst it
 * measures) stretches one second and shortens the next: the lab showed 245 reconnects in a "second"
 * while the broker never evicted more than 200 in any one-second window. The event's own time
 * decides its second here.
 */
final class SecondCounter {

  private final long originNanos;
  private final LongAdder total = new LongAdder();
  private final ConcurrentHashMap<Long, LongAdder> bySecond = new ConcurrentHashMap<>();

  SecondCounter(long originNanos) {
    this.originNanos = originNanos;
  }

  void increment() {
    total.increment();
    bySecond.computeIfAbsent(secondOf(System.nanoTime(), originNanos), s -> new LongAdder()).increment();
  }

  long sum() {
    return total.sum();
  }

  /** The events of second {@code s} (0 is the first), forgotten once read. */
  long take(long s) {
    LongAdder a = bySecond.remove(s);
    return a == null ? 0 : a.sum();
  }

  /** Drops what is left of seconds before {@code s} (events that came in after their second was read). */
  void forgetBefore(long s) {
    bySecond.keySet().removeIf(k -> k < s);
  }

  static long secondOf(long nanos, long originNanos) {
    return Math.floorDiv(nanos - originNanos, 1_000_000_000L);
  }
}
