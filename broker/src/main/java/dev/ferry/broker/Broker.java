package dev.ferry.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.cluster.Cluster;
import dev.ferry.broker.metrics.BrokerMetrics;
import dev.ferry.broker.metrics.BrokerMetrics.DropReason;
import dev.ferry.broker.metrics.DropTally;
import dev.ferry.broker.session.ClientLink;
import dev.ferry.broker.session.ConnectRequest;
import dev.ferry.broker.session.Message;
import dev.ferry.broker.session.Reasons;
import dev.ferry.broker.session.Session;
import dev.ferry.broker.session.SessionSnapshot;
import dev.ferry.broker.session.SubscriptionIndex;
import dev.ferry.broker.session.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker logic of one node: sessions, subscriptions, routing, takeover and hand-over. It knows
 * nothing of Netty; the MQTT layer talks to it through {@link ClientLink} and the cluster channel
 * through {@link #onClusterMessage}.
 *
 * <p>Threading: every method runs on the node's single broker thread ({@link #executor()}), so the
 * state needs no locks and the order of one client's packets is kept. Callers on other threads
 * submit to the executor.
 *
 * <p>Connect across the cluster, as EMQX's {@code emqx_cm}: a CONNECT asks the peers the channel
 * registry names ({@link #registry}: every node says which sessions arrive and leave it) and no
 * other: the most recent one the question reaches to give the session up ({@code takeover}), any
 * older one to discard its copy (a copy on this node is merged with the one fetched). A peer that
 * holds it disconnects its connection (0x8E), sends the session back (or drops it) and forgets it;
 * a client no peer is known to hold gets a fresh session at once, even when the registry is behind
 * (EMQX's flaw, kept). The CONNACK waits for every answer, at most the EMQX version's takeover
 * timeout; a peer that has not answered by then fails the connect as EMQX's takeover call fails
 * it: the connection is closed without a CONNACK (the client tries again), and a session already
 * fetched, or one that arrives later, is kept on this node for the client's next connect. A clean
 * start goes on with a fresh session.
 *
 * <p>A session that leaves a node (taken over by a peer, or handed over during an evacuation or a
 * rebalance) leaves a forwarding entry behind for {@link #FORWARD_AFTER_MOVE_MILLIS}: its
 * subscriptions stay in this node's index under a "moved" key, so the route that peers know keeps
 * matching, and every message that still arrives here for it is passed on to the session's new node
 * ({@code session_deliver}). Peers learn the new node's route within one message, but messages
 * already on their way, or sent by the new node itself before the session reached it, arrive here
 * after the session left; without the entry they had no session to go to. The entry is added before
 * the session is removed from the index, so peers never see the route withdrawn in between.
 *
 * <p>Forwarding is unconditional: the old node cannot know whether the new node already had the
 * session when the message reached it. The new node decides: for a while after a session arrives it
 * remembers the ids of the messages it was offered ({@link Session#firstSight}) and drops a second
 * copy. Every message gets its cluster-wide id where it enters ({@link #route}). A forwarded message
 * that finds the session still being fetched by a pending CONNECT waits with that CONNECT; one that
 * finds the session gone on again follows that node's own forwarding entry (at most
 * {@link #MAX_FORWARD_HOPS} hops).
 */
public final class Broker {

  /**
   * EMQX's takeover call to the node holding the session: {@code erpc:call} with
   * {@code ?T_TAKEOVER * 2}, and {@code ?T_TAKEOVER} is 5 s since EMQX 5.9 (15 s before: see
   * {@link #takeoverTimeoutMillis(EmqxProfile)}). Its timeout raises in the connecting channel,
   * which ends the connection: no fresh session is opened.
   */
  static final long TAKEOVER_TIMEOUT_MILLIS = 10_000;
  /** The same before EMQX 5.9 ({@code ?T_TAKEOVER} was 15 s). */
  static final long TAKEOVER_TIMEOUT_BEFORE_5_9_MILLIS = 30_000;
  /** Longer than the cluster channel's silence limit (60 s): a peer whose link hangs shorter than that still gets its late messages passed on. */
  static final long FORWARD_AFTER_MOVE_MILLIS = 75_000;
  /** How long a session that arrived remembers message ids: the forwarding window and a margin. */
  static final long REMEMBER_IDS_MILLIS = FORWARD_AFTER_MOVE_MILLIS + 5_000;
  static final int MAX_FORWARD_HOPS = 4;
  /** A fence request waits at most this many 50 ms turns (the fence's 20 s) for takeovers under way. */
  static final int FENCE_REQUEST_RETRIES = 400;
  /** A route barrier waits at most this long: the silence after which a peer is declared down. */
  static final long ROUTE_BARRIER_TIMEOUT_MILLIS = 60_000;
  /** Index key prefix of a session that moved away (client ids cannot contain U+0000). */
  private static final String MOVED = "\u0000moved:";
  private static final Logger log = LoggerFactory.getLogger(Broker.class);
  static final ObjectMapper JSON = new ObjectMapper();

  private final BrokerConfig config;
  private final ScheduledExecutorService executor;
  private final BrokerMetrics metrics;
  private final Map<String, Session> sessions = new HashMap<>();
  private final Map<ClientLink, Message> wills = new IdentityHashMap<>();
  /** Index key of a session that moved away → where it went and with which subscriptions. */
  private final Map<String, Forward> movedTo = new HashMap<>();
  private final DropTally dropTally = new DropTally();
  /** While this node leaves: the nodes its sessions moved to that have not confirmed their routes. */
  private final Set<String> fencePending = new HashSet<>();
  private CompletableFuture<Void> fenceDone;
  private long fenceId;
  /** Route barriers sent, by id; and the callbacks of the one to send at the end of this turn. */
  private final Map<Long, Barrier> barriers = new HashMap<>();
  private List<Runnable> openBarrier;
  private long barrierId;

  private static final class Barrier {
    final Set<String> waiting;
    final List<Runnable> callbacks;
    java.util.concurrent.ScheduledFuture<?> timeout;

    Barrier(Set<String> waiting, List<Runnable> callbacks) {
      this.waiting = waiting;
      this.callbacks = callbacks;
    }
  }
  private final SubscriptionIndex index;
  private final Map<Long, PendingConnect> pendingConnects = new HashMap<>();
  /**
   * The peers that said they hold a session of a client, the most recent last: EMQX's channel
   * registry ({@code emqx_cm_registry}, replicated to every node, every channel of a client in it).
   * A CONNECT asks only the nodes it names, as EMQX's {@code pick_channel} does. Each node says when
   * a session arrives and when it goes; an entry may be out of date (a change on its way), and then
   * the connect gets what EMQX's would: a fresh session when the node named no longer has one.
   */
  private final Map<String, Set<String>> registry = new HashMap<>();
  /** Clients whose session arrived here or left since the last announcement to the peers. */
  private final Set<String> toAnnounce = new java.util.LinkedHashSet<>();
  /** The EMQX version's; shorter only in tests, which cannot wait 10 s a case. */
  private long takeoverTimeoutMillis;
  private final long startedAt = System.currentTimeMillis();
  private Cluster cluster = Cluster.NONE;
  private Admission admission = Admission.OPEN;
  private int connected;
  private long nextRequestId;
  /** Prefix of the ids of messages that enter the cluster here: node name and start time. */
  private final String idPrefix;
  private long nextMessageId;
  /** When evictions happened and how many, so tests and the lab can check the pacing. */
  private final java.util.Queue<long[]> evictions = new java.util.concurrent.ConcurrentLinkedQueue<>();

  /** Whether new clients are let in, and where refused ones are sent. */
  public record Admission(boolean refusing, String serverReference) {
    public static final Admission OPEN = new Admission(false, null);
  }

  /** A session that left: the node it went to, and the subscriptions kept here for it. */
  private record Forward(String target, Map<String, Integer> subscriptions) {}

  private static final class PendingConnect {
    final ClientLink link;
    final ConnectRequest request;
    final Set<String> waitingFor = new HashSet<>();
    SessionSnapshot remote;
    /** Messages forwarded to the session while it was being fetched. */
    final List<Message> forwarded = new ArrayList<>();

    PendingConnect(ClientLink link, ConnectRequest request) {
      this.link = link;
      this.request = request;
    }
  }

  public Broker(BrokerConfig config, ScheduledExecutorService executor, BrokerMetrics metrics) {
    this.config = config;
    this.executor = executor;
    this.metrics = metrics;
    this.takeoverTimeoutMillis = takeoverTimeoutMillis(config.emqx());
    this.idPrefix = config.name() + "/" + Long.toString(startedAt, 36) + "/";
    this.index =
        new SubscriptionIndex(
            new SubscriptionIndex.Listener() {
              @Override
              public void added(String filter) {
                broadcast(message("route_add").put("filter", filter));
              }

              @Override
              public void removed(String filter) {
                broadcast(message("route_del").put("filter", filter));
              }
            });
    executor.scheduleWithFixedDelay(() -> {
      expireSessions();
      logDrops();
    }, 1, 1, TimeUnit.SECONDS);
  }

  public String name() {
    return config.name();
  }

  public BrokerConfig config() {
    return config;
  }

  public ScheduledExecutorService executor() {
    return executor;
  }

  public BrokerMetrics metrics() {
    return metrics;
  }

  public void cluster(Cluster cluster) {
    this.cluster = cluster;
  }

  public Cluster cluster() {
    return cluster;
  }

  public long uptimeMillis() {
    return System.currentTimeMillis() - startedAt;
  }

  public void admission(Admission a) {
    this.admission = a;
  }

  public Admission admission() {
    return admission;
  }

  public int connectedCount() {
    return connected;
  }

  public int sessionCount() {
    return sessions.size();
  }

  public int disconnectedSessionCount() {
    return sessions.size() - connected;
  }

  static long takeoverTimeoutMillis(EmqxProfile emqx) {
    return emqx.atLeast(5, 9) ? TAKEOVER_TIMEOUT_MILLIS : TAKEOVER_TIMEOUT_BEFORE_5_9_MILLIS;
  }

  void takeoverTimeout(long millis) {
    takeoverTimeoutMillis = millis;
  }

  // ---- MQTT clients ------------------------------------------------------------------------

  /** A CONNECT passed the protocol checks; admit it, take its session over, answer CONNACK. */
  public void connect(ClientLink link, ConnectRequest req) {
    if (admission.refusing()) {
      metrics.refused();
      link.refuse(Reasons.USE_ANOTHER_SERVER, Reasons.V3_SERVER_UNAVAILABLE, admission.serverReference());
      return;
    }
    Session local = sessions.get(req.clientId());
    if (local != null && local.connected()) {
      kick(local, Reasons.SESSION_TAKEN_OVER, null);
    }
    // (A copy held here is merged with the one fetched, if any: it is this node's own.)
    List<String> up = cluster.upPeers();
    List<String> holders = registry.getOrDefault(req.clientId(), Set.of()).stream().filter(up::contains).toList();
    if (holders.isEmpty()) {
      finishConnect(link, req, null); // no peer is known to hold it: a fresh session, as EMQX opens one
      return;
    }
    long id = ++nextRequestId;
    PendingConnect pending = new PendingConnect(link, req);
    pendingConnects.put(id, pending);
    // EMQX's pick_channel: the most recent channel is taken over (or discarded, on a clean start),
    // every older one discarded. The most recent is the latest one the question reaches: a peer
    // whose link went down meanwhile cannot give its copy up, and the next older one must.
    boolean taking = !req.cleanStart();
    for (int i = holders.size() - 1; i >= 0; i--) {
      ObjectNode ask = message("takeover").put("id", id).put("client_id", req.clientId()).put("discard", !taking);
      if (cluster.send(holders.get(i), ask)) {
        pending.waitingFor.add(holders.get(i));
        taking = false;
      }
    }
    executor.schedule(() -> completeConnect(id), takeoverTimeoutMillis, TimeUnit.MILLISECONDS);
    maybeComplete(id);
  }

  private void maybeComplete(long id) {
    PendingConnect p = pendingConnects.get(id);
    if (p != null && p.waitingFor.isEmpty()) {
      completeConnect(id);
    }
  }

  private void completeConnect(long id) {
    PendingConnect p = pendingConnects.remove(id);
    if (p == null) {
      return;
    }
    if (!p.waitingFor.isEmpty() && !p.request.cleanStart()) {
      // A peer may still hold the session: opening a fresh one here would leave two, and the
      // messages queued in the other lost. The connect fails; what was fetched stays here. (A
      // clean start discards the session anyway: it goes on with a fresh one.)
      log.warn("event=takeover_timed_out node={} client={} waiting_for={}", name(), p.request.clientId(), p.waitingFor);
      metrics.takeoverTimedOut();
      p.link.abort();
    } else if (!p.request.cleanStart() && p.remote == null && !sessions.containsKey(p.request.clientId())) {
      // The registry named a node that no longer had the session (it moved or ended, the news on
      // its way): a fresh session, as EMQX's pick_channel gives one; a copy elsewhere keeps what it queued.
      log.warn("event=takeover_found_nothing node={} client={}", name(), p.request.clientId());
      metrics.takeoverFoundNothing();
    }
    finishConnect(p.link, p.request, p.remote, p.forwarded);
  }

  private void finishConnect(ClientLink link, ConnectRequest req, SessionSnapshot remote) {
    finishConnect(link, req, remote, List.of());
  }

  private void finishConnect(ClientLink link, ConnectRequest req, SessionSnapshot remote, List<Message> forwarded) {
    String id = req.clientId();
    Session s = sessions.get(id);
    if (!link.open()) {
      // The client left while we fetched its session, or the fetch timed out: keep the session here
      // rather than lose it.
      if (!req.cleanStart()) {
        Session kept = s;
        if (remote != null) {
          kept = adopt(remote);
        } else if (s == null && !forwarded.isEmpty()) {
          // Messages were passed on for it, and the session comes later (a late answer merges in).
          kept = install(new Session(id, req.expirySeconds()));
        }
        offerAll(kept, forwarded);
      }
      return;
    }
    if (s != null && s.connected()) {
      kick(s, Reasons.SESSION_TAKEN_OVER, null); // a second CONNECT raced this one
      s = sessions.get(id);
    }
    if (req.cleanStart() && s != null) {
      removeSession(s);
      s = null;
    }
    if (!req.cleanStart() && remote != null) {
      s = adopt(remote);
    }
    boolean present = s != null;
    if (s == null) {
      s = install(new Session(id, req.expirySeconds()));
    }
    if (!req.cleanStart()) {
      offerAll(s, forwarded);
    }
    s.expirySeconds(req.expirySeconds());
    s.attach(link);
    connected++;
    publishCounts();
    if (req.will() != null) {
      wills.put(link, req.will());
    }
    metrics.accepted();
    link.accept(present, req.assigned() ? id : null);
    drain(s);
  }

  /**
   * The connection ended without the server asking: a DISCONNECT from the client, a closed socket, a
   * keepalive timeout or a malformed packet. Called once per accepted connection.
   *
   * @param publishWill false only for a normal DISCONNECT (reason 0x00)
   * @param expiryOverride a Session Expiry Interval from the DISCONNECT, or -1
   */
  public void connectionClosed(ClientLink link, boolean publishWill, long expiryOverride) {
    Message will = wills.remove(link);
    Session s = sessions.get(link.clientId());
    if (s != null && s.connection() == link) {
      if (expiryOverride >= 0) {
        s.expirySeconds(expiryOverride);
      }
      detachOrEnd(s);
    }
    if (publishWill && will != null) {
      route(will);
    }
  }

  /** Disconnects a client from the server side; its Will is published and its session kept. */
  private void kick(Session s, int reason, String serverReference) {
    ClientLink link = (ClientLink) s.connection();
    Message will = wills.remove(link);
    link.disconnect(reason, serverReference);
    detachOrEnd(s);
    if (will != null) {
      route(will);
    }
  }

  private void detachOrEnd(Session s) {
    connected--;
    if (s.expirySeconds() == 0) {
      s.detach(now());
      removeSession(s);
    } else {
      s.detach(now());
    }
    publishCounts();
  }

  public List<Integer> subscribe(ClientLink link, List<Map.Entry<String, Integer>> filters) {
    Session s = sessionOf(link);
    List<Integer> codes = new ArrayList<>(filters.size());
    boolean v5 = link.protocolVersion() == 5;
    for (Map.Entry<String, Integer> f : filters) {
      String filter = f.getKey();
      if (filter.startsWith("$share/") || filter.startsWith("$queue/")) {
        codes.add(v5 ? Reasons.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED : 0x80);
      } else if (s == null || !Topics.validFilter(filter)) {
        codes.add(v5 ? Reasons.TOPIC_FILTER_INVALID : 0x80);
      } else {
        // Outgoing QoS 2 is not offered: a subscription gets at most QoS 1, and says so.
        int granted = Math.min(f.getValue(), 1);
        s.subscriptions().put(filter, granted);
        index.add(filter, s.clientId(), granted);
        codes.add(granted);
      }
    }
    return codes;
  }

  public List<Integer> unsubscribe(ClientLink link, List<String> filters) {
    Session s = sessionOf(link);
    List<Integer> codes = new ArrayList<>(filters.size());
    for (String f : filters) {
      if (s != null && s.subscriptions().remove(f) != null) {
        index.remove(f, s.clientId());
        codes.add(0x00);
      } else {
        codes.add(0x11); // No subscription existed
      }
    }
    return codes;
  }

  /**
   * A PUBLISH from a client. Returns whether the broker took it (routed it to every subscriber, or
   * queued it for them): only then may the MQTT layer acknowledge it. False when the connection no
   * longer holds its session (taken over or evicted while the packet waited): the client sends it
   * again after it reconnects.
   */
  public boolean publish(ClientLink link, Message m) {
    if (sessionOf(link) == null) {
      return false; // a packet that overtook a takeover; the connection is being closed
    }
    metrics.messageIn();
    route(m);
    return true;
  }

  public void acknowledge(ClientLink link, int packetId) {
    Session s = sessionOf(link);
    if (s != null && s.acknowledge(packetId)) {
      drain(s);
    }
  }

  private Session sessionOf(ClientLink link) {
    Session s = sessions.get(link.clientId());
    return s != null && s.connection() == link ? s : null;
  }

  /**
   * A message enters the cluster here: it gets its id, goes to this node's subscribers and to every
   * peer that has a matching route.
   */
  private void route(Message m) {
    Message withId = m.id() != null ? m : m.withId(idPrefix + Long.toString(++nextMessageId, 36));
    List<String> peers = cluster.upPeers().isEmpty() ? List.of() : cluster.peersMatching(withId.topic());
    int reached = deliverLocally(withId);
    if (!peers.isEmpty()) {
      ObjectNode fwd = message("publish").set("message", JSON.valueToTree(withId));
      for (String p : peers) {
        if (cluster.send(p, fwd)) {
          reached++;
        } else {
          dropped(DropReason.PEER_DOWN, withId.topic());
        }
      }
    }
    if (reached == 0 && peers.isEmpty()) {
      dropped(DropReason.NO_SUBSCRIBERS, withId.topic());
    }
  }

  /** Delivers to this node's sessions (or their forwarding entries); returns how many it reached. */
  private int deliverLocally(Message m) {
    Message plain = m.unretained();
    int reached = 0;
    for (Map.Entry<String, Integer> e : index.match(m.topic()).entrySet()) {
      Forward moved = movedTo.get(e.getKey());
      if (moved != null) {
        // A session that left moments ago: pass the message on to its new node, which keeps one
        // copy if it also got the message straight from the publisher's node.
        forwardToSession(moved.target(), e.getKey().substring(MOVED.length()), plain.downgradedTo(e.getValue()), 0);
        reached++;
        continue;
      }
      Session s = sessions.get(e.getKey());
      if (s != null) {
        offer(s, plain.downgradedTo(e.getValue()));
        reached++;
      }
    }
    return reached;
  }

  private void forwardToSession(String node, String clientId, Message m, int hops) {
    ObjectNode msg = message("session_deliver").put("client_id", clientId).put("hops", hops);
    msg.set("message", JSON.valueToTree(m));
    if (!cluster.send(node, msg)) {
      dropped(DropReason.PEER_DOWN, m.topic());
      log.warn("event=forward_failed node={} client={} to={} reason=peer_down", name(), clientId, node);
    }
  }

  /** Counts a message that reached no session; the tally logs them once a second. */
  private void dropped(DropReason reason, String topic) {
    metrics.messageDropped(reason);
    dropTally.add(reason, topic);
  }

  private void logDrops() {
    dropTally.flush((reason, d) -> {
      if (reason == DropReason.NO_SUBSCRIBERS) {
        log.info("event=messages_dropped node={} reason={} count={} example_topic={}", name(), reason.label(), d.count(), d.exampleTopic());
      } else {
        log.warn("event=messages_dropped node={} reason={} count={} example_topic={}", name(), reason.label(), d.count(), d.exampleTopic());
      }
    });
  }

  /** Queues a message for a session (once, if it arrived lately) and sends what the window allows. */
  private void offer(Session s, Message m) {
    if (!s.firstSight(m, now())) {
      return; // the same message, reached twice during a move
    }
    if (s.enqueue(m, config.maxQueuedMessages()) != null) {
      dropped(DropReason.QUEUE_FULL, m.topic());
    }
    drain(s);
  }

  private void offerAll(Session s, List<Message> messages) {
    if (messages.isEmpty()) {
      return;
    }
    if (s == null) {
      messages.forEach(m -> dropped(DropReason.NO_SESSION, m.topic()));
      log.warn("event=forwarded_dropped node={} count={} reason=no_session", name(), messages.size());
      return;
    }
    messages.forEach(m -> offer(s, m));
  }

  /** Sends what the session's connection may take now: QoS 0 at once, QoS 1 up to the window. */
  private void drain(Session s) {
    ClientLink link = (ClientLink) s.connection();
    if (link == null) {
      return;
    }
    int window = Math.min(config.maxInflight(), link.receiveMaximum());
    while (!s.queue().isEmpty()) {
      Message m = s.queue().peekFirst();
      if (m.qos() > 0 && s.inflightCount() >= window) {
        return;
      }
      boolean dup = s.headIsRedelivery();
      s.pollNext();
      // §3.3.1.1: DUP only on a QoS > 0 message sent before (a QoS 0 message must have it clear).
      link.deliver(m, m.qos() > 0 ? s.markInflight(m) : 0, dup && m.qos() > 0);
      metrics.messageOut();
    }
  }

  /**
   * Takes in a session that arrived from another node (takeover reply or hand-over): installed, or
   * merged into the one this node already has. It remembers message ids for a while, as the node it
   * came from forwards late messages.
   */
  private Session adopt(SessionSnapshot snap) {
    Session s = sessions.get(snap.clientId());
    if (s == null) {
      s = install(Session.restore(snap));
    } else {
      merge(s, snap);
    }
    s.rememberIdsUntil(now() + REMEMBER_IDS_MILLIS, snap.recentIds());
    return s;
  }

  private Session install(Session s) {
    stopForwarding(s.clientId()); // it is back here: nothing to pass on any more
    sessions.put(s.clientId(), s);
    announce(s.clientId());
    for (Map.Entry<String, Integer> sub : s.subscriptions().entrySet()) {
      index.add(sub.getKey(), s.clientId(), sub.getValue());
    }
    if (!s.connected()) {
      s.detach(now());
    }
    publishCounts();
    return s;
  }

  private void merge(Session s, SessionSnapshot other) {
    for (Map.Entry<String, Integer> sub : other.subscriptions().entrySet()) {
      if (s.subscriptions().putIfAbsent(sub.getKey(), sub.getValue()) == null) {
        index.add(sub.getKey(), s.clientId(), sub.getValue());
      }
    }
    s.rememberIdsUntil(now() + REMEMBER_IDS_MILLIS, other.recentIds());
    for (Message m : other.pending()) {
      offer(s, m);
    }
    drain(s);
  }

  private void removeSession(Session s) {
    sessions.remove(s.clientId());
    announce(s.clientId());
    for (String f : s.subscriptions().keySet()) {
      index.remove(f, s.clientId());
    }
    publishCounts();
  }

  private void expireSessions() {
    long now = now();
    List<Session> gone = new ArrayList<>();
    for (Session s : sessions.values()) {
      if (s.expired(now)) {
        gone.add(s);
      }
    }
    gone.forEach(this::removeSession);
  }

  private void publishCounts() {
    metrics.connections(connected);
    metrics.sessions(sessions.size());
  }

  // ---- eviction (evacuation and rebalance) ----------------------------------------------------

  /** Every eviction batch so far: {monotonic millis (the pacer's clock), count}. Safe from any thread. */
  public List<long[]> evictionLog() {
    return List.copyOf(evictions);
  }

  /** Disconnects up to {@code n} clients with 0x9C; their sessions stay. Returns how many. */
  public int evictConnections(int n, String serverReference) {
    return evictConnections(n, serverReference, now());
  }

  /**
   * As {@link #evictConnections(int, String)}, logged at {@code grantedAt}: the pacer's time of the
   * grant, so that the log shows the pacing the pacer enforced.
   */
  public int evictConnections(int n, String serverReference, long grantedAt) {
    List<Session> victims = new ArrayList<>(n);
    for (Session s : sessions.values()) {
      if (victims.size() >= n) {
        break;
      }
      if (s.connected()) {
        victims.add(s);
      }
    }
    for (Session s : victims) {
      kick(s, Reasons.USE_ANOTHER_SERVER, serverReference);
      metrics.evicted();
    }
    if (!victims.isEmpty()) {
      evictions.add(new long[] {grantedAt, victims.size()});
      log.info("event=evicted node={} count={} connected={}", name(), victims.size(), connected);
    }
    return victims.size();
  }

  /** Hands up to {@code n} disconnected sessions to nodes picked at random among {@code targets}. */
  public int moveSessions(int n, List<String> targets) {
    if (targets.isEmpty()) {
      return 0;
    }
    List<Session> moving = new ArrayList<>(n);
    for (Session s : sessions.values()) {
      if (moving.size() >= n) {
        break;
      }
      if (!s.connected()) {
        moving.add(s);
      }
    }
    int moved = 0;
    for (Session s : moving) {
      String target = targets.get(ThreadLocalRandom.current().nextInt(targets.size()));
      ObjectNode handover = message("handover").set("session", JSON.valueToTree(s.snapshot()));
      if (cluster.send(target, handover)) {
        keepForwarding(s, target); // first, so that the route never disappears in between
        removeSession(s);
        metrics.handedOver();
        moved++;
      }
    }
    if (moved > 0) {
      log.info("event=sessions_handed_over node={} count={} left={}", name(), moved, sessions.size());
    }
    return moved;
  }

  // ---- the cluster ---------------------------------------------------------------------------

  /** A peer's channel came up: give it our routes. */
  public void onPeerUp(String node) {
    ObjectNode routes = message("routes");
    var arr = routes.putArray("filters");
    index.filters().forEach(arr::add);
    cluster.send(node, routes);
    if (!sessions.isEmpty()) { // a node that joins learns where this node's clients are
      cluster.send(node, registration(sessions.keySet()).put("full", true));
    }
  }

  // ---- The channel registry ------------------------------------------------------------------

  /**
   * Tells the peers, soon, whether {@code clientId}'s session lives here. Changes are gathered
   * until the broker thread has done what is queued before them, and go out as one message a peer
   * saying where each client's session is then (one that came and went meanwhile is not claimed):
   * 2,000 CONNECTs a second cost a few messages, not 2,000 per peer.
   */
  private void announce(String clientId) {
    if (toAnnounce.isEmpty()) {
      executor.execute(this::announceChanges);
    }
    toAnnounce.add(clientId);
  }

  private void announceChanges() {
    if (toAnnounce.isEmpty()) {
      return;
    }
    List<String> here = new ArrayList<>();
    List<String> gone = new ArrayList<>();
    for (String id : toAnnounce) {
      (sessions.containsKey(id) ? here : gone).add(id);
    }
    toAnnounce.clear();
    ObjectNode msg = registration(here);
    var ids = msg.putArray("gone");
    gone.forEach(ids::add);
    for (String peer : cluster.upPeers()) {
      cluster.send(peer, msg);
    }
  }

  private static ObjectNode registration(java.util.Collection<String> clientIds) {
    ObjectNode msg = message("registry");
    var ids = msg.putArray("clients");
    clientIds.forEach(ids::add);
    return msg;
  }

  private void onRegistry(String from, ObjectNode msg) {
    // A peer's whole set (its link came up) says what it holds, not what arrived just now: a copy
    // not known yet counts as the oldest, and a known one keeps its place.
    boolean full = msg.path("full").asBoolean();
    for (JsonNode id : msg.withArray("clients")) {
      registry.compute(id.asText(), (k, nodes) -> full ? registeredAsOldest(nodes, from) : registered(nodes, from));
    }
    for (JsonNode id : msg.path("gone")) {
      unregister(id.asText(), from);
    }
  }

  private void unregister(String clientId, String node) {
    registry.computeIfPresent(clientId, (k, nodes) -> without(nodes, node));
  }

  /** {@code nodes} with {@code node} the most recent: last (a node that says it again has a new channel). */
  private static Set<String> registered(Set<String> nodes, String node) {
    if (nodes == null || nodes.isEmpty()) {
      return Set.of(node);
    }
    Set<String> ordered = new java.util.LinkedHashSet<>(nodes);
    ordered.remove(node);
    ordered.add(node);
    return java.util.Collections.unmodifiableSet(ordered);
  }

  /** {@code nodes} with {@code node} first unless it is there already. */
  private static Set<String> registeredAsOldest(Set<String> nodes, String node) {
    if (nodes == null || nodes.isEmpty()) {
      return Set.of(node);
    }
    if (nodes.contains(node)) {
      return nodes;
    }
    Set<String> ordered = new java.util.LinkedHashSet<>();
    ordered.add(node);
    ordered.addAll(nodes);
    return java.util.Collections.unmodifiableSet(ordered);
  }

  /** {@code nodes} less {@code node}, in their order; null when none is left (the entry goes). */
  private static Set<String> without(Set<String> nodes, String node) {
    if (!nodes.contains(node)) {
      return nodes;
    }
    Set<String> rest = new java.util.LinkedHashSet<>(nodes);
    rest.remove(node);
    return rest.isEmpty() ? null : java.util.Collections.unmodifiableSet(rest);
  }

  /** A peer that went away holds no session any more (a node's sessions live in its memory). */
  private void forgetRegistrations(String node) {
    registry.entrySet().removeIf(e -> {
      Set<String> rest = without(e.getValue(), node);
      if (rest != null && rest != e.getValue()) {
        e.setValue(rest);
      }
      return rest == null;
    });
  }

  /** For tests: the peers the registry names for {@code clientId}. */
  Set<String> registeredAt(String clientId) {
    return registry.getOrDefault(clientId, Set.of());
  }

  /** A peer went away: stop waiting for its takeover answers and its fence confirmations. */
  public void onPeerDown(String node) {
    forgetRegistrations(node);
    for (Long id : List.copyOf(pendingConnects.keySet())) {
      PendingConnect p = pendingConnects.get(id);
      if (p != null && p.waitingFor.remove(node)) {
        maybeComplete(id);
      }
    }
    for (Long id : List.copyOf(barriers.keySet())) {
      barriers.get(id).waiting.remove(node); // a dead peer routes nothing
      barrierPassed(id);
    }
    if (fenceDone != null && fencePending.remove(node)) { // forwarding to it fails anyway
      maybeFenceDone();
    }
  }

  // ---- Route barriers and the fence of a leaving node ----------------------------------------

  /**
   * Runs {@code then} once every peer that is up now has read everything this node sent it before
   * (its route adds among them: one link is one ordered stream). At once without peers. A peer
   * that goes down is no longer waited for; after {@link #ROUTE_BARRIER_TIMEOUT_MILLIS} it runs
   * anyway, with a warning. Calls made in one turn of the broker thread share one barrier.
   *
   * <p>A SUBACK waits for it, as EMQX's SUBACK waits for the route to be committed cluster-wide:
   * a client told it is subscribed gets every message published on any node from then on. Without
   * it, a publisher on a node that lagged (six seconds and more with 20,000 clients on two cores)
   * had its first messages to a fresh subscriber routed to nobody. Broker thread.
   */
  public void whenPeersCaughtUp(Runnable then) {
    if (cluster.upPeers().isEmpty()) {
      then.run();
      return;
    }
    if (openBarrier == null) {
      openBarrier = new ArrayList<>();
      executor.execute(this::sendBarrier); // after what is queued now: one barrier for the burst
    }
    openBarrier.add(then);
  }

  private void sendBarrier() {
    List<Runnable> callbacks = openBarrier;
    openBarrier = null;
    long id = ++barrierId;
    Set<String> waiting = new HashSet<>();
    for (String p : cluster.upPeers()) {
      if (cluster.send(p, message("route_barrier").put("id", id))) {
        waiting.add(p);
      }
    }
    Barrier b = new Barrier(waiting, callbacks);
    barriers.put(id, b);
    b.timeout = executor.schedule(() -> {
      if (barriers.containsKey(id)) {
        log.warn("event=route_barrier_timed_out node={} waiting_for={}", name(), b.waiting);
        b.waiting.clear();
        barrierPassed(id);
      }
    }, ROUTE_BARRIER_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    barrierPassed(id);
  }

  private void barrierPassed(long id) {
    Barrier b = barriers.get(id);
    if (b != null && b.waiting.isEmpty()) {
      barriers.remove(id);
      if (b.timeout != null) {
        b.timeout.cancel(false); // or its callbacks stay referenced until it fires
      }
      b.callbacks.forEach(Runnable::run);
    }
  }

  private void onBarrierAck(String from, long id) {
    Barrier b = barriers.get(id);
    if (b != null) {
      b.waiting.remove(from);
      barrierPassed(id);
    }
  }

  /**
   * Before this node stops: completes once every peer holds the routes of the nodes this node's
   * sessions lately moved to, so that no peer routes a moved client's messages only here when
   * "here" is gone. Until then this node keeps forwarding. At once when no session moved lately.
   *
   * <p>Why: the forwarding entry of a moved session covers the time peers take to learn the new
   * node's route, but an evacuated node is deleted seconds after its last eviction, before its
   * forwarding window ends. With 20,000 clients on two cores a peer learned the new routes more than
   * six seconds late, and the 60 messages it sent meanwhile to the deleted node were lost.
   *
   * <p>How: each node N the sessions went to gets a {@code fence_request}; once N has installed
   * what is on its way to it, it runs a {@linkplain #whenPeersCaughtUp route barrier} and answers
   * {@code fence_done}. A node that goes down is no longer waited for. Broker thread.
   */
  public CompletableFuture<Void> fenceRoutes() {
    fenceDone = new CompletableFuture<>();
    fencePending.clear();
    fenceId++;
    Set<String> targets = new HashSet<>();
    movedTo.values().forEach(f -> targets.add(f.target()));
    for (String target : targets) {
      if (cluster.send(target, message("fence_request").put("id", fenceId))) {
        fencePending.add(target);
      }
    }
    if (!fencePending.isEmpty()) {
      log.info("event=route_fence_started node={} moved_sessions={} new_nodes={}", name(), movedTo.size(), fencePending);
    }
    maybeFenceDone();
    return fenceDone;
  }

  /** The nodes that have not answered the fence yet (for the log when it times out). Broker thread. */
  public Set<String> fencePending() {
    return Set.copyOf(fencePending);
  }

  private void maybeFenceDone() {
    if (fenceDone != null && fencePending.isEmpty()) {
      fenceDone.complete(null);
    }
  }

  /** A leaving node asks this one to make sure every peer holds its routes. */
  private void onFenceRequest(String from, long id, int attempt) {
    if (awaitsTakeoverAnswers() && attempt < FENCE_REQUEST_RETRIES) {
      // A session on its way here is installed, and its route added, only when every answer is in.
      executor.schedule(() -> onFenceRequest(from, id, attempt + 1), 50, TimeUnit.MILLISECONDS);
      return;
    }
    whenPeersCaughtUp(() -> cluster.send(from, message("fence_done").put("id", id)));
  }

  private boolean awaitsTakeoverAnswers() {
    return pendingConnects.values().stream().anyMatch(p -> p.remote != null);
  }

  private void onFenceDone(String from, long id) {
    if (fenceDone != null && id == fenceId && fencePending.remove(from)) {
      maybeFenceDone();
    }
  }

  /** A message from a peer, other than routes and status, which the channel keeps itself. */
  public void onClusterMessage(String from, ObjectNode msg) {
    try {
      switch (msg.path("type").asText()) {
        case "publish" -> {
          Message m = JSON.treeToValue(msg.get("message"), Message.class);
          if (deliverLocally(m) == 0) {
            // The peer still had our route when it sent this; we withdrew it meanwhile.
            dropped(DropReason.NO_LOCAL_ROUTE, m.topic());
          }
        }
        case "takeover" -> onTakeover(from, msg);
        case "takeover_reply" -> onTakeoverReply(from, msg);
        case "registry" -> onRegistry(from, msg);
        case "session_deliver" -> onSessionDeliver(msg);
        case "handover" -> onHandover(JSON.treeToValue(msg.get("session"), SessionSnapshot.class));
        case "route_barrier" -> cluster.send(from, message("route_barrier_ack").put("id", msg.get("id").asLong()));
        case "route_barrier_ack" -> onBarrierAck(from, msg.get("id").asLong());
        case "fence_request" -> onFenceRequest(from, msg.get("id").asLong(), 0);
        case "fence_done" -> onFenceDone(from, msg.get("id").asLong());
        default -> log.debug("event=cluster_message_ignored node={} from={} type={}", name(), from, msg.path("type").asText());
      }
    } catch (Exception e) {
      log.warn("event=cluster_message_failed node={} from={} error={}", name(), from, e.toString());
    }
  }

  private void onTakeover(String from, ObjectNode msg) {
    String clientId = msg.get("client_id").asText();
    boolean discard = msg.path("discard").asBoolean();
    Session s = sessions.get(clientId);
    ObjectNode reply = message("takeover_reply").put("id", msg.get("id").asLong());
    if (s != null && s.connected()) {
      kick(s, Reasons.SESSION_TAKEN_OVER, null);
      s = sessions.get(clientId);
    }
    if (s != null) {
      if (!discard) {
        reply.set("session", JSON.valueToTree(s.snapshot()));
        // Messages still on their way here (the requester's own among them: it routes here until
        // the session reaches it) follow the session.
        keepForwarding(s, from);
      }
      removeSession(s);
      log.info("event=session_taken_over node={} client={} to={} discarded={}", name(), clientId, from, discard);
    }
    cluster.send(from, reply);
  }

  private void onTakeoverReply(String from, ObjectNode msg) throws Exception {
    long id = msg.get("id").asLong();
    PendingConnect p = pendingConnects.get(id);
    JsonNode session = msg.get("session");
    if (p == null) {
      // Answered after the timeout: the session must not vanish, so keep it here.
      log.warn("event=takeover_reply_late node={} from={} with_session={}", name(), from, session != null);
      if (session != null) {
        adopt(JSON.treeToValue(session, SessionSnapshot.class));
      }
      return;
    }
    if (session != null) { // only the one node asked to give its session up sends one; the others discard
      p.remote = JSON.treeToValue(session, SessionSnapshot.class);
    }
    p.waitingFor.remove(from);
    maybeComplete(id);
  }

  private void onHandover(SessionSnapshot snap) {
    // Also when its client is connecting here right now: the CONNECT then finds it installed.
    adopt(snap);
  }

  /**
   * Keeps a moved session's routes here for {@link #FORWARD_AFTER_MOVE_MILLIS}, pointing at its new
   * node. Call before the session is removed from the index.
   */
  private void keepForwarding(Session s, String target) {
    if (fenceDone != null && !fenceDone.isDone() && !fencePending.contains(target)
        && cluster.send(target, message("fence_request").put("id", fenceId))) {
      fencePending.add(target); // a client of this leaving node reconnected to a node not yet fenced
    }
    String key = MOVED + s.clientId();
    stopForwarding(s.clientId());
    Forward f = new Forward(target, Map.copyOf(s.subscriptions()));
    movedTo.put(key, f);
    f.subscriptions().forEach((filter, q) -> index.add(filter, key, q));
    executor.schedule(() -> {
      if (movedTo.get(key) == f) {
        stopForwarding(s.clientId());
      }
    }, FORWARD_AFTER_MOVE_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void stopForwarding(String clientId) {
    String key = MOVED + clientId;
    Forward f = movedTo.remove(key);
    if (f != null) {
      f.subscriptions().keySet().forEach(filter -> index.remove(filter, key));
    }
  }

  private PendingConnect pendingConnectOf(String clientId) {
    for (PendingConnect p : pendingConnects.values()) {
      if (p.request.clientId().equals(clientId)) {
        return p;
      }
    }
    return null;
  }

  /** A message forwarded by a node the session left; it goes where the session is now. */
  private void onSessionDeliver(ObjectNode msg) throws Exception {
    String clientId = msg.get("client_id").asText();
    int hops = msg.path("hops").asInt();
    Message m = JSON.treeToValue(msg.get("message"), Message.class);
    Session s = sessions.get(clientId);
    if (s != null) {
      offer(s, m);
      return;
    }
    PendingConnect p = pendingConnectOf(clientId);
    if (p != null && !p.request.cleanStart()) {
      p.forwarded.add(m); // the session is on its way here with a CONNECT that fetches it
      return;
    }
    Forward moved = movedTo.get(MOVED + clientId);
    if (moved != null && hops < MAX_FORWARD_HOPS) {
      forwardToSession(moved.target(), clientId, m, hops + 1);
      return;
    }
    dropped(DropReason.NO_SESSION, m.topic());
    log.warn("event=forwarded_dropped node={} client={} reason=no_session hops={}", name(), clientId, hops);
  }

  private void broadcast(ObjectNode msg) {
    for (String p : cluster.upPeers()) {
      cluster.send(p, msg);
    }
  }

  /** A cluster message of {@code type}. */
  public static ObjectNode message(String type) {
    return JSON.createObjectNode().put("type", type);
  }

  public static long now() {
    return System.nanoTime() / 1_000_000;
  }

  // ---- shutdown ------------------------------------------------------------------------------

  /** Disconnects every client (MQTT 5: 0x8B Server shutting down). */
  public void disconnectAll() {
    for (Session s : List.copyOf(sessions.values())) {
      if (s.connected()) {
        kick(s, Reasons.SERVER_SHUTTING_DOWN, null);
      }
    }
  }
}
