package dev.ferry.broker.session;

import java.util.List;
import java.util.Map;

/**
 * A session in transit between nodes (takeover or hand-over): its subscriptions, expiry and every
 * message it has not acknowledged yet, in delivery order. In-flight messages come first, so a
 * resumed session redelivers them before anything newer.
 */
public record SessionSnapshot(
    String clientId,
    long expirySeconds,
    Map<String, Integer> subscriptions,
    List<Message> pending) {}
