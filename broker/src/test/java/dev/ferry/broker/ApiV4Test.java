package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.broker.support.HttpCall;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** EMQX Enterprise 4.4's dialect: /api/v4, errors as HTTP 200 with a code, wrapped /nodes. */
class ApiV4Test {

  private static final String AUTH = HttpCall.basic("app", "app-secret");
  static BrokerNode a;
  static BrokerNode b;

  static BrokerConfig v4(String host, EmqxProfile profile) {
    return BrokerConfig.onHost(host, "app", "app-secret").withEmqx(profile);
  }

  @BeforeAll
  static void start() {
    a = BrokerNode.start(v4("127.0.33.1", EmqxProfile.ENTERPRISE_4_4));
    b = BrokerNode.start(v4("127.0.33.2", EmqxProfile.ENTERPRISE_4_4).withPeers(List.of(a.clusterAddress())));
    await().atMost(Duration.ofSeconds(15)).until(() -> nodes(a).size() == 2 && nodes(b).size() == 2);
  }

  @AfterAll
  static void stop() {
    b.close();
    a.close();
  }

  static JsonNode nodes(BrokerNode n) {
    return HttpCall.get(n.apiUrl() + "/api/v4/nodes", AUTH).json().get("data");
  }

  static HttpCall.Reply post(BrokerNode via, String node, String op, String body) {
    return HttpCall.post(via.apiUrl() + "/api/v4/load_rebalance/" + node + "/" + op, AUTH, body);
  }

  static JsonNode globalStatus(BrokerNode n) {
    return HttpCall.get(n.apiUrl() + "/api/v4/load_rebalance/global_status", AUTH).json();
  }

