package dev.ferry.broker.session;

/**
 * An application message as the broker routes it: immutable, payload owned by the broker (never a
 * Netty buffer, so it can sit in queues and cross nodes without reference counting).
 */
public record Message(String topic, byte[] payload, int qos, boolean retain) {
  public Message {
    if (qos < 0 || qos > 2) {
      throw new IllegalArgumentException("qos " + qos);
    }
  }

  /** This message as delivered on a subscription granted {@code grantedQos}. */
  public Message downgradedTo(int grantedQos) {
    int q = Math.min(qos, grantedQos);
    return q == qos ? this : new Message(topic, payload, q, retain);
  }
}
