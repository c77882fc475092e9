package dev.ferry.lab.fleet;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What happened to one client's connections. Written only on the client's event loop (single
 * writer, so {@code volatile} increments are safe) and read from any thread.
 */
final class ClientCounters {

  /** The disconnect "reason" when the socket closed without a DISCONNECT packet. */
  static final String CLOSED = "closed";

  volatile int connects;
  volatile int reconnectAttempts;
  volatile int disconnects;
  volatile int failedAttempts;
  volatile int redirects;
  volatile long received;
  volatile boolean connected;
  private final Map<String, Integer> disconnectReasons = new ConcurrentHashMap<>();
  private final Map<String, Integer> refusals = new ConcurrentHashMap<>();

  void disconnected(String reason) {
    disconnects++;
    disconnectReasons.merge(reason, 1, Integer::sum);
  }

  void failedAttempt(String why) {
    failedAttempts++;
    refusals.merge(why, 1, Integer::sum);
  }

  Map<String, Integer> disconnectReasons() {
    return new TreeMap<>(disconnectReasons);
  }

  Map<String, Integer> failedAttemptReasons() {
    return new TreeMap<>(refusals);
  }

  /** An MQTT reason code as the spec writes it: {@code 0x9C}. */
  static String hex(int code) {
    return String.format("0x%02X", code & 0xFF);
  }
}
