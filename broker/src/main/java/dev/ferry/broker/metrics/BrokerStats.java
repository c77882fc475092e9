package dev.ferry.broker.metrics;

/**
 * A node's counts at one moment.
 *
 * @param connections connected clients (EMQX's {@code live_connections})
 * @param sessions sessions, connected or not (EMQX's {@code connections})
 * @param messagesIn PUBLISH packets received from this node's clients
 * @param messagesOut PUBLISH packets sent to this node's clients
 * @param messagesDropped messages the cluster had taken and lost (every {@link BrokerMetrics.DropReason}
 *     but {@code NO_SUBSCRIBERS})
 */
public record BrokerStats(
    int connections,
    int sessions,
    long messagesIn,
    long messagesOut,
    long messagesDropped,
    long connectionsAccepted,
    long connectionsRefused,
    long connectionsEvicted,
    long sessionsHandedOver) {}
