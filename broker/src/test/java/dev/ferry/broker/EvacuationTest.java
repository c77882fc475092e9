package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.broker.EmqxProfile.Improvement;
import dev.ferry.broker.support.Api;
import dev.ferry.broker.support.Cluster3;
import dev.ferry.broker.support.TestClient;
import io.netty.handler.codec.mqtt.MqttProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Evacuations with real sockets, as EMQX runs them: one burst of the rate a second, refusals without
 * the REST redirect, sessions handed to the recipients; and the improvements that change that.
 */
class EvacuationTest {

  @Test
  void evacuatesAThousandClientsInOneBurstOfTheRateASecondThenProhibits() throws Exception {
    try (Cluster3 c = new Cluster3(41, 2)) {
      BrokerNode a = c.get(0);
      List<TestClient> clients = connectAll(a, "e-", 1000);

      long started = System.currentTimeMillis();
      var r = Api.of(a).post("/api/v5/load_rebalance/" + a.name() + "/evacuation/start",
          "{\"conn_evict_rate\": 200, \"sess_evict_rate\": 200, \"wait_health_check\": 0, \"wait_takeover\": 1,"
              + " \"redirect_to\": \"mqtt.example.com:1883\"}");
      assertThat(r.status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(30)).until(() -> clients.stream().noneMatch(TestClient::isOpen));
      long evicted = clients.stream().mapToLong(t -> t.disconnectedAtMillis).max().orElseThrow() - started;

      // Each client once, with 0x9C and, as EMQX does with a redirect_to given over REST, no
      // Server-Reference.
      assertThat(clients).allSatisfy(t -> {
        assertThat(t.disconnectReason).isEqualTo(0x9C);
        assertThat(t.serverReference).isNull();
      });
      assertThat(a.stats().connectionsEvicted()).isEqualTo(1000);
      // As EMQX: the whole rate in one burst per tick, the next tick a second after the work ended.
      List<long[]> log = a.evictionLog();
      String batches = log.stream().map(b -> b[0] + ":" + b[1]).toList().toString();
      assertThat(log).as(batches).hasSize(5).allSatisfy(batch -> assertThat(batch[1]).isEqualTo(200));
      for (int i = 1; i < log.size(); i++) {
        assertThat(log.get(i)[0] - log.get(i - 1)[0]).as(batches).isGreaterThanOrEqualTo(1000);
      }
      // About 4 s from the first burst to the last; slack for a loaded machine.
      assertThat(evicted).isBetween(3_500L, 15_000L);

      await().atMost(Duration.ofSeconds(15)).until(() -> "prohibiting".equals(Api.of(a).evacuationState(a.name())));
      // Still refusing: MQTT 5 with 0x9C (no reference), 3.1.1 with return code 3.
      try (TestClient late5 = new TestClient(5, "late5"); TestClient late3 = new TestClient(4, "late3")) {
        assertThat(late5.connect(a.mqttAddress(), true, 0)).isEqualTo(0x9C);
        assertThat(late5.connackProperties().getProperty(MqttProperties.SERVER_REFERENCE)).isNull();
        assertThat(late3.connect(a.mqttAddress(), true, 0)).isEqualTo(3);
      }
      assertThat(Api.of(a).get("/api/v5/load_rebalance/availability_check").status()).isEqualTo(503);
      assertThat(Api.of(a).post("/api/v5/load_rebalance/" + a.name() + "/evacuation/stop", null).status()).isEqualTo(200);
      try (TestClient after = new TestClient(4, "after")) {
        assertThat(after.connect(a.mqttAddress(), true, 0)).isZero();
      }
    }
  }

  @Test
  void redirectToReachesClientsOnlyWithTheImprovement() throws Exception {
    EmqxProfile redirecting = EmqxProfile.DEFAULT.withImprovements(Set.of(Improvement.REDIRECT_OVER_REST));
    try (BrokerNode a = BrokerNode.start(BrokerConfig.onHost("127.0.43.1", "key", "secret").withEmqx(redirecting))) {
      List<TestClient> clients = connectAll(a, "r-", 20);
      var r = Api.of(a).post("/api/v5/load_rebalance/" + a.name() + "/evacuation/start",
          "{\"conn_evict_rate\": 100, \"wait_health_check\": 0, \"redirect_to\": \"mqtt.example.com:1883\"}");
      assertThat(r.status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(15)).until(() -> clients.stream().noneMatch(TestClient::isOpen));
      assertThat(clients).allSatisfy(t -> {
        assertThat(t.disconnectReason).isEqualTo(0x9C);
        assertThat(t.serverReference).isEqualTo("mqtt.example.com:1883");
      });
      try (TestClient late5 = new TestClient(5, "r-late5")) {
        assertThat(late5.connect(a.mqttAddress(), true, 0)).isEqualTo(0x9C);
        assertThat(late5.connackProperties().getProperty(MqttProperties.SERVER_REFERENCE).value())
            .isEqualTo("mqtt.example.com:1883");
      }
    }
  }

