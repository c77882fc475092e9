package dev.ferry.lab.fleet;

import java.util.concurrent.atomic.AtomicInteger;

/** Fleet-wide running totals, bumped by every client; {@link FleetTimeline} turns them into rates. */
final class FleetMeter {
  /**
   * Second 0 of the fleet's life: the wall-clock second it started in, so that the seconds of
   * fleets in different processes (shards) line up.
   */
  final long originEpochMillis;
  final long originNanos;

  {
    long nanos = System.nanoTime();
    long millis = System.currentTimeMillis();
    originEpochMillis = millis - Math.floorMod(millis, 1000L);
    originNanos = nanos - (millis - originEpochMillis) * 1_000_000L;
  }

  final AtomicInteger connected = new AtomicInteger();
  /** Subscribers that have held their subscription (once true, a client stays counted). */
  final AtomicInteger subscribed = new AtomicInteger();
  final SecondCounter connects = new SecondCounter(originNanos);
  /** Connects after a client's first one: the reconnects a release causes. */
  final SecondCounter reconnects = new SecondCounter(originNanos);
  final SecondCounter reconnectAttempts = new SecondCounter(originNanos);
  final SecondCounter disconnects = new SecondCounter(originNanos);
  final SecondCounter messagesIn = new SecondCounter(originNanos);
  final SecondCounter messagesOut = new SecondCounter(originNanos);
}
