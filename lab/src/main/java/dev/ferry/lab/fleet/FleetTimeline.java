package dev.ferry.lab.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Turns the {@link FleetMeter} into {@link FleetSecond}s: events are counted in the second they
 * happened ({@link SecondCounter}); connected clients are read every 50 ms and averaged over the
 * second each reading fell in. A second is written once it is 200 ms over, so late events of it
 * still count.
 *
 * <p>The sampler has a thread of its own: on a client event loop it ran late exactly when the loop
 * was busiest, during a reconnect burst, and its 50 ms readings missed the burst.
 */
final class FleetTimeline {

  /** A day of seconds; beyond it the oldest are dropped, so a forgotten fleet cannot fill the heap. */
  static final int MAX_SECONDS = 86_400;
  static final long SAMPLE_MILLIS = 50;
  static final long GRACE_NANOS = 200_000_000L;

  private final FleetMeter meter;
  private final List<FleetSecond> seconds = new ArrayList<>();
  /** The next second to write (0 is the first). */
  private long next;
  private ScheduledExecutorService sampler;
  /** Connected readings of the seconds not yet written: second → {sum, count, lowest}. */
  private final java.util.TreeMap<Long, long[]> readings = new java.util.TreeMap<>();

  FleetTimeline(FleetMeter meter) {
    this.meter = meter;
  }

  void start() {
    sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fleet-timeline");
      t.setDaemon(true);
      return t;
    });
    sampler.scheduleAtFixedRate(this::tick, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
  }

  void stop() {
    if (sampler != null) {
      sampler.shutdownNow();
    }
  }

  private synchronized void tick() {
    long now = System.nanoTime();
    read(now);
    long current = SecondCounter.secondOf(now - GRACE_NANOS, meter.originNanos);
    while (next < current) {
      write(next++);
    }
  }

  private void read(long now) {
    int connected = meter.connected.get();
    long[] r = readings.computeIfAbsent(SecondCounter.secondOf(now, meter.originNanos),
        s -> new long[] {0, 0, Long.MAX_VALUE});
    r[0] += connected;
    r[1]++;
    r[2] = Math.min(r[2], connected);
  }

  /** Writes every second up to now, the last one partial (the fleet is finishing). */
  synchronized void flush() {
    long now = System.nanoTime();
    read(now);
    long current = SecondCounter.secondOf(now, meter.originNanos);
    while (next <= current) {
      write(next++);
    }
  }

  private void write(long s) {
    long[] r = readings.remove(s);
    int connected = meter.connected.get();
    int average = r == null ? connected : (int) Math.round((double) r[0] / r[1]);
    int lowest = r == null ? connected : (int) r[2];
    seconds.add(new FleetSecond(s + 1, meter.originEpochMillis + (s + 1) * 1000, average, lowest,
        meter.connects.take(s), meter.reconnects.take(s), meter.reconnectAttempts.take(s),
        meter.disconnects.take(s), meter.messagesIn.take(s), meter.messagesOut.take(s)));
    if (seconds.size() > MAX_SECONDS) {
      seconds.remove(0);
    }
    readings.headMap(s, true).clear();
    for (SecondCounter c : List.of(meter.connects, meter.reconnects, meter.reconnectAttempts, meter.disconnects,
        meter.messagesIn, meter.messagesOut)) {
      c.forgetBefore(s);
    }
  }

  synchronized List<FleetSecond> seconds() {
    return List.copyOf(seconds);
  }
}
