package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.broker.support.Api;
import dev.ferry.broker.support.TestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The evacuation's ticks, EMQX's way: one burst of the rate per tick, the next tick armed a second
 * after the tick's work ends, so a tick that starts late delays the next one instead of costing it
 * its burst. The broker thread is held so that the first tick runs 50 ms after its time. (The ticks
 * used to keep to times fixed at the start, so the second came 950 ms after the first, a pacer
 * still counted the first batch in its one-second window, and nothing was evicted until the third:
 * the lab's first drained node had 200, 0, 200 reconnects per second.)
 */
class EvacuationTickTest {

  @Test
  void aLateTickDoesNotCostTheNextSecondItsBatch() throws Exception {
    try (BrokerNode node = BrokerNode.start(BrokerConfig.onHost("127.0.1.47", "key", "secret"))) {
      List<TestClient> clients = new ArrayList<>();
      List<CompletableFuture<?>> acks = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        TestClient t = new TestClient(5, "tick-" + i);
        clients.add(t);
        acks.add(t.connectAsync(node.mqttAddress(), true, 0));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> node.stats().connections() == 300);

      BrokerThreadHold hold = BrokerThreadHold.of(node);
      long tasks = hold.submittedTasks();
      // While the thread is held, only the API call adds a task (the periodic ones wait in the queue).
      var started = CompletableFuture.supplyAsync(() -> Api.of(node).post(
          "/api/v5/load_rebalance/" + node.name() + "/evacuation/start",
          "{\"conn_evict_rate\": 200, \"sess_evict_rate\": 200, \"wait_health_check\": 0, \"wait_takeover\": 1}"));
      await().atMost(Duration.ofSeconds(10)).until(() -> hold.submittedTasks() == tasks + 1);
      // Queued behind the start, ahead of the first tick that the start schedules: it runs late.
      hold.queue(() -> sleep(50));
      hold.close();
      assertThat(started.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(15)).until(() -> clients.stream().noneMatch(TestClient::isOpen));
      List<long[]> log = node.evictionLog();
      String batches = log.stream().map(b -> b[0] + ":" + b[1]).toList().toString();
      assertThat(log).as(batches).hasSize(2);
      assertThat(log.get(0)[1]).isEqualTo(200);
      // The next burst a second after the first one's work: at least 1000 ms later, not 2000 (the
      // bound leaves room for a busy broker thread).
      assertThat(log.get(1)[0] - log.get(0)[0]).as(batches).isBetween(1000L, 1900L);
      clients.forEach(TestClient::close);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