  @Test
  void unknownPathsAre404TextWithoutCredentials() {
    for (String path : List.of("/api/v4/nothing", "/api/v5/nodes")) {
      var r = HttpCall.get(a.apiUrl() + path, null);
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.body()).isEqualTo("Not found.");
    }
  }

  @Test
  void badCredentialsAre401Text() {
    for (String auth : new String[] {null, HttpCall.basic("app", "nope"), "Bearer x"}) {
      var r = HttpCall.get(a.apiUrl() + "/api/v4/nodes", auth);
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.body()).isEqualTo("UNAUTHORIZED");
      assertThat(r.header("WWW-Authenticate")).isEqualTo("Basic Realm=\"minirest-server\"");
    }
    // Public from 4.4.24.
    assertThat(HttpCall.get(a.apiUrl() + "/api/v4/load_rebalance/availability_check", null).status()).isEqualTo(200);
  }

  @Test
  void nodesAreWrappedAndRunning() {
    var r = HttpCall.get(a.apiUrl() + "/api/v4/nodes", AUTH).json();
    assertThat(r.get("code").asInt()).isZero();
    JsonNode first = r.get("data").get(0);
    assertThat(first.get("node_status").asText()).isEqualTo("Running");
    assertThat(first.get("version").asText()).isEqualTo("4.4.24");
    assertThat(first.get("otp_release").asText()).contains("/");
    assertThat(first.get("uptime").asText()).endsWith("seconds");
    assertThat(first.has("connections")).isTrue();
    assertThat(first.has("edition")).isFalse();
  }

  @Test
  void evacuationAsThe44PluginRunsIt() {
    var unknown = post(a, b.name(), "evacuation/start", "{\"wait_health_check\": 60}");
    assertThat(unknown.status()).isEqualTo(200);
    assertThat(unknown.json().get("code").asInt()).isEqualTo(400);
    assertThat(unknown.json().get("message").asText())
        .isEqualTo("Unknown evacuation param: {<<\"wait_health_check\">>,60}");
    assertThat(post(a, b.name(), "evacuation/start", "{\"wait_takeover\": 0}").json().get("message").asText())
        .isEqualTo("invalid wait_takeover value");
    assertThat(post(a, "emqx@1.2.3.4", "evacuation/start", "{}").json().get("message").asText())
        .isEqualTo("invalid node: emqx@1.2.3.4");
    assertThat(post(a, b.name(), "evacuation/stop", null).json().get("message").asText()).isEqualTo("not_started");

    String body = "{\"conn_evict_rate\": 10, \"sess_evict_rate\": 10, \"migrate_to\": [\"" + a.name() + "\"]}";
    var started = post(a, b.name(), "evacuation/start", body);
    assertThat(started.status()).isEqualTo(200);
    assertThat(started.body()).isEqualTo("{\"code\":0,\"data\":[]}");
    try {
      assertThat(post(a, b.name(), "evacuation/start", body).json().get("message").asText()).isEqualTo("already_started");
      var availability = HttpCall.get(b.apiUrl() + "/api/v4/load_rebalance/availability_check", null);
      assertThat(availability.status()).isEqualTo(503);
      assertThat(availability.body()).isEqualTo("{}");
      await().atMost(Duration.ofSeconds(5)).until(() -> globalStatus(a).get("evacuations").size() == 1);
      JsonNode g = globalStatus(a);
      assertThat(g.has("code")).isFalse();
      assertThat(g.has("purges")).isFalse();
      assertThat(g.get("evacuations").isArray()).isTrue();
      assertThat(g.get("evacuations").get(0).get("node").asText()).isEqualTo(b.name());
      // No health-check wait in 4.4: it goes on to evict at once.
      await().atMost(Duration.ofSeconds(5)).until(() -> !"waiting_health_check".equals(
          globalStatus(a).get("evacuations").get(0).get("state").asText()));
      JsonNode local = HttpCall.get(b.apiUrl() + "/api/v4/load_rebalance/status", AUTH).json();
      assertThat(local.get("status").asText()).isEqualTo("enabled");
      assertThat(local.get("process").asText()).isEqualTo("evacuation");
    } finally {
      assertThat(post(a, b.name(), "evacuation/stop", null).body()).isEqualTo("{\"code\":0,\"data\":[]}");
    }
    assertThat(HttpCall.get(b.apiUrl() + "/api/v4/load_rebalance/status", AUTH).json().get("status").asText())
        .isEqualTo("disabled");
  }

  @Test
  void rebalanceTakesTheHealthCheckWaitAndSaysNothingToBalance() {
    // a learns of an evacuation's end with b's next status (another test may just have stopped one).
    await().atMost(Duration.ofSeconds(5)).until(() -> globalStatus(a).get("evacuations").isEmpty());
    var r = post(a, a.name(), "start", "{\"wait_health_check\": 5, \"conn_evict_rate\": 10, \"nodes\": [\""
        + a.name() + "\", \"" + b.name() + "\"]}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("code").asInt()).isEqualTo(400);
    assertThat(r.json().get("message").asText()).isEqualTo("nothing_to_balance");
    assertThat(post(a, a.name(), "start", "{\"rel_conn_threshold\": 1.0}").json().get("message").asText())
        .isEqualTo("invalid rel_conn_threshold value");
    assertThat(post(a, a.name(), "stop", null).json().get("message").asText()).isEqualTo("not_started");
  }

  @Test
  void theEarlyKeyedGlobalStatusAndVersionsBefore4424() {
    EmqxProfile early = EmqxProfile.ENTERPRISE_4_4.withVersion("4.4.20", "Enterprise").withKeyedV4GlobalStatus(true);
    try (BrokerNode n = BrokerNode.start(v4("127.0.33.5", early))) {
      assertThat(HttpCall.get(n.apiUrl() + "/api/v4/load_rebalance/availability_check", null).status()).isEqualTo(401);
      assertThat(HttpCall.get(n.apiUrl() + "/api/v4/load_rebalance/availability_check", AUTH).status()).isEqualTo(200);
      assertThat(globalStatus(n).get("evacuations").isObject()).isTrue();
      assertThat(post(n, n.name(), "evacuation/start", "{}").json().get("code").asInt()).isZero();
      JsonNode entry = globalStatus(n).get("evacuations").get(n.name());
      assertThat(entry.get("state").asText()).isNotEmpty();
      assertThat(entry.has("node")).isFalse();
      assertThat(post(n, n.name(), "evacuation/stop", null).json().get("code").asInt()).isZero();
    }
  }

  @Test
  void opensource44HasNoLoadRebalance() {
    try (BrokerNode n = BrokerNode.start(v4("127.0.33.6", EmqxProfile.ENTERPRISE_4_4.withVersion("4.4.19", "Opensource")))) {
      var r = post(n, n.name(), "evacuation/start", "{}");
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.body()).isEqualTo("Not found.");
      assertThat(HttpCall.get(n.apiUrl() + "/api/v4/nodes", AUTH).status()).isEqualTo(200);
    }
  }

  @Test
  void aStoppedNodeIsLeftOutOfNodesAndCannotBeReached() {
    BrokerNode lonely = BrokerNode.start(v4("127.0.33.9", EmqxProfile.ENTERPRISE_4_4).withPeers(List.of(a.clusterAddress())));
    await().atMost(Duration.ofSeconds(10)).until(() -> nodes(a).size() == 3);
    String name = lonely.name();
    lonely.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> nodes(a).size() == 2);
    assertThat(post(a, name, "evacuation/start", "{}").json().get("message").asText())
        .isEqualTo("Error communicating with node '" + name + "'");
  }
}
