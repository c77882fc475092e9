package dev.ferry.broker.session;

/**
 * An application message as the broker routes it: immutable, payload owned by the broker (never a
 * Netty buffer, so it can sit in queues and cross nodes without reference counting).
 *
 * @param id unique in the cluster, given by the node where the message entered (null until then);
 *     a session that just moved between nodes can be offered the same message twice (straight from
 *     its publisher's node and forwarded by its previous node), and keeps one copy by this id
 */
public record Message(String topic, byte[] payload, int qos, boolean retain, String id) {
  public Message {
    if (qos < 0 || qos > 2) {
      throw new IllegalArgumentException("qos " + qos);
    }
  }

  /** A message that has not entered the cluster yet (no id). */
  public Message(String topic, byte[] payload, int qos, boolean retain) {
    this(topic, payload, qos, retain, null);
  }

  /** This message as delivered on a subscription granted {@code grantedQos}. */
  public Message downgradedTo(int grantedQos) {
    int q = Math.min(qos, grantedQos);
    return q == qos ? this : new Message(topic, payload, q, retain, id);
  }

  public Message withId(String newId) {
    return new Message(topic, payload, qos, retain, newId);
  }

  /** This message without the retain flag, as it goes to existing subscribers. */
  public Message unretained() {
    return retain ? new Message(topic, payload, qos, false, id) : this;
  }
}
