package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.broker.support.Api;
import dev.ferry.broker.support.Cluster3;
import dev.ferry.broker.support.TestClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What an evacuation's start does to a node in each EMQX: 5.0 (and 4.4) refuse at once with no
 * health-check wait; 5.1 to 5.3 wait while staying available and free for others; 5.4 and later
 * wait unavailable but still accepting. And the eviction agent a rebalance donor holds.
 */
class EvacuationVersionsTest {

  static final EmqxProfile EMQX_5_0 = EmqxProfile.DEFAULT.withVersion("5.0.4", "Enterprise");
  static final EmqxProfile EMQX_5_2 = EmqxProfile.DEFAULT.withVersion("5.2.1", "Enterprise");

  @Test
  void enterprise50RefusesAtOnceWithoutAHealthCheckWait() {
    try (BrokerNode a = BrokerNode.start(BrokerConfig.onHost("127.0.44.1", "key", "secret").withEmqx(EMQX_5_0))) {
      List<TestClient> clients = TestClient.fleet(a.mqttAddress(), "v50-", 5);
      Api api = Api.of(a);
      assertThat(api.post(evacuationStart(a), "{\"conn_evict_rate\": 1}").status()).isEqualTo(200);
      // One client a second: still evicting while the test looks.
      assertThat(api.evacuationState(a.name())).isEqualTo("evicting_conns");
      assertThat(api.get("/api/v5/load_rebalance/availability_check").status()).isEqualTo(503);
      try (TestClient late = new TestClient(5, "v50-late")) {
        assertThat(late.connect(a.mqttAddress(), true, 0)).isEqualTo(0x9C);
      }
      assertThat(api.post(evacuationStop(a), null).status()).isEqualTo(200);
      clients.forEach(TestClient::close);
    }
  }

  @Test
  void enterprise51To53StayAvailableAndAcceptingDuringTheWait() {
    try (Cluster3 c = new Cluster3(44, 2, EMQX_5_2)) {
      BrokerNode a = c.get(0);
      BrokerNode b = c.get(1);
      Api api = Api.of(a);
      assertThat(api.post(evacuationStart(a), "{\"wait_health_check\": 60}").status()).isEqualTo(200);
      assertThat(api.evacuationState(a.name())).isEqualTo("waiting_health_check");
      assertThat(api.get("/api/v5/load_rebalance/availability_check").status()).isEqualTo(200);
      try (TestClient during = new TestClient(5, "v52-during")) {
        assertThat(during.connect(a.mqttAddress(), true, 0)).isZero();
      }
      // Its eviction agent is not enabled yet: another evacuation may send it sessions.
      await().atMost(Duration.ofSeconds(5)).until(() -> Api.of(b).evacuationState(a.name()) != null);
      var r = Api.of(b).post(evacuationStart(b), "{\"wait_health_check\": 60, \"migrate_to\": [\"" + a.name() + "\"]}");
      assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
      assertThat(Api.of(b).post(evacuationStop(b), null).status()).isEqualTo(200);
      assertThat(api.post(evacuationStop(a), null).status()).isEqualTo(200);
    }
  }

  @Test
  void enterprise54AndLaterAreUnavailableButAcceptingDuringTheWait() {
    try (Cluster3 c = new Cluster3(47, 2)) {
      BrokerNode a = c.get(0);
      BrokerNode b = c.get(1);
      Api api = Api.of(a);
      assertThat(api.post(evacuationStart(a), "{\"wait_health_check\": 60}").status()).isEqualTo(200);
      assertThat(api.evacuationState(a.name())).isEqualTo("waiting_health_check");
      assertThat(api.get("/api/v5/load_rebalance/availability_check").status()).isEqualTo(503);
      try (TestClient during = new TestClient(5, "v54-during")) {
        assertThat(during.connect(a.mqttAddress(), true, 0)).isZero();
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> Api.of(b).evacuationState(a.name()) != null);
      var r = Api.of(b).post(evacuationStart(b), "{\"migrate_to\": [\"" + a.name() + "\"]}");
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body().get("message").asText()).contains("Nodes unavailable");
      assertThat(api.post(evacuationStop(a), null).status()).isEqualTo(200);
    }
  }

  @Test
  void aRebalanceDonorCannotStartAnEvacuationButItsCoordinatorCan() {
    try (Cluster3 c = new Cluster3(45, 2)) {
      BrokerNode a = c.get(0);
      BrokerNode b = c.get(1);
      List<TestClient> clients = TestClient.fleet(a.mqttAddress(), "busy-", 10);
      startRebalanceWithADonor(b, a);
      var r = Api.of(a).post(evacuationStart(a), "{}");
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body().get("message").asText()).isEqualTo("error on node '" + a.name() + "': eviction_agent_busy");
      // The coordinator is a recipient: its eviction agent is free.
      assertThat(Api.of(b).post(evacuationStart(b), "{\"wait_health_check\": 60}").status()).isEqualTo(200);
      assertThat(Api.of(b).post(evacuationStop(b), null).status()).isEqualTo(200);
      assertThat(Api.of(b).post("/api/v5/load_rebalance/" + b.name() + "/stop", null).status()).isEqualTo(200);
      clients.forEach(TestClient::close);
    }
  }

  @Test
  void enterprise51To53QuietlyDropAnEvacuationWhoseNodeBecameADonorDuringTheWait() {
    try (Cluster3 c = new Cluster3(46, 2, EMQX_5_2)) {
      BrokerNode a = c.get(0);
      BrokerNode b = c.get(1);
      List<TestClient> clients = TestClient.fleet(a.mqttAddress(), "drop-", 10);
      startRebalanceWithADonor(b, a);
      // Accepted: 5.1-5.3 enable the agent only when the wait ends, and find it taken then.
      assertThat(Api.of(a).post(evacuationStart(a), "{\"wait_health_check\": 1}").status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(15)).until(() -> Api.of(a).evacuationState(a.name()) == null);
      assertThat(Api.of(a).get("/api/v5/load_rebalance/status").body().get("process").asText()).isEqualTo("rebalance");
      assertThat(Api.of(b).post("/api/v5/load_rebalance/" + b.name() + "/stop", null).status()).isEqualTo(200);
      clients.forEach(TestClient::close);
    }
  }

  /** A rebalance coordinated by {@code coordinator} in which {@code donor} (holding every client) gives. */
  private static void startRebalanceWithADonor(BrokerNode coordinator, BrokerNode donor) {
    await().atMost(Duration.ofSeconds(10)).until(() ->
        Api.of(coordinator).get("/api/v5/nodes/" + donor.name()).body().path("live_connections").asInt() == 10);
    var r = Api.of(coordinator).post("/api/v5/load_rebalance/" + coordinator.name() + "/start",
        "{\"wait_health_check\": 60, \"abs_conn_threshold\": 1, \"abs_sess_threshold\": 1}");
    assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> "rebalance".equals(
        Api.of(donor).get("/api/v5/load_rebalance/status").body().path("process").asText()));
  }

  private static String evacuationStart(BrokerNode n) {
    return "/api/v5/load_rebalance/" + n.name() + "/evacuation/start";
  }

  private static String evacuationStop(BrokerNode n) {
    return "/api/v5/load_rebalance/" + n.name() + "/evacuation/stop";
  }
}
