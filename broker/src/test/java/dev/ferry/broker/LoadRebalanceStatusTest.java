package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.broker.EmqxProfile.Improvement;
import dev.ferry.broker.support.Api;
import dev.ferry.broker.support.Cluster3;
import dev.ferry.broker.support.TestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What the status endpoints say, as EMQX says it: evacuation stats that are snapshots, session
 * recipients asked afresh, a rebalance shown locally only on donors, and {@code /nodes}.
 */
class LoadRebalanceStatusTest {

  @Test
  void evacuationStatsAreSnapshotsStaleThroughTheWaits() throws Exception {
    JsonNode[] stats = evacuationStatsThroughTheWaits(71, EmqxProfile.DEFAULT);
    // During the health-check wait: the start's counts, though 5 more clients came.
    assertThat(stats[0].get("initial_connected").asInt()).isEqualTo(10);
    assertThat(stats[0].get("current_connected").asInt()).isEqualTo(10);
    assertThat(stats[0].get("current_sessions").asInt()).isEqualTo(10);
    // In the takeover wait: 0 connected (set on leaving evicting_conns), and the sessions as at the
    // start of that evacuation, though 5 of the 15 have been taken over by another node meanwhile.
    assertThat(stats[1].get("initial_connected").asInt()).isEqualTo(15);
    assertThat(stats[1].get("current_connected").asInt()).isZero();
    assertThat(stats[1].get("current_sessions").asInt()).isEqualTo(15);
  }

  @Test
  void liveEvacuationStatsCountWhatIsThere() throws Exception {
    JsonNode[] stats = evacuationStatsThroughTheWaits(72,
        EmqxProfile.DEFAULT.withImprovements(Set.of(Improvement.LIVE_EVACUATION_STATS)));
    assertThat(stats[0].get("current_connected").asInt()).isEqualTo(15);
    assertThat(stats[0].get("current_sessions").asInt()).isEqualTo(15);
    assertThat(stats[1].get("current_connected").asInt()).isZero();
    assertThat(stats[1].get("current_sessions").asInt()).isEqualTo(10);
  }

  /**
   * Node a holds 10 persistent sessions and evacuates with a long health-check wait, during which 5
   * more clients come; then, stopped and started again without the wait, its 15 clients are evicted
   * and 5 of them come back on b, taking their sessions. Returns a's stats in each wait.
   */
  private static JsonNode[] evacuationStatsThroughTheWaits(int third, EmqxProfile profile) throws Exception {
    try (Cluster3 c = new Cluster3(third, 2, profile)) {
      BrokerNode a = c.get(0);
      BrokerNode b = c.get(1);
      Api api = Api.of(a);
      List<TestClient> clients = persistentClients(a, "st-", 0, 10);
      String start = "/api/v5/load_rebalance/" + a.name() + "/evacuation/start";
      String body = ", \"wait_takeover\": 60, \"migrate_to\": [\"" + b.name() + "\"]}";
      assertThat(api.post(start, "{\"wait_health_check\": 60" + body).status()).isEqualTo(200);
      clients.addAll(persistentClients(a, "st-", 10, 15));
      JsonNode waitingHealthCheck = evacuationEntry(api, a).get("stats");
      assertThat(api.post("/api/v5/load_rebalance/" + a.name() + "/evacuation/stop", null).status()).isEqualTo(200);

      assertThat(api.post(start, "{\"wait_health_check\": 0" + body).status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(15)).until(() -> "waiting_takeover".equals(api.evacuationState(a.name())));
      for (int i = 0; i < 5; i++) {
        TestClient back = new TestClient(5, "st-" + i);
        assertThat(back.connect(b.mqttAddress(), false, 600)).isZero();
        clients.add(back);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> a.stats().sessions() == 10);
      JsonNode waitingTakeover = evacuationEntry(api, a).get("stats");
      clients.forEach(TestClient::close);
      return new JsonNode[] {waitingHealthCheck, waitingTakeover};
    }
  }

  private static List<TestClient> persistentClients(BrokerNode node, String prefix, int from, int to) throws Exception {
    List<TestClient> clients = new ArrayList<>();
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (int i = from; i < to; i++) {
      TestClient t = new TestClient(5, prefix + i);
      clients.add(t);
      acks.add(t.connectAsync(node.mqttAddress(), false, 600));
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, java.util.concurrent.TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> node.stats().connections() == to);
    return clients;
  }

