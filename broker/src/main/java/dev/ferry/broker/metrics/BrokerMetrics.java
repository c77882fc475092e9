package dev.ferry.broker.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's counts, readable from any thread, and their Prometheus exposition. The broker thread
 * writes them; tests, the lab and {@code /metrics} read them.
 */
public final class BrokerMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger sessions = new AtomicInteger();
  private final AtomicLong messagesIn = new AtomicLong();
  private final AtomicLong messagesOut = new AtomicLong();
  private final AtomicLong messagesDropped = new AtomicLong();
  private final AtomicLong connectionsAccepted = new AtomicLong();
  private final AtomicLong connectionsRefused = new AtomicLong();
  private final AtomicLong connectionsEvicted = new AtomicLong();
  private final AtomicLong sessionsHandedOver = new AtomicLong();

  public BrokerMetrics(String node) {
    registry.config().commonTags("node", node);
    Gauge.builder("ferry_broker_connections", connections, AtomicInteger::get)
        .description("connected MQTT clients").register(registry);
    Gauge.builder("ferry_broker_sessions", sessions, AtomicInteger::get)
        .description("sessions, connected or not").register(registry);
    counter("ferry_broker_messages_in", messagesIn, "PUBLISH packets received from clients");
    counter("ferry_broker_messages_out", messagesOut, "PUBLISH packets sent to clients");
    counter("ferry_broker_messages_dropped", messagesDropped, "messages dropped: queue full or no route");
    counter("ferry_broker_connections_accepted", connectionsAccepted, "CONNECTs accepted");
    counter("ferry_broker_connections_refused", connectionsRefused, "CONNECTs refused by evacuation or rebalance");
    counter("ferry_broker_connections_evicted", connectionsEvicted, "clients disconnected by evacuation or rebalance");
    counter("ferry_broker_sessions_handed_over", sessionsHandedOver, "sessions moved to another node");
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

  public void messageDropped() {
    messagesDropped.incrementAndGet();
  }

  public void accepted() {
    connectionsAccepted.incrementAndGet();
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

  /** A consistent-enough snapshot of the counts. */
  public BrokerStats stats() {
    return new BrokerStats(
        connections.get(), sessions.get(), messagesIn.get(), messagesOut.get(), messagesDropped.get(),
        connectionsAccepted.get(), connectionsRefused.get(), connectionsEvicted.get(),
        sessionsHandedOver.get());
  }

}
