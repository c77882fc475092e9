package dev.ferry.broker.session;

/**
 * What the broker logic may do to one client connection, whatever the protocol version. The MQTT
 * layer implements it; every call may come from the broker thread and must not block.
 */
public interface ClientLink {

  /** The client id the connection asked for (or was assigned). */
  String clientId();

  /** False once the socket is closed. */
  boolean open();

  /** The MQTT protocol level: 4 for 3.1.1, 5 for MQTT 5. */
  int protocolVersion();

  /** Accepts the connection; {@code assignedClientId} is non-null when the server chose the id. */
  void accept(boolean sessionPresent, String assignedClientId);

  /**
   * Refuses the connection and closes it: MQTT 5 gets CONNACK {@code reasonV5} (with
   * Server-Reference when {@code serverReference} is set), MQTT 3.1.1 gets {@code returnCodeV3}.
   */
  void refuse(int reasonV5, int returnCodeV3, String serverReference);

  /** Sends an application message; packetId is 0 for QoS 0. */
  void deliver(Message message, int packetId, boolean duplicate);

  /**
   * Ends the connection from the server side: MQTT 5 clients get DISCONNECT {@code reasonV5} (with
   * Server-Reference when set), MQTT 3.1.1 sockets are closed. The broker has already dealt with the
   * session and the Will, so the MQTT layer must not report this connection as lost again.
   */
  void disconnect(int reasonV5, String serverReference);

  /**
   * Closes a connection not yet accepted without a word, as EMQX's connection process ends when its
   * CONNECT fails with an exception (a takeover call that timed out); {@link #open()} is false at
   * once. The broker keeps the session itself, so the MQTT layer does not report the close.
   */
  void abort();

  /** The client's Receive Maximum (MQTT 5), or a default for 3.1.1. */
  int receiveMaximum();
}
