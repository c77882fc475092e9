package dev.ferry.broker.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One client's session: subscriptions, the queue of messages not yet sent and the QoS 1 messages
 * sent but not acknowledged. Owned by the broker thread; not thread-safe.
 *
 * <p>The connection is an opaque handle ({@code null} while the client is away), so that the
 * session logic does not depend on Netty.
 */
public final class Session {

  private final String clientId;
  private final Map<String, Integer> subscriptions = new LinkedHashMap<>();
  private final Deque<Message> queue = new ArrayDeque<>();
  /** Packet id → message, in send order. */
  private final LinkedHashMap<Integer, Message> inflight = new LinkedHashMap<>();
  private long expirySeconds;
  private Object connection;
  private long disconnectedAtMillis;
  private int nextPacketId = 1;

  public Session(String clientId, long expirySeconds) {
    this.clientId = clientId;
    this.expirySeconds = expirySeconds;
  }

  public static Session restore(SessionSnapshot s) {
    Session session = new Session(s.clientId(), s.expirySeconds());
    session.subscriptions.putAll(s.subscriptions());
    session.queue.addAll(s.pending());
    return session;
  }

  /** A copy for another node; unacknowledged in-flight messages go first, to be resent. */
  public SessionSnapshot snapshot() {
    List<Message> pending = new ArrayList<>(inflight.size() + queue.size());
    pending.addAll(inflight.values());
    pending.addAll(queue);
    return new SessionSnapshot(clientId, expirySeconds, Map.copyOf(subscriptions), pending);
  }

  public String clientId() {
    return clientId;
  }

  public Map<String, Integer> subscriptions() {
    return subscriptions;
  }

  public long expirySeconds() {
    return expirySeconds;
  }

  public void expirySeconds(long seconds) {
    this.expirySeconds = seconds;
  }

  public Object connection() {
    return connection;
  }

  public boolean connected() {
    return connection != null;
  }

  public void attach(Object connection) {
    this.connection = connection;
    // A reconnect resends what the previous connection never acknowledged (MQTT §4.4).
    if (!inflight.isEmpty()) {
      List<Message> resend = new ArrayList<>(inflight.values());
      inflight.clear();
      for (int i = resend.size() - 1; i >= 0; i--) {
        queue.addFirst(resend.get(i));
      }
    }
  }

  public void detach(long nowMillis) {
    this.connection = null;
    this.disconnectedAtMillis = nowMillis;
  }

  /** Whether a disconnected session has outlived its expiry interval. */
  public boolean expired(long nowMillis) {
    return connection == null && nowMillis - disconnectedAtMillis >= expirySeconds * 1000;
  }

  /** The highest QoS granted among the filters matching {@code topic}, or -1 for none. */
  public int grantedQos(String topic) {
    int best = -1;
    for (Map.Entry<String, Integer> e : subscriptions.entrySet()) {
      if (e.getValue() > best && Topics.matches(e.getKey(), topic)) {
        best = e.getValue();
      }
    }
    return best;
  }

  /**
   * Queues a message.
   *
   * @return the message dropped to make room (the oldest), or null
   */
  public Message enqueue(Message m, int maxQueued) {
    Message dropped = null;
    if (queue.size() >= maxQueued) {
      dropped = queue.pollFirst();
    }
    queue.addLast(m);
    return dropped;
  }

  public Deque<Message> queue() {
    return queue;
  }

  public int inflightCount() {
    return inflight.size();
  }

  /** Records a QoS 1 message as sent and returns its packet id. */
  public int markInflight(Message m) {
    int id = allocatePacketId();
    inflight.put(id, m);
    return id;
  }

  public boolean acknowledge(int packetId) {
    return inflight.remove(packetId) != null;
  }

  private int allocatePacketId() {
    for (int i = 0; i < 65535; i++) {
      int id = nextPacketId;
      nextPacketId = nextPacketId == 65535 ? 1 : nextPacketId + 1;
      if (!inflight.containsKey(id)) {
        return id;
      }
    }
    throw new IllegalStateException("no free packet id for " + clientId);
  }

  /** Messages this session holds and has not had acknowledged. */
  public int pendingCount() {
    return queue.size() + inflight.size();
  }
}
