package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.cluster.Cluster;
import dev.ferry.broker.metrics.BrokerMetrics;
import dev.ferry.broker.metrics.BrokerMetrics.DropReason;
import dev.ferry.broker.session.ClientLink;
import dev.ferry.broker.session.ConnectRequest;
import dev.ferry.broker.session.Message;
import dev.ferry.broker.session.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions that move between nodes while messages are in flight, with the order of every
 * inter-node message chosen by the test. The nodes are the real {@link Broker} logic; the network
 * between them is an in-memory queue per direction (FIFO, as a TCP connection is) that the test
 * delivers step by step, so each race below happens every run, not one run in two.
 *
 * <p>The races: a session leaves node a (handed over during an evacuation, or taken over by a
 * client that connects to b) while b, the publisher's node, still routes the subscriber's messages to
 * a. Before the fix, a dropped such a message (takeover: no session and no forwarding entry), or did
 * not forward it because b "was among the nodes it went to" (hand-over: b had not received the
 * session yet when it routed the message, so b had not delivered it either).
 */
class MoveRaceTest {

  private final Net net = new Net();

  @AfterEach
  void stop() {
    net.nodes.values().forEach(n -> n.executor.shutdownNow());
  }

  @Test
  void messagePublishedOnTheRecipientWhileTheHandOverIsInFlightIsDelivered() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    a.parkSession("sub", "t/sub");
    net.deliverAll(); // b learns a's route
    Link pub = b.connect("pub", true);

    a.call(() -> a.broker.moveSessions(1, List.of(b.name))); // the hand-over leaves a
    b.publish(pub, "t/sub", "1"); // b has no session yet: routes to a
    net.deliver(b, a); // a sees the message after the session left
    net.deliverAll();

