package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.broker.EmqxProfile.ApiKey;
import dev.ferry.broker.support.HttpCall;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the API serves depends on the EMQX version and edition the node stands for. */
class ApiVersionsTest {

  private static final String ADMIN = HttpCall.basic("key", "secret");
  private static final String VIEWER = HttpCall.basic("viewer", "viewer-secret");

  private static BrokerNode node(String host, EmqxProfile profile) {
    return BrokerNode.start(BrokerConfig.onHost(host, "key", "secret").withEmqx(profile));
  }

  private static String evacuation(BrokerNode n, String op) {
    return n.apiUrl() + "/api/v5/load_rebalance/" + n.name() + "/evacuation/" + op;
  }

  @Test
  void opensourceBefore59HasNoLoadRebalanceAtAll() {
    try (BrokerNode n = node("127.0.32.1", EmqxProfile.DEFAULT.withVersion("5.8.1", "Opensource"))) {
      for (String auth : new String[] {null, ADMIN}) {
        var r = HttpCall.post(evacuation(n, "start"), auth, "{}");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("code").asText()).isEqualTo("NOT_FOUND");
        assertThat(r.json().get("message").asText()).isEqualTo("Request Path Not Found");
        assertThat(HttpCall.get(n.apiUrl() + "/api/v5/load_rebalance/availability_check", auth).status()).isEqualTo(404);
      }
      var nodes = HttpCall.get(n.apiUrl() + "/api/v5/nodes", ADMIN).json();
      assertThat(nodes.get(0).get("edition").asText()).isEqualTo("Opensource");
      assertThat(nodes.get(0).get("version").asText()).isEqualTo("5.8.1");
    }
  }

  @Test
  void enterprise50KnowsNoEvacuationHealthCheckAndWantsCredentialsForAvailability() {
    try (BrokerNode n = node("127.0.32.2", EmqxProfile.DEFAULT.withVersion("5.0.4", "Enterprise"))) {
      var r = HttpCall.post(evacuation(n, "start"), ADMIN, "{\"wait_health_check\": 10}");
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.json().get("code").asText()).isEqualTo("BAD_REQUEST");
      assertThat(r.json().get("message").asText()).contains("unknown_fields").contains("wait_health_check");
      assertThat(HttpCall.get(n.apiUrl() + "/api/v5/load_rebalance/availability_check", null).status()).isEqualTo(401);
      assertThat(HttpCall.post(evacuation(n, "start"), ADMIN, "{\"conn_evict_rate\": 10}").status()).isEqualTo(200);
      assertThat(HttpCall.get(n.apiUrl() + "/api/v5/load_rebalance/availability_check", ADMIN).status()).isEqualTo(503);
      assertThat(HttpCall.post(evacuation(n, "stop"), ADMIN, null).status()).isEqualTo(200);
      // 5.0 has no purges in global_status.
      assertThat(HttpCall.get(n.apiUrl() + "/api/v5/load_rebalance/global_status", ADMIN).json().has("purges")).isFalse();
    }
  }

  @Test
  void aViewerKeyMayReadButNotChangeWhereKeysHaveRoles() {
    EmqxProfile withViewer = EmqxProfile.DEFAULT.withViewerKeys(List.of(new ApiKey("viewer", "viewer-secret")));
    try (BrokerNode n = node("127.0.32.3", withViewer)) {
      assertThat(HttpCall.get(n.apiUrl() + "/api/v5/nodes", VIEWER).status()).isEqualTo(200);
      var r = HttpCall.post(evacuation(n, "start"), VIEWER, "{}");
      assertThat(r.status()).isEqualTo(403);
      assertThat(r.json().get("code").asText()).isEqualTo("UNAUTHORIZED_ROLE");
      assertThat(r.json().get("message").asText()).isEqualTo("This API Key don't have permission to access this resource");
      assertThat(HttpCall.get(n.apiUrl() + "/api/v5/load_rebalance/global_status", VIEWER).json().has("purges")).isTrue();
    }
    // Before 5.4 API keys had no role: the same key may do anything.
    try (BrokerNode n = node("127.0.32.4", withViewer.withVersion("5.3.2", "Enterprise"))) {
      assertThat(HttpCall.post(evacuation(n, "start"), VIEWER, "{}").status()).isEqualTo(200);
      assertThat(HttpCall.post(evacuation(n, "stop"), VIEWER, null).status()).isEqualTo(200);
    }
  }

  @Test
  void emqx62ExplainsAMissingHeaderAtLength() {
    try (BrokerNode n = node("127.0.32.5", EmqxProfile.DEFAULT.withVersion("6.2.2", "Enterprise"))) {
      var r = HttpCall.get(n.apiUrl() + "/api/v5/nodes", null);
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.json().get("code").asText()).isEqualTo("AUTHORIZATION_HEADER_ERROR");
      assertThat(r.json().get("message").asText()).startsWith("Missing authorization header.");
      var json = HttpCall.get(n.apiUrl() + "/status?format=json", null).json();
      assertThat(json.has("cluster")).isTrue();
      assertThat(json.has("rel_vsn")).isFalse();
    }
  }

  @Test
  void rebalanceRpcTimeoutsExistFrom59() {
    String body = "{\"conn_evict_rpc_timeout\": \"10s\"}";
    try (BrokerNode n = node("127.0.32.6", EmqxProfile.DEFAULT.withVersion("5.8.9", "Enterprise"))) {
      var r = HttpCall.post(n.apiUrl() + "/api/v5/load_rebalance/" + n.name() + "/start", ADMIN, body);
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.json().get("message").asText()).contains("conn_evict_rpc_timeout");
      // The JSON status's content type was misspelled up to 5.8.0; 5.8.9 spells it right.
      assertThat(HttpCall.get(n.apiUrl() + "/status?format=json", null).contentType()).isEqualTo("application/json");
    }
    try (BrokerNode n = node("127.0.32.7", EmqxProfile.DEFAULT)) {
      var r = HttpCall.post(n.apiUrl() + "/api/v5/load_rebalance/" + n.name() + "/start", ADMIN, body);
      assertThat(r.json().get("message").asText()).endsWith("nothing_to_balance"); // past the schema
    }
  }

  @Test
  void theStatusJsonContentTypeWasMisspelledUpTo580() {
    try (BrokerNode n = node("127.0.32.8", EmqxProfile.DEFAULT.withVersion("5.6.1", "Enterprise"))) {
      var r = HttpCall.get(n.apiUrl() + "/status?format=json", null);
      assertThat(r.contentType()).isEqualTo("applicatin/json");
      assertThat(r.json().get("rel_vsn").asText()).isEqualTo("5.6.1");
    }
  }
}
