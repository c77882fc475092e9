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

  static FleetReport of(FleetConfig config, List<ClientReport> clients, List<FleetSecond> timeline) {
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
    return new FleetReport(clients.size(), config.protocol().name(), maxDisconnects,
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
}
