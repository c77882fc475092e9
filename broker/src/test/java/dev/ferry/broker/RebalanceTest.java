package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.broker.EmqxProfile.Improvement;
import dev.ferry.broker.support.Api;
import dev.ferry.broker.support.Cluster3;
import dev.ferry.broker.support.TestClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Rebalances over real sockets. Three loaded nodes and an empty one: EMQX lets every donor above the
 * recipients' average evict its full rate each tick, so the new node ends above the old ones;
 * {@code EVEN_REBALANCE} lands balanced. And a rebalance that loses a node or its coordinator.
 */
class RebalanceTest {

  /** Each old node is 25 above the mean of 75; the rate of 20 is asked twice of each. */
  private static final String START = "{\"conn_evict_rate\": 20, \"sess_evict_rate\": 20, \"wait_health_check\": 0,"
      + " \"wait_takeover\": 1, \"abs_conn_threshold\": 5, \"rel_conn_threshold\": 1.1,"
      + " \"abs_sess_threshold\": 5, \"rel_sess_threshold\": 1.1}";

  @Test
  void emqxOvershootsTheNewNodePastTheOldOnes() throws Exception {
    List<Integer> loads = threeLoadedNodesAndAnEmptyOne(51, EmqxProfile.DEFAULT);
    int newNode = loads.get(3);
    // Tick 1: 80/80/80/60 is not balanced (80 > 60 + 5 and 80 > 60 x 1.1), so tick 2 evicts 20
    // more from each donor though 5 would do: 60/60/60/120 (more if clients came back slowly).
    assertThat(newNode).as(loads.toString()).isGreaterThan(loads.get(0)).isGreaterThan(loads.get(1))
        .isGreaterThan(loads.get(2)).isGreaterThanOrEqualTo(100);
  }

  @Test
  void evenRebalanceLandsTheNewNodeNearTheMean() throws Exception {
    List<Integer> loads = threeLoadedNodesAndAnEmptyOne(52,
        EmqxProfile.DEFAULT.withImprovements(Set.of(Improvement.EVEN_REBALANCE)));
    // Tick 2 asks each donor only for its excess of 5.
    assertThat(loads.get(3)).as(loads.toString()).isBetween(70, 80);
  }

