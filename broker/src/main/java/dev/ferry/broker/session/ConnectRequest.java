package dev.ferry.broker.session;

/**
 * A CONNECT as the broker logic sees it, protocol details resolved.
 *
 * @param clientId never empty (the MQTT layer assigns one when the client sent none)
 * @param assigned whether the server chose the client id
 * @param cleanStart MQTT 5 Clean Start, or 3.1.1 Clean Session
 * @param expirySeconds session expiry interval (3.1.1: 0 for clean sessions, else the default)
 * @param will the Will message, or null
 */
public record ConnectRequest(
    String clientId, boolean assigned, boolean cleanStart, long expirySeconds, Message will) {}
