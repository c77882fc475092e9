package dev.ferry.lab.fleet;

import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Sends QoS 1 messages to a share of the fleet's subscribers, in turn, at a steady rate, through
 * its own {@link FleetClient} (which keeps them until PUBACK and resends after a reconnect).
 *
 * <p>Why a separate client rather than each subscriber publishing to itself: a message published
 * while its subscriber is away is exactly what a persistent session must keep, and a subscriber
 * cannot publish while it is away. A separate publisher keeps sending through every disconnect,
 * so the queued-and-delivered-after-takeover path is measured. The publisher goes through the same
 * Service and is itself moved by a release, like any real producer.
 *
 * <p>The rate is a token budget refilled every tick; a subscriber is skipped until it first holds
 * its subscription (a message to nobody would count as lost). Messages are numbered per
 * subscriber, from 1, only when actually sent. Runs on the publisher client's event loop.
 */
final class Publisher {

  static final long TICK_MILLIS = 10;

  private final FleetClient client;
  private final List<FleetClient> targets;
  private final double ratePerSecond;
  private final long maxMessages;
  private final long durationNanos;
  private final FleetMeter meter;
  private ScheduledFuture<?> ticker;
  private int cursor;
  private double budget;
  private long lastTick;
  private long deadline;
  private long sent;
  private volatile boolean done;

  /** Builds the publisher and its client; the ack listener routes PUBACKs to the target's ledger. */
  static Publisher create(String clientId, FleetConfig config, io.netty.channel.EventLoop loop, Destination destination,
      List<FleetClient> targets, double ratePerSecond, long maxMessages, FleetMeter fleetMeter) {
    Map<String, SequenceLedger> byTopic = targets.stream().collect(Collectors.toMap(t -> t.topic, t -> t.ledger));
    FleetClient client = new FleetClient(clientId, config.topicOf(clientId), config, loop, destination,
        new FleetMeter(), null, (topic, seq) -> {
          SequenceLedger l = byTopic.get(topic);
          if (l != null) {
            l.acked(seq);
          }
        });
    return new Publisher(client, targets, ratePerSecond, maxMessages, config.publishFor().toNanos(), fleetMeter);
  }

  private Publisher(FleetClient client, List<FleetClient> targets, double ratePerSecond, long maxMessages,
      long durationNanos, FleetMeter meter) {
    this.client = client;
    this.targets = List.copyOf(targets);
    this.ratePerSecond = ratePerSecond;
    this.maxMessages = maxMessages;
    this.durationNanos = durationNanos;
    this.meter = meter;
  }

  FleetClient client() {
    return client;
  }

  boolean isDone() {
    return done;
  }

  void start() {
    client.loop().execute(() -> {
      if (ticker != null || done) {
        return;
      }
      if (targets.isEmpty() || ratePerSecond <= 0 || maxMessages <= 0) {
        done = true;
        return;
      }
      lastTick = System.nanoTime();
      deadline = lastTick + durationNanos;
      ticker = client.loop().scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    });
  }

  void stop() {
    client.loop().execute(this::finish);
  }

  private void finish() {
    done = true;
    if (ticker != null) {
      ticker.cancel(false);
    }
  }

  private void tick() {
    long now = System.nanoTime();
    if (now - deadline >= 0 || sent >= maxMessages) {
      finish();
      return;
    }
    // At most a tenth of a second of burst after a pause (disconnected, window full).
    double cap = Math.max(2, ratePerSecond / 10);
    budget = Math.min(cap, budget + ratePerSecond * (now - lastTick) / 1e9);
    lastTick = now;
    boolean wrote = false;
    int skipped = 0;
    while (budget >= 1 && sent < maxMessages && client.canPublish() && skipped < targets.size()) {
      FleetClient target = targets.get(cursor);
      cursor = (cursor + 1) % targets.size();
      if (!target.ledger.isSubscribed()) {
        skipped++;
        continue;
      }
      skipped = 0;
      client.publish(target.topic, target.ledger.nextSequence());
      sent++;
      budget -= 1;
      meter.messagesOut.increment();
      wrote = true;
    }
    if (wrote) {
      client.flush();
    }
  }
}