  /** Runs the rebalance to its end and returns the four nodes' connections. */
  private static List<Integer> threeLoadedNodesAndAnEmptyOne(int third, EmqxProfile profile) throws Exception {
    try (Cluster3 c = new Cluster3(third, 4, profile)) {
      BrokerNode empty = c.get(3);
      List<TestClient> clients = new CopyOnWriteArrayList<>();
      for (int n = 0; n < 3; n++) {
        clients.addAll(TestClient.fleet(c.get(n).mqttAddress(), "rb-" + n + "-", 100));
      }
      // Evicted clients come back the way a load balancer would send them: to the node not refusing.
      Thread reconnector = Thread.ofVirtual().start(() -> reconnectEvictedTo(empty, clients));
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> Api.of(c.get(0)).get("/api/v5/nodes").body()
            .findValues("live_connections").stream().mapToInt(JsonNode::asInt).sum() == 300);
        var r = Api.of(c.get(0)).post("/api/v5/load_rebalance/" + c.get(0).name() + "/start", START);
        assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
            Api.of(c.get(0)).get("/api/v5/load_rebalance/global_status").body().get("rebalances").isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> c.nodes.stream().mapToInt(n -> n.stats().connections()).sum() == 300);
        // Donors accept clients again.
        for (int n = 0; n < 3; n++) {
          assertThat(Api.of(c.get(n)).get("/api/v5/load_rebalance/availability_check").status()).isEqualTo(200);
        }
        return c.nodes.stream().map(n -> n.stats().connections()).toList();
      } finally {
        reconnector.interrupt();
        clients.forEach(TestClient::close);
      }
    }
  }

  private static void reconnectEvictedTo(BrokerNode target, List<TestClient> clients) {
    while (!Thread.currentThread().isInterrupted()) {
      for (TestClient t : List.copyOf(clients)) {
        if (!t.isOpen() && t.disconnectReason == 0x9C) {
          clients.remove(t);
          TestClient again = new TestClient(5, t.clientId);
          again.connectAsync(target.mqttAddress(), true, 0);
          clients.add(again);
        }
      }
      try {
        Thread.sleep(100); // clients take a while to come back, as through a real load balancer
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Test
  void aLostRecipientEndsTheRebalanceAndDonorsAcceptAgain() {
    try (Cluster3 c = new Cluster3(53, 3)) {
      BrokerNode donor = c.get(0);
      BrokerNode lost = c.get(2);
      List<TestClient> clients = TestClient.fleet(donor.mqttAddress(), "lost-", 30);
      startSlowRebalance(donor, donor);
      // After the first tick: the goal (the recipients' average) and the donors' average, as floats.
      JsonNode entry = Api.of(donor).get("/api/v5/load_rebalance/global_status").body().get("rebalances").get(0);
      assertThat(entry.get("connection_goal").isFloatingPointNumber()).as(entry.toString()).isTrue();
      assertThat(entry.get("connection_goal").asDouble()).isZero();
      assertThat(entry.get("donor_conn_avg").isFloatingPointNumber()).isTrue();
      assertThat(entry.has("recipient_conn_avg")).isFalse();
      assertThat(entry.has("disconnected_session_goal")).isFalse();

      lost.close();
      await().atMost(Duration.ofSeconds(15)).until(() ->
          Api.of(donor).get("/api/v5/load_rebalance/global_status").body().get("rebalances").isEmpty());
      assertThat(Api.of(donor).get("/api/v5/load_rebalance/availability_check").status()).isEqualTo(200);
      try (TestClient after = new TestClient(5, "lost-after")) {
        assertThat(after.connect(donor.mqttAddress(), true, 0)).isZero();
      }
      clients.forEach(TestClient::close);
    }
  }

  @Test
  void aDonorWhoseCoordinatorGoesDownAcceptsClientsAgain() {
    try (Cluster3 c = new Cluster3(54, 3)) {
      BrokerNode donor = c.get(0);
      BrokerNode coordinator = c.get(1);
      List<TestClient> clients = TestClient.fleet(donor.mqttAddress(), "orphan-", 30);
      startSlowRebalance(coordinator, donor);
      try (TestClient refused = new TestClient(5, "orphan-refused")) {
        assertThat(refused.connect(donor.mqttAddress(), true, 0)).isEqualTo(0x9C);
      }
      coordinator.close();
      await().atMost(Duration.ofSeconds(15)).until(() ->
          Api.of(donor).get("/api/v5/load_rebalance/availability_check").status() == 200);
      assertThat(Api.of(donor).get("/api/v5/load_rebalance/status").body().get("status").asText()).isEqualTo("disabled");
      try (TestClient after = new TestClient(5, "orphan-after")) {
        assertThat(after.connect(donor.mqttAddress(), true, 0)).isZero();
      }
      clients.forEach(TestClient::close);
    }
  }

  /**
   * A rebalance in which {@code donor} holds all 30 clients and gives one a second (so it lasts),
   * started on {@code coordinator}; returns once it has ticked (the donor shows the goal).
   */
  private static void startSlowRebalance(BrokerNode coordinator, BrokerNode donor) {
    await().atMost(Duration.ofSeconds(10)).until(() ->
        Api.of(coordinator).get("/api/v5/nodes/" + donor.name()).body().path("live_connections").asInt() == 30);
    var r = Api.of(coordinator).post("/api/v5/load_rebalance/" + coordinator.name() + "/start",
        "{\"conn_evict_rate\": 1, \"wait_health_check\": 0, \"abs_conn_threshold\": 1, \"abs_sess_threshold\": 1}");
    assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
    // As the donor sees it: its refusal travelled ahead of the coordinator's status on one link.
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      JsonNode local = Api.of(donor).get("/api/v5/load_rebalance/status").body();
      return "evicting_conns".equals(local.path("state").asText()) && local.has("connection_goal");
    });
  }
}