  @Test
  void moreEvictionSlicesSpreadTheRateOverTheSecond() throws Exception {
    try (BrokerNode a = BrokerNode.start(BrokerConfig.onHost("127.0.43.2", "key", "secret").withEvictionSlices(10))) {
      List<TestClient> clients = connectAll(a, "s-", 300);
      var r = Api.of(a).post("/api/v5/load_rebalance/" + a.name() + "/evacuation/start",
          "{\"conn_evict_rate\": 100, \"wait_health_check\": 0}");
      assertThat(r.status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(20)).until(() -> clients.stream().noneMatch(TestClient::isOpen));
      List<long[]> log = a.evictionLog();
      String batches = log.stream().map(b -> b[0] + ":" + b[1]).toList().toString();
      // A tenth of the rate at a time, and never more than the rate within any second.
      assertThat(log).as(batches).allSatisfy(batch -> assertThat(batch[1]).isLessThanOrEqualTo(10));
      assertThat(log.stream().mapToLong(b -> b[1]).sum()).isEqualTo(300);
      for (long[] batch : log) {
        long inWindow = log.stream().filter(b -> b[0] >= batch[0] && b[0] < batch[0] + 1000).mapToLong(b -> b[1]).sum();
        assertThat(inWindow).as(batches).isLessThanOrEqualTo(100);
      }
    }
  }

  private static List<TestClient> connectAll(BrokerNode node, String prefix, int n) {
    List<TestClient> clients = TestClient.fleet(node.mqttAddress(), prefix, n);
    await().atMost(Duration.ofSeconds(10)).until(() -> node.stats().connections() == n);
    return clients;
  }

  @Test
  void sessionsThatDidNotComeBackMoveToRecipientsWithTheirQueuedMessages() throws Exception {
    try (Cluster3 c = new Cluster3(42, 3)) {
      BrokerNode a = c.get(0);
      int n = 20;
      for (int i = 0; i < n; i++) {
        TestClient t = new TestClient(i % 2 == 0 ? 5 : 4, "h-" + i);
        t.connect(a.mqttAddress(), false, 600);
        t.subscribe("h/" + i, 1);
      }
      try (TestClient pub = new TestClient(5, "h-pub")) {
        pub.connect(c.get(2).mqttAddress(), true, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
          // routes reach node 3 within a status period
          return true;
        });
        Thread.sleep(500);
        var r = Api.of(a).post("/api/v5/load_rebalance/" + a.name() + "/evacuation/start",
            "{\"conn_evict_rate\": 50, \"sess_evict_rate\": 5, \"wait_health_check\": 0, \"wait_takeover\": \"2s\","
                + " \"migrate_to\": [\"" + c.get(1).name() + "\", \"" + c.get(2).name() + "\"]}");
        assertThat(r.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.stats().connections() == 0);
        // Published while the sessions wait on a, disconnected.
        for (int i = 0; i < n; i++) {
          pub.publish("h/" + i, "during-" + i, 1);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> "prohibiting".equals(Api.of(a).evacuationState(a.name())));
        assertThat(a.stats().sessions()).isZero();
        // n handed-over sessions, plus the publisher's own on node 3.
        await().until(() -> c.get(1).stats().sessions() + c.get(2).stats().sessions() == n + 1);
        assertThat(a.stats().sessionsHandedOver()).isEqualTo(n);
        // Published after the hand-over.
        for (int i = 0; i < n; i++) {
          pub.publish("h/" + i, "after-" + i, 1);
        }
      }
      // Every client comes back on node 2, wherever its session went: nothing lost.
      for (int i = 0; i < n; i++) {
        try (TestClient back = new TestClient(i % 2 == 0 ? 5 : 4, "h-" + i)) {
          assertThat(back.connect(c.get(1).mqttAddress(), false, 600)).isZero();
          assertThat(back.sessionPresent()).isTrue();
          List<String> got = new ArrayList<>();
          for (int k = 0; k < 2; k++) {
            TestClient.Received m = back.next(5);
            assertThat(m).as("message %d of client %d", k, i).isNotNull();
            got.add(m.payload());
          }
          assertThat(got).containsExactly("during-" + i, "after-" + i);
          assertThat(back.next(1)).isNull(); // and no duplicate
        }
      }
    }
  }
}
