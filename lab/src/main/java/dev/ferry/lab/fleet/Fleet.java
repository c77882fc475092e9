package dev.ferry.lab.fleet;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet of MQTT clients in this process, on one shared event loop group (no thread per client).
 *
 * <pre>{@code
 * FleetConfig config = FleetConfig.builder(1000)
 *     .reconnect(ReconnectPolicy.fullJitter(Duration.ofMillis(200), Duration.ofSeconds(5)))
 *     .publishRatePerSecond(500).maxMessages(20_000).publishFor(Duration.ofMinutes(2))
 *     .build();
 * try (Fleet fleet = Fleet.start(config, Destination.fixed(service.address()))) {
 *   fleet.awaitSubscribed(Duration.ofSeconds(30));
 *   fleet.startPublishing();
 *   ... run the release; read fleet.timeline() and fleet.clientReports() as it goes ...
 *   FleetReport report = fleet.finish(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>The waiting methods poll and sleep: call them from a test or the lab's driver, never from an
 * event loop.
 */
public final class Fleet implements FleetRun {

  private static final Logger log = LoggerFactory.getLogger(Fleet.class);
  private static final long POLL_MILLIS = 20;

  private final FleetConfig config;
  private final EventLoopGroup group;
  private final FleetMeter meter = new FleetMeter();
  private final FleetTimeline timeline = new FleetTimeline(meter);
  private final List<FleetClient> subscribers;
  private final List<Publisher> publishers;
  private final FirstConnects firstConnects;
  private FleetReport report;
  private boolean closed;

  private Fleet(FleetConfig config, Destination destination) {
    this.config = config;
    // Native epoll on Linux, as the lab's brokers (dev.ferry.broker.Transport; -Dferry.broker.transport=nio
    // for NIO): no selector wake-up pipe and fewer system calls per connect and per packet.
    this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(), dev.ferry.broker.Transport.ioHandlerFactory());
    List<FleetClient> subs = new ArrayList<>(config.clients());
    for (int i = 0; i < config.clients(); i++) {
      String id = config.clientId(config.firstIndex() + i);
      subs.add(new FleetClient(id, config.topicOf(id), config, group.next(),
          destination, meter, new SequenceLedger(), null));
    }
    this.subscribers = List.copyOf(subs);
    List<Publisher> pubs = new ArrayList<>(config.publishers());
    // A fleet that does not publish opens no publisher connections (they would skew the counts).
    int publisherCount = config.publishRatePerSecond() > 0 && config.maxMessages() > 0 ? config.publishers() : 0;
    for (int p = 0; p < publisherCount; p++) {
      List<FleetClient> share = new ArrayList<>();
      for (int i = p; i < subs.size(); i += publisherCount) {
        share.add(subs.get(i));
      }
      // Unique across shards: the shard's first index is part of the id.
      String id = config.clientIdPrefix() + "pub-" + config.firstIndex() + "-" + p;
      pubs.add(Publisher.create(id, config, group.next(), destination, share,
          config.publishRatePerSecond() / publisherCount, share(config.maxMessages(), p, publisherCount), meter));
    }
    this.publishers = List.copyOf(pubs);
    this.firstConnects = new FirstConnects(subscribers, config.connectRatePerSecond(), meter.subscribed::get);
    sweepTimeouts();
    // A measuring probe, off unless -Dferry.looplag.dir is set (docs/lab.md, the large lab).
    int i = 0;
    for (var loop : group) {
      dev.ferry.broker.metrics.LoopLag.watch("fleet-" + config.firstIndex() + " loop-" + i++, loop);
    }
  }

  /**
   * One timer per event loop, not per client: every {@link FleetClient#SWEEP_MILLIS} the loop checks
   * its own clients' CONNACK and keepalive deadlines ({@link FleetClient#sweep}).
   */
  private void sweepTimeouts() {
    Map<EventLoop, List<FleetClient>> byLoop = new IdentityHashMap<>();
    for (FleetClient c : subscribers) {
      byLoop.computeIfAbsent(c.loop(), l -> new ArrayList<>()).add(c);
    }
    for (Publisher p : publishers) {
      byLoop.computeIfAbsent(p.client().loop(), l -> new ArrayList<>()).add(p.client());
    }
    byLoop.forEach((loop, clients) -> loop.scheduleWithFixedDelay(() -> {
      long now = System.nanoTime();
      for (FleetClient c : clients) {
        c.sweep(now);
      }
    }, FleetClient.SWEEP_MILLIS, FleetClient.SWEEP_MILLIS, TimeUnit.MILLISECONDS));
  }

  /** Starts a fleet that connects through {@code destination}, refusing what this process cannot hold. */
  public static Fleet start(FleetConfig config, Destination destination) {
    return start(config, destination, OpenFileBudget.ofThisProcess());
  }

  /** As {@link #start(FleetConfig, Destination)}, with the given open-file budget. */
  public static Fleet start(FleetConfig config, Destination destination, OpenFileBudget budget) {
    budget.require(config.clients() + (long) config.publishers(),
        "a fleet of " + config.clients() + " clients and " + config.publishers() + " publishers");
    Fleet fleet = new Fleet(config, destination);
    fleet.begin();
    return fleet;
  }

  private void begin() {
    timeline.start();
    for (Publisher p : publishers) {
      p.client().start();
    }
    // Paced first connects: a burst of thousands of SYNs overflows accept queues, and more CONNECTs
    // than the brokers answer in time pile up into timeouts and retries.
    firstConnects.start(group.next());
    log.info("event=fleet_started clients={} publishers={} protocol={} rate={}", config.clients(),
        config.publishers(), config.protocol(), config.publishRatePerSecond());
  }

  /** Part {@code index} of {@code total} split in {@code parts}, sizes differing by at most one. */
  static long share(long total, int index, int parts) {
    if (total == Long.MAX_VALUE) {
      return total;
    }
    return total / parts + (index < total % parts ? 1 : 0);
  }

  public FleetConfig config() {
    return config;
  }

  /** Starts the publishers (each sends only to subscribers that hold their subscription). */
  public void startPublishing() {
    publishers.forEach(Publisher::start);
  }

  public void stopPublishing() {
    publishers.forEach(Publisher::stop);
  }

  /** Subscribers connected now. */
  public int connectedClients() {
    return meter.connected.get();
  }

  /**
   * Subscribers that hold their subscription: a counter, not a count over every client (a shard's
   * status line asks four times a second; counting 10,000 clients each time was 6% of a shard's CPU).
   */
  public int subscribedClients() {
    return meter.subscribed.get();
  }

  /** Waits until every subscriber holds its subscription; false on timeout. */
  public boolean awaitSubscribed(Duration timeout) {
    return await(() -> subscribedClients() == subscribers.size(), timeout);
  }

  /** Waits until {@code n} subscribers are connected at once; false on timeout. */
  public boolean awaitConnected(int n, Duration timeout) {
    return await(() -> connectedClients() >= n, timeout);
  }

  /** Waits until every publisher reached its count or its time; false on timeout. */
  public boolean awaitPublishingDone(Duration timeout) {
    return await(() -> publishers.stream().allMatch(Publisher::isDone), timeout);
  }

  /** The per-second series so far. */
  public List<FleetSecond> timeline() {
    return timeline.seconds();
  }

  /** Per-subscriber counts now (loss is only final after {@link #finish}). */
  public List<ClientReport> clientReports() {
    return subscribers.stream().map(ClientReport::of).toList();
  }

  /**
   * Ends the run: stops publishing, waits up to {@code quietPeriod} for every acknowledged message
   * to arrive and every publish to be acknowledged, then disconnects every client cleanly (DISCONNECT
   * 0x00, then close). What has not arrived by then is counted lost.
   */
  public synchronized FleetReport finish(Duration quietPeriod) {
    if (report != null) {
      return report;
    }
    firstConnects.stop();
    stopPublishing();
    await(this::quiet, quietPeriod);
    timeline.flush(); // the last, partial second
    timeline.stop();
    List<Future<Void>> stops = new ArrayList<>();
    publishers.forEach(p -> stops.add(p.client().stop()));
    subscribers.forEach(c -> stops.add(c.stop()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Future<Void> f : stops) {
      f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    report = FleetReport.of(config, clientReports(), timeline.seconds());
    log.info("event=fleet_finished clients={} published={} lost={} duplicated={} unconfirmed={} max_disconnects={}"
        + " reconnects={} reconnect_attempts={}",
        report.clients(), report.messagesPublished(), report.messagesLost(), report.messagesDuplicated(),
        report.messagesUnconfirmed(), report.maxDisconnectsPerClient(), meter.reconnects.sum(),
        meter.reconnectAttempts.sum());
    report.timeline().stream().filter(x -> x.disconnects() + x.reconnectAttempts() > 0)
        .forEach(x -> log.debug("event=fleet_second second={} disconnects={} reconnect_attempts={} reconnects={}"
            + " connected={} connected_lowest={}", x.second(), x.disconnects(), x.reconnectAttempts(), x.reconnects(),
            x.connected(), x.connectedLowest()));
    return report;
  }

  /** Nothing left in flight: every publish acknowledged, every acknowledged message received. */
  private boolean quiet() {
    for (Publisher p : publishers) {
      if (p.client().inflightCount() > 0) {
        return false;
      }
    }
    for (FleetClient c : subscribers) {
      if (c.ledger.tally().lost() > 0) {
        return false;
      }
    }
    return true;
  }

  /** Stops everything without a quiet period, if {@link #finish} did not run; then frees the threads. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (report == null) {
      finish(Duration.ZERO);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  static boolean await(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return condition.getAsBoolean();
      }
    }
  }
}
