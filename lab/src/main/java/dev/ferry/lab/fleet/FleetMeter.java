package dev.ferry.lab.fleet;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Fleet-wide running totals, bumped by every client; {@link FleetTimeline} turns them into rates. */
final class FleetMeter {
  final AtomicInteger connected = new AtomicInteger();
  final LongAdder connects = new LongAdder();
  /** Connects after a client's first one: the reconnects a release causes. */
  final LongAdder reconnects = new LongAdder();
  final LongAdder reconnectAttempts = new LongAdder();
  final LongAdder disconnects = new LongAdder();
  final LongAdder messagesIn = new LongAdder();
  final LongAdder messagesOut = new LongAdder();
}
