package dev.ferry.broker.session;

/** The MQTT 5 reason codes and 3.1.1 return codes the broker uses (MQTT 5 §2.4, 3.1.1 §3.2.2.3). */
public final class Reasons {
  private Reasons() {}

  public static final int SUCCESS = 0x00;
  public static final int DISCONNECT_WITH_WILL = 0x04;
  public static final int UNSPECIFIED_ERROR = 0x80;
  public static final int MALFORMED_PACKET = 0x81;
  public static final int PROTOCOL_ERROR = 0x82;
  public static final int UNSUPPORTED_PROTOCOL_VERSION = 0x84;
  public static final int CLIENT_ID_NOT_VALID = 0x85;
  public static final int SERVER_UNAVAILABLE = 0x88;
  public static final int SERVER_SHUTTING_DOWN = 0x8B;
  public static final int KEEP_ALIVE_TIMEOUT = 0x8D;
  public static final int SESSION_TAKEN_OVER = 0x8E;
  public static final int TOPIC_FILTER_INVALID = 0x8F;
  public static final int TOPIC_NAME_INVALID = 0x90;
  public static final int PACKET_TOO_LARGE = 0x95;
  public static final int USE_ANOTHER_SERVER = 0x9C;
  public static final int SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E;

  /** 3.1.1 CONNACK return codes. */
  public static final int V3_UNACCEPTABLE_PROTOCOL = 1;
  public static final int V3_IDENTIFIER_REJECTED = 2;
  public static final int V3_SERVER_UNAVAILABLE = 3;
}
