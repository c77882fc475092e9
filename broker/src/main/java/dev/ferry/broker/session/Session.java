package dev.ferry.broker.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * One client's session: subscriptions, the queue of messages not yet sent and the QoS 1 messages
 * sent but not acknowledged. Owned by the broker thread; not thread-safe.
 *
 * <p>The connection is an opaque handle ({@code null} while the client is away), so that the
 * session logic does not depend on Netty.
 *
 * <p>Redelivery: messages that were sent once and not acknowledged (the in-flight ones of a previous
 * connection, or of the node the session came from) wait at the head of the queue and are counted in
 * {@link #redeliveries}, so that they go out again with DUP set (MQTT §3.3.1.1).
 *
 * <p>Duplicates across nodes: for a while after a session arrives from another node, that node keeps
 * forwarding the messages it still receives for it, and the same message may also reach the session
 * straight from its publisher's node. In that window the session remembers the ids of the messages
 * it was offered ({@link #firstSight}) and keeps one copy. Outside it nothing is remembered, so an
 * idle session costs no more than before.
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
  /** How many messages at the head of the queue were sent before and go out again with DUP. */
  private int redeliveries;
  /** Ids of messages offered lately, while {@link #rememberUntil} is ahead; null otherwise. */
  private LinkedHashSet<String> recentIds;
  private long rememberUntil;

  /** The most message ids a session remembers in its window (oldest forgotten first). */
  static final int MAX_REMEMBERED_IDS = 4096;

  public Session(String clientId, long expirySeconds) {
    this.clientId = clientId;
    this.expirySeconds = expirySeconds;
  }

  public static Session restore(SessionSnapshot s) {
    Session session = new Session(s.clientId(), s.expirySeconds());
    session.subscriptions.putAll(s.subscriptions());
    session.queue.addAll(s.pending());
    session.redeliveries = Math.min(s.redeliveries(), s.pending().size());
    return session;
  }

  /** A copy for another node; unacknowledged in-flight messages go first, to be resent. */
  public SessionSnapshot snapshot() {
    List<Message> pending = new ArrayList<>(inflight.size() + queue.size());
    pending.addAll(inflight.values());
    pending.addAll(queue);
    List<String> recent = recentIds == null ? List.of() : List.copyOf(recentIds);
    return new SessionSnapshot(clientId, expirySeconds, Map.copyOf(subscriptions), pending,
        inflight.size() + redeliveries, recent);
  }

  /**
   * Remembers the ids of the messages offered until {@code untilMillis} (extending a window already
   * open), starting with {@code seen} and the ids of the messages already queued.
   */
  public void rememberIdsUntil(long untilMillis, Collection<String> seen) {
    if (recentIds == null) {
      recentIds = new LinkedHashSet<>();
    }
    rememberUntil = Math.max(rememberUntil, untilMillis);
    seen.forEach(this::remember);
    for (Message m : queue) {
      if (m.id() != null) {
        remember(m.id());
      }
    }
  }

  /**
   * Whether {@code m} is offered to this session for the first time within its window (always true
   * outside a window, or for a message without id). Records it.
   */
  public boolean firstSight(Message m, long nowMillis) {
    if (recentIds == null || m.id() == null) {
      return true;
    }
    if (nowMillis > rememberUntil) {
      recentIds = null; // the window closed: forget everything
      return true;
    }
    if (recentIds.contains(m.id())) {
      return false;
    }
    remember(m.id());
    return true;
  }

  private void remember(String id) {
    if (recentIds.add(id) && recentIds.size() > MAX_REMEMBERED_IDS) {
      Iterator<String> oldest = recentIds.iterator();
      oldest.next();
      oldest.remove();
    }
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
      redeliveries += resend.size();
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
      dropped = pollNext();
    }
    queue.addLast(m);
    return dropped;
  }

  public Deque<Message> queue() {
    return queue;
  }

  /** Takes the head of the queue, keeping the count of redeliveries right. */
  public Message pollNext() {
    Message m = queue.pollFirst();
    if (m != null && redeliveries > 0) {
      redeliveries--;
    }
    return m;
  }

  /** Whether the head of the queue was sent before (and so goes out with DUP). */
  public boolean headIsRedelivery() {
    return redeliveries > 0 && !queue.isEmpty();
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