  private static JsonNode evacuationEntry(Api api, BrokerNode node) {
    for (JsonNode e : api.get("/api/v5/load_rebalance/global_status").body().get("evacuations")) {
      if (e.get("node").asText().equals(node.name())) {
        return e;
      }
    }
    throw new AssertionError("no evacuation of " + node.name());
  }

  @Test
  void sessionRecipientsAreTheAvailableNodesAtEachCall() {
    try (Cluster3 c = new Cluster3(73, 3)) {
      BrokerNode a = c.get(0);
      BrokerNode b = c.get(1);
      BrokerNode third = c.get(2);
      Api api = Api.of(a);
      assertThat(api.post("/api/v5/load_rebalance/" + a.name() + "/evacuation/start", "{\"wait_health_check\": 60}")
          .status()).isEqualTo(200);
      assertThat(recipients(api, a)).containsExactly(b.name(), third.name());
      // The third node's eviction agent turns busy: it is no recipient any more, until it is free.
      String thirdEvacuation = "/api/v5/load_rebalance/" + third.name() + "/evacuation";
      assertThat(Api.of(third).post(thirdEvacuation + "/start", "{\"wait_health_check\": 60}").status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> recipients(api, a).equals(List.of(b.name())));
      assertThat(Api.of(third).post(thirdEvacuation + "/stop", null).status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> recipients(api, a).equals(List.of(b.name(), third.name())));
      // Nor is a node that went down.
      third.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> recipients(api, a).equals(List.of(b.name())));
      assertThat(evacuationEntry(api, a).get("connection_goal").asInt()).isZero();
      assertThat(evacuationEntry(api, a).get("session_goal").asInt()).isZero();
    }
  }

  private static List<String> recipients(Api api, BrokerNode node) {
    List<String> out = new ArrayList<>();
    evacuationEntry(api, node).get("session_recipients").forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void aRebalanceShowsLocallyOnlyOnItsDonors() {
    try (Cluster3 c = new Cluster3(74, 3)) {
      BrokerNode coordinator = c.get(0);
      BrokerNode donor = c.get(1);
      BrokerNode recipient = c.get(2);
      List<TestClient> clients = TestClient.fleet(donor.mqttAddress(), "ls-", 20);
      await().atMost(Duration.ofSeconds(10)).until(() -> Api.of(coordinator).get("/api/v5/nodes/" + donor.name())
          .body().path("live_connections").asInt() == 20);
      var r = Api.of(coordinator).post("/api/v5/load_rebalance/" + coordinator.name() + "/start",
          "{\"wait_health_check\": 60, \"abs_conn_threshold\": 1, \"abs_sess_threshold\": 1}");
      assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() ->
          Api.of(donor).get("/api/v5/load_rebalance/status").body().path("status").asText().equals("enabled"));
      // 5.4 and later: donors still accept clients during the wait.
      try (TestClient during = new TestClient(5, "ls-during")) {
        assertThat(during.connect(donor.mqttAddress(), true, 0)).isZero();
        JsonNode local = Api.of(donor).get("/api/v5/load_rebalance/status").body();
        assertThat(local.get("process").asText()).isEqualTo("rebalance");
        assertThat(local.get("state").asText()).isEqualTo("wait_health_check");
        assertThat(local.get("coordinator_node").asText()).isEqualTo(coordinator.name());
        assertThat(local.get("recipients")).hasSize(2);
        assertThat(local.get("stats").get("initial_connected").asInt()).isEqualTo(20);
        assertThat(local.get("stats").get("current_connected").asInt()).isEqualTo(21); // live
        assertThat(local.get("stats").get("current_disconnected_sessions").asInt()).isZero();
        assertThat(local.has("connection_goal")).isFalse(); // no tick yet
      }
      for (BrokerNode n : List.of(coordinator, recipient)) {
        assertThat(Api.of(n).get("/api/v5/load_rebalance/status").body().get("status").asText()).isEqualTo("disabled");
        assertThat(Api.of(n).get("/api/v5/load_rebalance/availability_check").status()).isEqualTo(200);
      }
      assertThat(Api.of(donor).get("/api/v5/load_rebalance/availability_check").status()).isEqualTo(503);
      // The coordinator's entry, as any node reports it: no goals or averages before the first tick.
      await().atMost(Duration.ofSeconds(5)).until(() ->
          !Api.of(recipient).get("/api/v5/load_rebalance/global_status").body().get("rebalances").isEmpty());
      JsonNode entry = Api.of(recipient).get("/api/v5/load_rebalance/global_status").body().get("rebalances").get(0);
      assertThat(entry.get("node").asText()).isEqualTo(coordinator.name());
      assertThat(entry.get("coordinator_node").asText()).isEqualTo(coordinator.name());
      assertThat(entry.get("donors")).hasSize(1);
      assertThat(entry.get("donors").get(0).asText()).isEqualTo(donor.name());
      assertThat(entry.get("connection_eviction_rpc_timeout").asInt()).isEqualTo(15_000);
      for (String absent : List.of("connection_goal", "donor_conn_avg", "recipient_conn_avg", "stats", "session_goal")) {
        assertThat(entry.has(absent)).as(absent).isFalse();
      }
      // Only the coordinator can stop it.
      assertThat(Api.of(recipient).post("/api/v5/load_rebalance/" + recipient.name() + "/stop", null).status()).isEqualTo(400);
      assertThat(Api.of(coordinator).post("/api/v5/load_rebalance/" + coordinator.name() + "/stop", null).status())
          .isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() ->
          Api.of(donor).get("/api/v5/load_rebalance/availability_check").status() == 200);
      assertThat(Api.of(donor).get("/api/v5/load_rebalance/status").body().get("status").asText()).isEqualTo("disabled");
      clients.forEach(TestClient::close);
    }
  }

  @Test
  void nodesDescribeRunningNodesInFullAndStoppedOnesInThreeFields() throws Exception {
    try (Cluster3 c = new Cluster3(75, 2)) {
      BrokerNode a = c.get(0);
      BrokerNode b = c.get(1);
      try (TestClient parked = new TestClient(5, "nodes-parked"); TestClient live = new TestClient(5, "nodes-live")) {
        parked.connect(a.mqttAddress(), false, 600);
        parked.disconnect();
        live.connect(a.mqttAddress(), true, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.stats().connections() == 1 && a.stats().sessions() == 2);
        JsonNode n = Api.of(a).get("/api/v5/nodes/" + a.name()).body();
        assertThat(n.get("node_status").asText()).isEqualTo("running");
        assertThat(n.get("version").asText()).isEqualTo("5.10.4");
        assertThat(n.get("edition").asText()).isEqualTo("Enterprise");
        assertThat(n.get("role").asText()).isEqualTo("core");
        assertThat(n.get("connections").asInt()).isEqualTo(2); // sessions, as EMQX counts them
        assertThat(n.get("live_connections").asInt()).isEqualTo(1);
        assertThat(n.get("cluster_sessions").asInt()).isEqualTo(2);
        assertThat(n.get("uptime").isIntegralNumber()).isTrue();
        assertThat(n.get("memory_total").asText()).matches("[0-9.]+[GMK]?");
        // b as a sees it: running, from b's own report.
        await().atMost(Duration.ofSeconds(5)).until(() ->
            Api.of(a).get("/api/v5/nodes/" + b.name()).body().path("cluster_sessions").asInt() == 2);
      }
      b.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> Api.of(a).runningNodes() == 1);
      // As EMQX: /nodes/{node} of a stopped node is 404; the list shows it in three fields.
      assertThat(Api.of(a).get("/api/v5/nodes/" + b.name()).status()).isEqualTo(404);
      JsonNode stopped = null;
      for (JsonNode e : Api.of(a).get("/api/v5/nodes").body()) {
        if (b.name().equals(e.path("node").asText())) {
          stopped = e;
        }
      }
      assertThat(stopped).as("b in a's /nodes").isNotNull();
      List<String> fields = new ArrayList<>();
      stopped.fieldNames().forEachRemaining(fields::add);
      assertThat(fields).containsExactlyInAnyOrder("node", "node_status", "role");
      assertThat(stopped.get("node_status").asText()).isEqualTo("stopped");
    }
  }

  @Test
  void enterprise50NodesHaveNoLiveConnectionsNorClusterSessions() {
    EmqxProfile e50 = EmqxProfile.DEFAULT.withVersion("5.0.4", "Enterprise");
    try (BrokerNode a = BrokerNode.start(BrokerConfig.onHost("127.0.76.1", "key", "secret").withEmqx(e50))) {
      JsonNode n = Api.of(a).get("/api/v5/nodes/" + a.name()).body();
      assertThat(n.get("version").asText()).isEqualTo("5.0.4");
      assertThat(n.has("live_connections")).isFalse();
      assertThat(n.has("cluster_sessions")).isFalse();
    }
  }
}
