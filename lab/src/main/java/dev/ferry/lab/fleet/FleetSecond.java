package dev.ferry.lab.fleet;

/**
 * One second of the fleet's life, as a monitoring graph shows it.
 *
 * @param second seconds since the fleet started (1 is the first full second)
 * @param epochMillis wall-clock time of the sample, to line up with the cluster's own series
 * @param connected subscribers connected on average over the second (sampled every 50 ms), as a
 *     monitoring graph of connections shows them
 * @param connectedLowest the fewest connected at any 50 ms sample in the second
 * @param connects accepted CONNACKs during the second
 * @param reconnects accepted CONNACKs of clients that had been connected before
 * @param reconnectAttempts connection attempts after a client's first one
 * @param disconnects accepted connections that ended without the fleet asking
 * @param messagesIn QoS 1 deliveries received by subscribers (duplicates included)
 * @param messagesOut QoS 1 messages first sent by publishers
 */
public record FleetSecond(
    long second,
    long epochMillis,
    int connected,
    int connectedLowest,
    long connects,
    long reconnects,
    long reconnectAttempts,
    long disconnects,
    long messagesIn,
    long messagesOut) {}
