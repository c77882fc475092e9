package dev.ferry.broker.session;

import java.util.List;
import java.util.Map;

/**
 * A session in transit between nodes (takeover or hand-over): its subscriptions, expiry and every
 * message it has not acknowledged yet, in delivery order. In-flight messages come first, so a
 * resumed session redelivers them before anything newer.
 *
 * @param redeliveries how many messages at the head of {@code pending} were sent to the client
 *     before (they go out again with DUP set)
 * @param recentIds ids of messages the session was offered lately, so that a copy forwarded late by
 *     an earlier node is not delivered twice (may be null or empty)
 */
public record SessionSnapshot(
    String clientId,
    long expirySeconds,
    Map<String, Integer> subscriptions,
    List<Message> pending,
    int redeliveries,
    List<String> recentIds) {

  public SessionSnapshot {
    recentIds = recentIds == null ? List.of() : List.copyOf(recentIds);
  }
}
