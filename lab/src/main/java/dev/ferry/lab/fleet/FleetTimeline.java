package dev.ferry.lab.fleet;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Samples the {@link FleetMeter} once a second and keeps the differences as {@link FleetSecond}s.
 * Sampling reads counters only, so it runs on an event loop without holding anyone up.
 */
final class FleetTimeline {

  /** A day of seconds; beyond it the oldest are dropped, so a forgotten fleet cannot fill the heap. */
  static final int MAX_SECONDS = 86_400;

  private final FleetMeter meter;
  private final List<FleetSecond> seconds = new ArrayList<>();
  private long second;
  private long connects;
  private long reconnects;
  private long attempts;
  private long disconnects;
  private long in;
  private long out;
  private ScheduledFuture<?> sampler;
  private ScheduledFuture<?> fastSampler;
  /** 50 ms samples of connected subscribers within the current second. */
  private long connectedSum;
  private int connectedSamples;
  private int connectedLowest = Integer.MAX_VALUE;

  FleetTimeline(FleetMeter meter) {
    this.meter = meter;
  }

  void start(EventExecutor executor) {
    // A batch of evictions reconnects within milliseconds: one reading a second would show it or
    // miss it by chance, so connected clients are read every 50 ms and averaged per second.
    fastSampler = executor.scheduleAtFixedRate(this::sampleConnected, 0, 50, TimeUnit.MILLISECONDS);
    sampler = executor.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
  }

  void stop() {
    if (sampler != null) {
      sampler.cancel(false);
    }
    if (fastSampler != null) {
      fastSampler.cancel(false);
    }
  }

  synchronized void sampleConnected() {
    int now = meter.connected.get();
    connectedSum += now;
    connectedSamples++;
    connectedLowest = Math.min(connectedLowest, now);
  }

  synchronized void sample() {
    sampleConnected();
    int average = (int) Math.round((double) connectedSum / connectedSamples);
    int lowest = connectedLowest;
    connectedSum = 0;
    connectedSamples = 0;
    connectedLowest = Integer.MAX_VALUE;
    long c = meter.connects.sum();
    long r = meter.reconnects.sum();
    long a = meter.reconnectAttempts.sum();
    long d = meter.disconnects.sum();
    long i = meter.messagesIn.sum();
    long o = meter.messagesOut.sum();
    second++;
    seconds.add(new FleetSecond(second, System.currentTimeMillis(), average, lowest,
        c - connects, r - reconnects, a - attempts, d - disconnects, i - in, o - out));
    if (seconds.size() > MAX_SECONDS) {
      seconds.remove(0);
    }
    connects = c;
    reconnects = r;
    attempts = a;
    disconnects = d;
    in = i;
    out = o;
  }

  synchronized List<FleetSecond> seconds() {
    return List.copyOf(seconds);
  }
}