    Link back = b.connect("sub", false);
    assertThat(back.payloads()).containsExactly("1");
    assertThat(b.dropped() + a.dropped()).isZero();
  }

  @Test
  void messagePublishedOnTheTakingNodeWhileItsTakeoverIsInFlightIsDelivered() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    a.parkSession("sub", "t/sub");
    net.deliverAll();
    Link pub = b.connect("pub", true);
    net.deliverAll();

    Link back = b.connectPending("sub", false); // takeover request to a, CONNACK waits
    b.publish(pub, "t/sub", "1"); // still routed to a, behind the takeover request
    net.deliver(b, a); // a gives the session away, then sees the message
    net.deliverAll();

    assertThat(back.accepted).isTrue();
    assertThat(back.payloads()).containsExactly("1");
    assertThat(b.dropped() + a.dropped()).isZero();
  }

  @Test
  void aTakeoverThatTimesOutFailsTheConnectAndTheSessionArrivesForTheNextOne() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    a.parkSessionHolding("sub", "t/sub", "1");
    net.deliverAll();
    b.broker.takeoverTimeout(100);

    Link first = b.connectPending("sub", false); // the takeover request to a is not delivered in time
    await().atMost(Duration.ofSeconds(5)).until(() -> !first.open);
    assertThat(first.accepted).as("no CONNACK after a takeover timeout").isFalse();
    assertThat(b.call(() -> b.broker.sessionCount())).as("no fresh session opened beside a's").isZero();
    assertThat(b.broker.metrics().takeoversTimedOut()).isEqualTo(1);

    net.deliverAll(); // a answers late: the session is kept on b
    Link again = b.connect("sub", false);
    assertThat(again.sessionPresent).isTrue();
    assertThat(again.payloads()).containsExactly("1");
    assertThat(a.dropped() + b.dropped()).isZero();
  }

  @Test
  void aConnectAsksOnlyTheNodeTheRegistryNamesForTheSession() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    a.parkSessionHolding("sub", "t/sub", "1");
    net.deliverAll();
    assertThat(b.call(() -> b.broker.registeredAt("sub"))).containsExactly(a.name);

    Link back = b.connectPending("sub", false);
    assertThat(net.link(b.name, c.name)).as("c is not asked").noneMatch(MoveRaceTest::isTakeover);
    net.deliverAll();

    assertThat(back.accepted).isTrue();
    assertThat(back.sessionPresent).isTrue();
    assertThat(back.payloads()).containsExactly("1");
    assertThat(b.broker.metrics().takeoversFoundNothing()).isZero();
  }

  @Test
  void aClientNoNodeIsKnownToHoldIsAcceptedWithoutAskingAnyPeer() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    net.deliverAll();
    Link fresh = a.connectPending("new", false);
    assertThat(fresh.accepted).as("CONNACK at once, as EMQX's for a client its registry does not name").isTrue();
    assertThat(net.link(a.name, b.name)).noneMatch(MoveRaceTest::isTakeover);
    assertThat(net.link(a.name, c.name)).noneMatch(MoveRaceTest::isTakeover);
  }

  @Test
  void ofTwoCopiesLeftByALateAnswerTheMostRecentIsTakenOverAndTheOlderDiscarded() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    a.parkSessionHolding("sub", "t/sub", "1");
    net.deliverAll();
    b.broker.takeoverTimeout(100);

    Link onB = b.connectPending("sub", false); // asks a, which answers after b gave up
    await().atMost(Duration.ofSeconds(5)).until(() -> !onB.open);
    net.deliver(b, a); // a hands the session to b: the answer is on its way
    Link onC = c.connectPending("sub", false);
    assertThat(net.link(c.name, b.name)).as("c asks only a, the node its registry names")
        .noneMatch(MoveRaceTest::isTakeover);
    net.deliver(c, a); // a has no session any more ...
    net.deliver(a, c);
    assertThat(onC.accepted).as("... so c opens a fresh one, as EMQX does").isTrue();
    assertThat(onC.sessionPresent).isFalse();
    c.call(() -> null);
    net.deliver(c, a); // a learns of c's copy first ...
    net.deliver(a, b); // ... then the late answer reaches b, which keeps the old session, "1" in it
    b.call(() -> null);
    net.deliver(b, a); // ... and a learns of b's copy: the most recent
    assertThat(a.call(() -> a.broker.registeredAt("sub"))).containsExactly(c.name, b.name);

    c.closed(onC); // the client leaves c and comes back on a: b's copy taken over, c's discarded
    Link back = a.connectPending("sub", false);
    assertThat(net.link(a.name, c.name)).filteredOn(MoveRaceTest::isTakeover)
        .singleElement().satisfies(m -> assertThat(m.path("discard").asBoolean()).isTrue());
    net.deliverAll();
    assertThat(back.accepted).isTrue();
    assertThat(back.payloads()).containsExactly("1");
    assertThat(b.call(() -> b.broker.sessionCount()) + c.call(() -> c.broker.sessionCount())).isZero();
    assertThat(a.dropped() + b.dropped() + c.dropped()).isZero();
  }

  @Test
  void aPeerWhoseLinkComesBackDoesNotPassForTheMostRecentHolder() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    ObjectNode arrived = Broker.message("registry");
    arrived.putArray("clients").add("sub");
    c.receive(a.name, arrived); // an older copy on a, then a newer one on b
    c.receive(b.name, arrived);
    assertThat(c.call(() -> c.broker.registeredAt("sub"))).containsExactly(a.name, b.name);

    c.call(() -> {
      c.broker.onPeerDown(a.name); // the link to a flaps ...
      return null;
    });
    ObjectNode whole = Broker.message("registry").put("full", true);
    whole.putArray("clients").add("sub");
    c.receive(a.name, whole); // ... and a sends its whole set again: its copy is still the older one
    assertThat(c.call(() -> c.broker.registeredAt("sub"))).containsExactly(a.name, b.name);
  }

  @Test
  void aRegistryOutOfDateGivesAFreshSessionAsEmqxsDoes() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    a.parkSession("sub", "t/sub");
    a.call(() -> null);
    net.deliverAll(); // b and c: "sub" lives on a

    Link onC = c.connectPending("sub", false); // the session moves to c ...
    net.deliver(c, a);
    net.deliver(a, c);
    assertThat(onC.accepted).isTrue();
    c.call(() -> null); // ... and c's announcement waits on the link to b, not read yet

    Link back = b.connectPending("sub", false); // b asks a only: the registry says a
    assertThat(net.link(b.name, c.name)).noneMatch(MoveRaceTest::isTakeover);
    net.deliver(b, a); // a has no session any more
    net.deliver(a, b);
    assertThat(back.accepted).as("no other node is asked: EMQX's pick_channel found a channel gone").isTrue();
    assertThat(back.sessionPresent).isFalse();
    assertThat(c.call(() -> c.broker.sessionCount())).as("c's copy stands beside b's").isOne();
    assertThat(b.broker.metrics().takeoversFoundNothing()).as("counted and logged").isOne();
  }

  @Test
  void afterAMoveEveryMessageArrivesOnceWhicheverWayItCame() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    a.parkSession("sub", "t/sub");
    net.deliverAll();
    Link pubB = b.connect("pub-b", true);
    Link pubC = c.connect("pub-c", true);
    net.deliverAll();

    a.call(() -> a.broker.moveSessions(1, List.of(b.name)));
    c.publish(pubC, "t/sub", "c1"); // c still routes to a only
    net.deliver(a, b); // b gets the session and advertises the route
    c.publish(pubC, "t/sub", "c2"); // c routes to a (its forwarding route) and maybe b
    net.deliver(b, c);
    c.publish(pubC, "t/sub", "c3"); // now c knows b's route too: to a and b
    b.publish(pubB, "t/sub", "b1"); // b delivers here and a forwards it back
    net.deliverAll();

    Link back = b.connect("sub", false);
    net.deliverAll();
    assertThat(back.payloads()).containsExactlyInAnyOrder("c1", "c2", "c3", "b1");
  }

  @Test
  void aForwardFollowsTheSessionWhenItMovesOnAgain() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    a.parkSession("sub", "t/sub");
    net.deliverAll();
    Link pubC = c.connect("pub-c", true);
    net.deliverAll();

    a.call(() -> a.broker.moveSessions(1, List.of(b.name)));
    net.deliver(a, b); // the session is on b, which says so to c
    net.deliver(b, c);
    Link back = c.connectPending("sub", false); // and its client takes it to c
    net.deliver(c, b);
    net.deliver(c, a);
    // a's forwarding entry still points at b; b's at c.
    a.call(() -> {
      a.broker.onClusterMessage(c.name, publishMessage("t/sub", "late", "c/late"));
      return null;
    });
    net.deliverAll();

    assertThat(back.accepted).isTrue();
    assertThat(back.payloads()).containsExactly("late");
  }

  @Test
  void resentMessagesCarryTheDupFlag() throws Exception {
    Node a = net.node("a");
    Link sub = a.connect("sub", false);
    a.subscribe(sub, "t/sub");
    Link pub = a.connect("pub", true);
    a.publish(pub, "t/sub", "1");
    assertThat(sub.deliveries).extracting(Delivery::dup).containsExactly(false);
    a.closed(sub); // never acknowledged

    Link back = a.connect("sub", false);
    assertThat(back.deliveries).extracting(Delivery::payload).containsExactly("1");
    assertThat(back.deliveries).extracting(Delivery::dup).containsExactly(true);
    a.publish(pub, "t/sub", "2");
    assertThat(back.deliveries.get(1).dup()).isFalse();
  }

  @Test
  void resentMessagesCarryTheDupFlagAfterMovingNodes() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Link sub = a.connect("sub", false);
    a.subscribe(sub, "t/sub");
    Link pub = a.connect("pub", true);
    a.publish(pub, "t/sub", "1"); // sent, not acknowledged
    a.publish(pub, "t/sub", "2");
    a.closed(sub);
    a.publish(pub, "t/sub", "3"); // queued, never sent
    net.deliverAll();

    Link back = b.connect("sub", false);
    assertThat(back.deliveries).extracting(Delivery::payload).containsExactly("1", "2", "3");
    assertThat(back.deliveries).extracting(Delivery::dup).containsExactly(true, true, false);
  }

  @Test
  void aPublishThatArrivesAfterItsConnectionWasTakenOverIsNotAccepted() throws Exception {
    Node a = net.node("a");
    Link first = a.connect("pub", false);
    Link second = a.connect("pub", false); // takes the session over
    assertThat(first.disconnectedWith).isEqualTo(0x8E);
    boolean accepted = a.call(() -> a.broker.publish(first, new Message("t", new byte[0], 1, false)));
    assertThat(accepted).isFalse(); // so the MQTT layer does not acknowledge it
    assertThat(a.call(() -> a.broker.publish(second, new Message("t", new byte[0], 1, false)))).isTrue();
  }

  // ---- the harness ---------------------------------------------------------------------------

  @Test
  void aLeavingNodeWaitsUntilEveryPeerHoldsTheRouteOfTheNodeItsSessionMovedTo() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    Link sub = a.connect("sub", false);
    a.subscribe(sub, "t/sub");
    a.closed(sub);
    Link pub = c.connect("pub", true);
    net.deliverAll(); // c routes t/sub to a
    assertThat(a.call(a.broker::fenceRoutes)).as("nothing moved: nothing to wait for").isDone();

    a.call(() -> a.broker.moveSessions(1, List.of(b.name))); // the evacuation hands sub to b
    CompletableFuture<Void> fence = a.call(a.broker::fenceRoutes);
    net.deliver(a, b); // b installs the session, adds its route, then sends a barrier behind it
    net.deliver(b, a); // a acknowledges b's barrier
    net.deliver(a, b);
    assertThat(fence).as("c has not read b's route yet").isNotDone();
    net.deliver(b, c); // c reads b's route, then the barrier
    assertThat(c.routes.get(b.name)).contains("t/sub");
    net.deliver(c, b); // c acknowledges: b tells a
    net.deliver(b, a);
    assertThat(fence).isDone();

    c.publish(pub, "t/sub", "1"); // a may be gone now: c reaches b itself
    net.deliver(c, b);
    assertThat(b.connect("sub", false).payloads()).containsExactly("1");
  }

  @Test
  void aClientThatReconnectsElsewhereWhileItsOldNodeFencesIsFencedToo() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    a.parkSession("first", "t/first");
    net.deliverAll();
    a.call(() -> a.broker.moveSessions(1, List.of(b.name))); // "first" goes to b
    a.parkSession("second", "t/second");
    net.deliverAll();

    CompletableFuture<Void> fence = a.call(a.broker::fenceRoutes);
    assertThat(a.call(a.broker::fencePending)).containsExactly(b.name);
    Link back = c.connectPending("second", false); // its client reconnects to c meanwhile
    net.deliver(c, a); // a hands "second" to c
    assertThat(a.call(a.broker::fencePending)).containsExactlyInAnyOrder(b.name, c.name);
    net.deliverAll();
    assertThat(back.accepted).isTrue();
    assertThat(fence).isDone();
    assertThat(b.routes.get(c.name)).contains("t/second");
  }

  @Test
  void aPeerThatGoesDownIsNoLongerWaitedFor() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    a.parkSession("sub", "t/sub");
    net.deliverAll();

    a.call(() -> a.broker.moveSessions(1, List.of(b.name)));
    CompletableFuture<Void> fence = a.call(a.broker::fenceRoutes);
    net.deliver(a, b);
    net.deliver(b, a);
    net.deliver(a, b);
    assertThat(fence).isNotDone();
    b.call(() -> {
      b.broker.onPeerDown(c.name); // b's barrier no longer waits for c
      return null;
    });
    net.deliver(b, a);
    assertThat(fence).isDone();

    CompletableFuture<Void> second = a.call(() -> {
      a.broker.moveSessions(0, List.of());
      return a.broker.fenceRoutes();
    });
    assertThat(second).isNotDone(); // b is asked again
    a.call(() -> {
      a.broker.onPeerDown(b.name);
      return null;
    });
    assertThat(second).as("the node the session went to is gone: nothing to wait for").isDone();
  }

  @Test
  void aSubscriptionIsConfirmedOnlyOnceEveryPeerHoldsItsRoute() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Node c = net.node("c");
    Link sub = a.connect("sub", true);
    a.subscribe(sub, "t/sub");
    java.util.concurrent.atomic.AtomicInteger confirmed = new java.util.concurrent.atomic.AtomicInteger();
    a.call(() -> {
      a.broker.whenPeersCaughtUp(confirmed::incrementAndGet);
      a.broker.whenPeersCaughtUp(confirmed::incrementAndGet); // the same turn: the same barrier
      return null;
    });
    a.call(() -> null); // the barrier goes out after the turn
    net.deliver(a, b);
    net.deliver(b, a);
    assertThat(confirmed).as("c has not read the route").hasValue(0);
    net.deliver(a, c);
    assertThat(c.routes.get(a.name)).contains("t/sub");
    net.deliver(c, a);
    assertThat(confirmed).hasValue(2);
  }

  @Test
  void aPublishThatCrossesARouteWithdrawalIsCountedAsLostAndOneToNobodyIsNot() throws Exception {
    Node a = net.node("a");
    Node b = net.node("b");
    Link sub = a.connect("sub", true);
    a.subscribe(sub, "t/sub");
    Link pub = b.connect("pub", true);
    net.deliverAll(); // b learns a's route

    a.closed(sub); // a clean session ends: a withdraws the route, b has not heard yet
    b.publish(pub, "t/sub", "1"); // routed to a on b's stale route
    net.deliverAll();
    b.publish(pub, "t/sub", "2"); // b knows now: nobody subscribes

    assertThat(a.broker.metrics().dropped(DropReason.NO_LOCAL_ROUTE)).isEqualTo(1);
    assertThat(a.dropped()).as("a message the cluster took and lost").isEqualTo(1);
    assertThat(b.broker.metrics().dropped(DropReason.NO_SUBSCRIBERS)).isEqualTo(1);
    assertThat(b.dropped()).as("no subscriber is not a loss").isZero();
    assertThat(b.broker.metrics().scrape())
        .contains("ferry_broker_messages_dropped_total{node=\"emqx@b\",reason=\"no_subscribers\"} 1.0");
  }

  private static boolean isTakeover(ObjectNode m) {
    return m.path("type").asText().equals("takeover");
  }

  private static ObjectNode publishMessage(String topic, String payload, String id) {
    ObjectNode m = Broker.message("publish");
    m.set("message", Broker.JSON.valueToTree(new Message(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false, id)));
    return m;
  }

  record Delivery(String payload, int packetId, boolean dup) {}

  /** A client connection as the broker sees it; records what the broker did to it. */
  static final class Link implements ClientLink {
    final String clientId;
    volatile boolean open = true;
    boolean accepted;
    boolean sessionPresent;
    int disconnectedWith = -1;
    final List<Delivery> deliveries = new ArrayList<>();

    Link(String clientId) {
      this.clientId = clientId;
    }

    synchronized List<String> payloads() {
      return deliveries.stream().map(Delivery::payload).toList();
    }

    @Override
    public String clientId() {
      return clientId;
    }

    @Override
    public boolean open() {
      return open;
    }

    @Override
    public int protocolVersion() {
      return 5;
    }

    @Override
    public synchronized void accept(boolean present, String assigned) {
      accepted = true;
      sessionPresent = present;
    }

    @Override
    public void refuse(int reasonV5, int returnCodeV3, String serverReference) {
      open = false;
    }

    @Override
    public synchronized void deliver(Message m, int packetId, boolean duplicate) {
      deliveries.add(new Delivery(new String(m.payload(), StandardCharsets.UTF_8), packetId, duplicate));
    }

    @Override
    public void disconnect(int reasonV5, String serverReference) {
      open = false;
      disconnectedWith = reasonV5;
    }

    @Override
    public void abort() {
      open = false;
    }

    @Override
    public int receiveMaximum() {
      return 65535;
    }
  }

  /** One node: the real broker logic on its own thread, and its end of the in-memory network. */
  final class Node implements Cluster {
    final String name;
    final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    final Broker broker;
    /** What each peer advertised: its routes, as the cluster channel keeps them. */
    final Map<String, Set<String>> routes = new HashMap<>();

    Node(String name) {
      this.name = "emqx@" + name;
      BrokerConfig config = BrokerConfig.onHost("127.0.0.1", "k", "s");
      config = new BrokerConfig(this.name, config.mqtt(), config.api(), config.cluster(), List.of(), "k", "s",
          7200, 1000, 32, dev.ferry.broker.EmqxProfile.DEFAULT);
      broker = new Broker(config, executor, new BrokerMetrics(this.name));
      broker.cluster(this);
    }

    <T> T call(Callable<T> c) throws Exception {
      return executor.submit(c).get(5, TimeUnit.SECONDS);
    }

    /** A persistent session subscribed to {@code filter}, its client gone: what a move carries. */
    void parkSession(String clientId, String filter) throws Exception {
      Link l = connect(clientId, false);
      subscribe(l, filter);
      closed(l);
    }

    /**
     * A parked session subscribed to {@code filter} (a topic, no wildcard) with {@code payload}
     * queued in it (published by a client of this node), and this node's announcement of it gone
     * out to its links.
     */
    void parkSessionHolding(String clientId, String filter, String payload) throws Exception {
      parkSession(clientId, filter);
      publish(connect(clientId + "-pub", true), filter, payload);
      call(() -> null);
    }

    Link connect(String clientId, boolean cleanStart) throws Exception {
      Link l = connectPending(clientId, cleanStart);
      net.deliverAll(); // the takeover round trip
      assertThat(l.accepted).as("CONNACK for " + clientId).isTrue();
      return l;
    }

    Link connectPending(String clientId, boolean cleanStart) throws Exception {
      Link l = new Link(clientId);
      call(() -> {
        broker.connect(l, new ConnectRequest(clientId, false, cleanStart, cleanStart ? 0 : 600, null));
        return null;
      });
      return l;
    }

    void subscribe(Link l, String filter) throws Exception {
      call(() -> broker.subscribe(l, List.of(Map.entry(filter, 1))));
    }

    void publish(Link l, String topic, String payload) throws Exception {
      boolean ok = call(() -> broker.publish(l, new Message(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false)));
      assertThat(ok).isTrue();
    }

    void closed(Link l) throws Exception {
      l.open = false;
      call(() -> {
        broker.connectionClosed(l, false, -1);
        return null;
      });
    }

    long dropped() {
      return broker.metrics().stats().messagesDropped();
    }

    // Cluster, as the broker calls it (on this node's thread).

    @Override
    public List<String> upPeers() {
      List<String> peers = new ArrayList<>(new TreeSet<>(net.nodes.keySet()));
      peers.remove(name);
      return peers;
    }

    @Override
    public Set<String> knownPeers() {
      return Set.copyOf(upPeers());
    }

    @Override
    public boolean send(String node, ObjectNode message) {
      net.link(name, node).add(message.deepCopy());
      return true;
    }

    @Override
    public List<String> peersMatching(String topic) {
      List<String> out = new ArrayList<>();
      routes.forEach((peer, filters) -> {
        if (filters.stream().anyMatch(f -> Topics.matches(f, topic))) {
          out.add(peer);
        }
      });
      return out;
    }

    @Override
    public ObjectNode peerStatus(String node) {
      return null;
    }

    /** A message from {@code from}: routes are kept as the channel keeps them, the rest goes to the broker. */
    void receive(String from, ObjectNode msg) throws Exception {
      call(() -> {
        switch (msg.path("type").asText()) {
          case "routes" -> {
            Set<String> set = new HashSet<>();
            msg.withArray("filters").forEach(f -> set.add(f.asText()));
            routes.put(from, set);
          }
          case "route_add" -> routes.computeIfAbsent(from, k -> new HashSet<>()).add(msg.get("filter").asText());
          case "route_del" -> routes.getOrDefault(from, new HashSet<>()).remove(msg.get("filter").asText());
          default -> broker.onClusterMessage(from, msg);
        }
        return null;
      });
    }
  }

  /** The network: one FIFO queue per direction, delivered when the test says so. */
  final class Net {
    final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, ArrayDeque<ObjectNode>> links = new HashMap<>();

    Node node(String name) {
      Node n = new Node(name);
      nodes.put(n.name, n);
      return n;
    }

    synchronized ArrayDeque<ObjectNode> link(String from, String to) {
      return links.computeIfAbsent(from + ">" + to, k -> new ArrayDeque<>());
    }

    private synchronized ObjectNode poll(String from, String to) {
      return link(from, to).pollFirst();
    }

    /** Delivers everything queued from one node to another, including what that causes on the same link. */
    void deliver(Node from, Node to) throws Exception {
      ObjectNode m;
      while ((m = poll(from.name, to.name)) != null) {
        to.receive(from.name, m);
      }
      to.call(() -> null); // and what those messages queued on its thread (a route barrier going out)
    }

    /** Delivers until every link is empty. */
    void deliverAll() throws Exception {
      boolean any = true;
      while (any) {
        any = false;
        for (Node from : nodes.values()) {
          for (Node to : nodes.values()) {
            if (from != to && !link(from.name, to.name).isEmpty()) {
              deliver(from, to);
              any = true;
            }
          }
        }
      }
    }
  }
}
