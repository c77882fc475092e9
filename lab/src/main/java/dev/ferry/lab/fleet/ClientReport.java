package dev.ferry.lab.fleet;

import java.util.Map;

/**
 * What happened to one subscriber.
 *
 * @param connects accepted CONNACKs
 * @param reconnectAttempts connection attempts after the first
 * @param failedAttempts attempts that never got an accepting CONNACK
 * @param disconnects accepted connections that ended without the fleet asking
 * @param redirects Server-References followed (DISCONNECT or CONNACK)
 * @param disconnectReasons by reason code ({@code 0x9C}, {@code 0x8B}) or {@code closed}
 * @param failedAttemptReasons by cause ({@code connack 0x9C}, {@code tcp ConnectException}, ...)
 * @param published messages sent to it
 * @param received distinct messages it received
 * @param duplicates deliveries of a message it had already (QoS 1 allows them)
 * @param lost acknowledged by the broker and never received
 * @param unconfirmed sent, never acknowledged, never received (the publisher stopped first)
 * @param lostSequences the first few lost sequence numbers, to look them up in logs
 */
public record ClientReport(
    String clientId,
    boolean connected,
    int connects,
    int reconnectAttempts,
    int failedAttempts,
    int disconnects,
    int redirects,
    Map<String, Integer> disconnectReasons,
    Map<String, Integer> failedAttemptReasons,
    long published,
    long received,
    long duplicates,
    long lost,
    long unconfirmed,
    java.util.List<Integer> lostSequences) {

  static ClientReport of(FleetClient c) {
    ClientCounters k = c.counters;
    SequenceLedger.Tally t = c.ledger.tally();
    return new ClientReport(c.clientId, k.connected, k.connects, k.reconnectAttempts, k.failedAttempts,
        k.disconnects, k.redirects, k.disconnectReasons(), k.failedAttemptReasons(), t.published(), t.received(),
        t.duplicates(), t.lost(), t.unconfirmed(), t.firstLost());
  }
}
