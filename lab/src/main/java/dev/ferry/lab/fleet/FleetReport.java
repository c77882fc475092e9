package dev.ferry.lab.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;

/**
 * A fleet's counts: per client, per second, and the sums the lab's report starts from. Serializes
 * to JSON as is ({@link #toJson()}), which is also what a {@link FleetShard} writes.
 *
 * @param clients subscribers in the fleet
 * @param maxDisconnectsPerClient the most disconnects any one client had
 * @param meanDisconnectsPerClient disconnects over clients
 * @param messagesPublished QoS 1 messages sent to subscribers
 * @param messagesReceived distinct messages received
 * @param messagesLost acknowledged by the broker and never received
 * @param messagesDuplicated deliveries of a message already received
 * @param messagesUnconfirmed sent and never acknowledged nor received
 * @param peakReconnectsPerSecond the highest {@link FleetSecond#reconnects()}
 * @param peakReconnectAttemptsPerSecond the highest {@link FleetSecond#reconnectAttempts()}
 */
public record FleetReport(
    int clients,
    String protocol,
    int maxDisconnectsPerClient,
    double meanDisconnectsPerClient,
    long messagesPublished,
    long messagesReceived,
    long messagesLost,
    long messagesDuplicated,
    long messagesUnconfirmed,
    long peakReconnectsPerSecond,
    long peakReconnectAttemptsPerSecond,
    List<FleetSecond> timeline,
    List<ClientReport> clientReports) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper LINE = new ObjectMapper()
      .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * One report of several fleets run side by side (shards): their clients together, their seconds
   * added up second by second (shards count in whole wall-clock seconds, so they line up).
   */
  public static FleetReport merge(List<FleetReport> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    java.util.TreeMap<Long, FleetSecond> bySecond = new java.util.TreeMap<>();
    List<ClientReport> clients = new java.util.ArrayList<>();
    for (FleetReport r : parts) {
      clients.addAll(r.clientReports());
      for (FleetSecond s : r.timeline()) {
        bySecond.merge(s.epochMillis(), s, (a, b) -> new FleetSecond(a.second(), a.epochMillis(),
            a.connected() + b.connected(), a.connectedLowest() + b.connectedLowest(), a.connects() + b.connects(),
            a.reconnects() + b.reconnects(), a.reconnectAttempts() + b.reconnectAttempts(),
            a.disconnects() + b.disconnects(), a.messagesIn() + b.messagesIn(), a.messagesOut() + b.messagesOut()));
      }
    }
    return of(parts.isEmpty() ? "V5" : parts.get(0).protocol(), clients, List.copyOf(bySecond.values()));
  }

  static FleetReport of(FleetConfig config, List<ClientReport> clients, List<FleetSecond> timeline) {
    return of(config.protocol().name(), clients, timeline);
  }

  private static FleetReport of(String protocol, List<ClientReport> clients, List<FleetSecond> timeline) {
    int maxDisconnects = 0;
    long disconnects = 0;
    long published = 0;
    long received = 0;
    long lost = 0;
    long duplicates = 0;
    long unconfirmed = 0;
    for (ClientReport c : clients) {
      maxDisconnects = Math.max(maxDisconnects, c.disconnects());
      disconnects += c.disconnects();
      published += c.published();
      received += c.received();
      lost += c.lost();
      duplicates += c.duplicates();
      unconfirmed += c.unconfirmed();
    }
    long peakReconnects = timeline.stream().mapToLong(FleetSecond::reconnects).max().orElse(0);
    long peakAttempts = timeline.stream().mapToLong(FleetSecond::reconnectAttempts).max().orElse(0);
    return new FleetReport(clients.size(), protocol, maxDisconnects,
        clients.isEmpty() ? 0 : (double) disconnects / clients.size(), published, received, lost, duplicates,
        unconfirmed, peakReconnects, peakAttempts, List.copyOf(timeline), List.copyOf(clients));
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("fleet report does not serialize", e);
    }
  }

  /** On one line: what a shard process sends its parent. */
  public String toJsonLine() {
    try {
      return LINE.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("fleet report does not serialize", e);
    }
  }

  public static FleetReport fromJson(String json) {
    try {
      return LINE.readValue(json, FleetReport.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a fleet report: " + e.getOriginalMessage(), e);
    }
  }
}
