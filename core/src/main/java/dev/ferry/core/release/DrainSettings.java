package dev.ferry.core.release;

import java.time.Duration;

/**
 * How pods are drained.
 *
 * @param type the drainer
 * @param waitTakeover for {@code NONE}: how long after the gate turned False a pod is kept, so
 *     that clients can move away; for {@code EMQX}: the broker's wait before it moves sessions
 * @param timeout how long a drain may run before its pod is deleted with what it still holds
 *     (reported as {@code DrainTimedOut}); null: never, the pod stays while it holds anything
 * @param waitHealthCheck the broker's wait before it starts evicting (EMQX wait_health_check)
 * @param parallel how many pods a blue-green release evicts clients from at once (each at the rate
 *     divided by this, a second divided by this apart in EMQX's ticks, so that its once-a-second
 *     bursts interleave); a drain waiting for its takeovers does not count
 */
public record DrainSettings(
    DrainType type, Duration waitTakeover, Duration timeout, Duration waitHealthCheck, int parallel) {

  /** Settings with no health-check wait. */
  public DrainSettings(DrainType type, Duration waitTakeover, Duration timeout) {
    this(type, waitTakeover, timeout, Duration.ZERO, 1);
  }

  /** Settings that drain one pod at a time. */
  public DrainSettings(DrainType type, Duration waitTakeover, Duration timeout, Duration waitHealthCheck) {
    this(type, waitTakeover, timeout, waitHealthCheck, 1);
  }

  public DrainSettings {
    if (type == null || waitTakeover == null || waitHealthCheck == null) {
      throw new IllegalArgumentException("drain settings need a type and their waits");
    }
    if (parallel < 1) {
      throw new IllegalArgumentException("parallel drains must be at least 1, was " + parallel);
    }
  }

  /** Between the starts of two drains that run at once: a second's ticks shared out between them. */
  public Duration stagger() {
    return Duration.ofMillis(1000 / parallel);
  }

  /** The shortest stall reported: longer than EMQX's 30 s retry when no session target is free. */
  static final Duration MIN_STALL = Duration.ofSeconds(60);

  /**
   * How long a drain may keep the same state and counts before it is reported as stalled: a
   * minute, or half a minute more than the longest wait of the broker's own (while it waits for
   * the health check or the takeover nothing changes on purpose).
   */
  public Duration stallAfter() {
    Duration longestWait = waitTakeover.compareTo(waitHealthCheck) >= 0 ? waitTakeover : waitHealthCheck;
    Duration afterWaits = longestWait.plusSeconds(30);
    return afterWaits.compareTo(MIN_STALL) > 0 ? afterWaits : MIN_STALL;
  }
}
