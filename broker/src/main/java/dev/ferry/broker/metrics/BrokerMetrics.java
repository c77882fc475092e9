package dev.ferry.broker.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's counts, readable from any thread, and their Prometheus exposition. The broker thread
 * writes them; tests, the lab and {@code /metrics} read them.
 */
public final class BrokerMetrics {

  /**
   * Why a message reached no session. {@link #NO_SUBSCRIBERS} is EMQX's
   * {@code messages.dropped.no_subscribers}: normal for a broker (nobody listens), so it is not in
   * {@link BrokerStats#messagesDropped()}; every other reason is a message the cluster had taken
   * responsibility for and lost.
   */
  public enum DropReason {
    /** Entered here, matched no subscriber here and no route of an up peer. */
    NO_SUBSCRIBERS,
    /** A peer held a matching route but its link was down when the message was sent to it. */
    PEER_DOWN,
    /** A peer sent it here for a route this node no longer has (the route was withdrawn meanwhile). */
    NO_LOCAL_ROUTE,
    /** A message forwarded after a session moved found no session (and no forwarding entry). */
    NO_SESSION,
    /** The session's queue was full; the oldest message went. */
    QUEUE_FULL;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger sessions = new AtomicInteger();
  private final AtomicLong messagesIn = new AtomicLong();
  private final AtomicLong messagesOut = new AtomicLong();
  private final Map<DropReason, AtomicLong> dropped = new EnumMap<>(DropReason.class);
  private final AtomicLong connectionsAccepted = new AtomicLong();
  private final AtomicLong connectionsRefused = new AtomicLong();
  private final AtomicLong connectionsEvicted = new AtomicLong();
  private final AtomicLong sessionsHandedOver = new AtomicLong();
  private final AtomicLong takeoversTimedOut = new AtomicLong();
  private final AtomicLong takeoversFoundNothing = new AtomicLong();
  private final AtomicLong connectionsOverLimit = new AtomicLong();

  public BrokerMetrics(String node) {
    registry.config().commonTags("node", node);
    Gauge.builder("ferry_broker_connections", connections, AtomicInteger::get)
        .description("connected MQTT clients").register(registry);
    Gauge.builder("ferry_broker_sessions", sessions, AtomicInteger::get)
        .description("sessions, connected or not").register(registry);
    counter("ferry_broker_messages_in", messagesIn, "PUBLISH packets received from clients");
    counter("ferry_broker_messages_out", messagesOut, "PUBLISH packets sent to clients");
    for (DropReason r : DropReason.values()) {
      AtomicLong n = new AtomicLong();
      dropped.put(r, n);
      io.micrometer.core.instrument.FunctionCounter.builder("ferry_broker_messages_dropped", n, AtomicLong::get)
          .description("messages that reached no session, by reason").tag("reason", r.label()).register(registry);
    }
    counter("ferry_broker_connections_accepted", connectionsAccepted, "CONNECTs accepted");
    counter("ferry_broker_connections_refused", connectionsRefused, "CONNECTs refused by evacuation or rebalance");
    counter("ferry_broker_connections_evicted", connectionsEvicted, "clients disconnected by evacuation or rebalance");
    counter("ferry_broker_sessions_handed_over", sessionsHandedOver, "sessions moved to another node");
    counter("ferry_broker_takeovers_timed_out", takeoversTimedOut,
        "CONNECTs failed because a peer did not answer the session takeover in time");
    counter("ferry_broker_takeovers_found_nothing", takeoversFoundNothing,
        "CONNECTs given a fresh session because the nodes the channel registry named had none (the registry behind)");
    counter("ferry_broker_connections_over_limit", connectionsOverLimit,
        "connections closed at accept because the listener held max-connections");
  }

  private void counter(String name, AtomicLong value, String description) {
    // A function counter reads the atomic, so the hot path costs one increment.
    io.micrometer.core.instrument.FunctionCounter.builder(name, value, AtomicLong::get)
        .description(description).register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }

  public void connections(int n) {
    connections.set(n);
  }

  public void sessions(int n) {
    sessions.set(n);
  }

  public void messageIn() {
    messagesIn.incrementAndGet();
  }

  public void messageOut() {
    messagesOut.incrementAndGet();
  }

  public void messageDropped(DropReason reason) {
    dropped.get(reason).incrementAndGet();
  }

  public long dropped(DropReason reason) {
    return dropped.get(reason).get();
  }

  public void accepted() {
    connectionsAccepted.incrementAndGet();
  }

  public void takeoverTimedOut() {
    takeoversTimedOut.incrementAndGet();
  }

  public long takeoversTimedOut() {
    return takeoversTimedOut.get();
  }

  public void takeoverFoundNothing() {
    takeoversFoundNothing.incrementAndGet();
  }

  public long takeoversFoundNothing() {
    return takeoversFoundNothing.get();
  }

  /** Counts one connection closed at accept; returns the count so far. */
  public long overLimit() {
    return connectionsOverLimit.incrementAndGet();
  }

  public void refused() {
    connectionsRefused.incrementAndGet();
  }

  public void evicted() {
    connectionsEvicted.incrementAndGet();
  }

  public void handedOver() {
    sessionsHandedOver.incrementAndGet();
  }

  private long lostAfterTaken() {
    long n = 0;
    for (Map.Entry<DropReason, AtomicLong> e : dropped.entrySet()) {
      if (e.getKey() != DropReason.NO_SUBSCRIBERS) {
        n += e.getValue().get();
      }
    }
    return n;
  }

  /** A consistent-enough snapshot of the counts. */
  public BrokerStats stats() {
    return new BrokerStats(
        connections.get(), sessions.get(), messagesIn.get(), messagesOut.get(), lostAfterTaken(),
        connectionsAccepted.get(), connectionsRefused.get(), connectionsEvicted.get(),
        sessionsHandedOver.get());
  }

}
