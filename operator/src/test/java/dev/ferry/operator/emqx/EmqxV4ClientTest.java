package dev.ferry.operator.emqx;

import static dev.ferry.operator.emqx.TestCredentials.CREDENTIALS;
import static dev.ferry.operator.emqx.TestCredentials.KEY;
import static dev.ferry.operator.emqx.TestCredentials.SECRET;
import static dev.ferry.operator.emqx.TestCredentials.assertNoCredential;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.operator.emqx.EmqxException.Kind;
import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import dev.ferry.operator.emqx.EmqxModel.RebalanceRequest;
import dev.ferry.operator.support.Clients;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The EMQX Enterprise 4.4 client end to end against lab brokers of that dialect. The broker refuses
 * what 4.4 refuses (wait_health_check in an evacuation, a zero wait_takeover), so a start that
 * succeeds proves the client did not send them.
 */
class EmqxV4ClientTest {
  static BrokerNode a;
  static BrokerNode b;
  static final String A = "emqx@127.0.45.1";
  static final String B = "emqx@127.0.45.2";

  static BrokerConfig v4(String host, EmqxProfile profile) {
    return BrokerConfig.onHost(host, KEY, SECRET).withEmqx(profile);
  }

  @BeforeAll
  static void brokers() {
    a = BrokerNode.start(v4("127.0.45.1", EmqxProfile.ENTERPRISE_4_4));
    b = BrokerNode.start(v4("127.0.45.2", EmqxProfile.ENTERPRISE_4_4).withPeers(List.of(a.clusterAddress())));
    await().atMost(Duration.ofSeconds(15)).until(() -> client(a).nodes().size() == 2);
  }

  @AfterAll
  static void stop() {
    b.close();
    a.close();
  }

  static EmqxV4Client client(BrokerNode n) {
    return client(n, CREDENTIALS);
  }

  static EmqxV4Client client(BrokerNode n, EmqxCredentials credentials) {
    return new EmqxV4Client(EmqxClient.newHttpClient(),
        EmqxV4Client.baseOf(n.apiAddress().getHostString(), n.apiAddress().getPort()), credentials);
  }

  @Test
  void nodesAreUnwrappedAndNormalised() throws Exception {
    var nodes = client(a).nodes();
    assertThat(nodes).extracting(EmqxModel.Node::node).containsExactlyInAnyOrder(A, B);
    assertThat(nodes).extracting(EmqxModel.Node::nodeStatus).containsOnly("running");
    assertThat(nodes).allMatch(EmqxModel.Node::running);
    assertThat(nodes).extracting(EmqxModel.Node::version).containsOnly("4.4.24");
    assertThat(nodes.get(0).uptime()).isGreaterThanOrEqualTo(0);
    assertThat(client(a).dialect()).isEqualTo(EmqxApi.Dialect.V4);
    assertThat(client(a).base().toString()).endsWith("/api/v4");
  }

  @Test
  void evacuationWithoutTheHealthCheckAndIdempotent() throws Exception {
    EmqxV4Client c = client(a);
    // wait_health_check and a zero wait_takeover would be refused by 4.4: they are not sent.
    var req = new EvacuationRequest(50, 50, 0, 60, List.of(A), null);
    // B learns that A is free again (after another test's rebalance) from A's next status, 250 ms.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> c.startEvacuation(B, req));
    try {
      c.startEvacuation(B, req); // already_started
      await().atMost(Duration.ofSeconds(5)).until(() -> !c.globalStatus().evacuations().isEmpty());
      assertThat(c.globalStatus().evacuations()).extracting(EmqxModel.Evacuation::node).containsExactly(B);
      var local = client(b).localStatus();
      assertThat(local.enabled()).isTrue();
      assertThat(local.evacuation(B)).isPresent();
      assertThat(client(a).localStatus().enabled()).isFalse();
    } finally {
      c.stopEvacuation(B);
    }
    c.stopEvacuation(B); // not_started
    await().atMost(Duration.ofSeconds(5)).until(() -> c.globalStatus().evacuations().isEmpty());
  }

  @Test
  void rebalanceWithTheHealthCheckAndNothingToBalance() throws Exception {
    EmqxV4Client c = client(a);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.globalStatus().evacuations().isEmpty());
    var req = new RebalanceRequest(10, 10, 5, 60, 1, 1.1, 1, 1.1, List.of(A, B));
    assertThatThrownBy(() -> c.startRebalance(A, req)).isInstanceOfSatisfying(EmqxException.class, e -> {
      assertThat(e.nothingToBalance()).isTrue();
      assertThat(e.status()).as("4.4 answers errors with 200").isEqualTo(200);
      assertThat(e.code()).isEqualTo("400");
      assertThat(e.kind()).isEqualTo(Kind.REJECTED);
    });
    try (Clients clients = Clients.connect(6, () -> a.mqttAddress())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> c.nodes().stream()
          .filter(n -> n.node().equals(A)).allMatch(n -> n.connections() == 6));
      c.startRebalance(A, req);
      c.startRebalance(A, req); // already_started
      assertThat(c.globalStatus().rebalances()).extracting(EmqxModel.RebalanceEntry::coordinatorNode).containsExactly(A);
      c.stopRebalance(A);
      c.stopRebalance(A); // not_started
      assertThat(c.globalStatus().rebalances()).isEmpty();
    }
  }

  @Test
  void theEarlyGlobalStatusKeyedByNodeReadsAsLists() throws Exception {
    EmqxProfile early = EmqxProfile.ENTERPRISE_4_4.withKeyedV4GlobalStatus(true);
    try (BrokerNode n = BrokerNode.start(v4("127.0.45.5", early))) {
      EmqxV4Client c = client(n);
      assertThat(c.globalStatus().evacuations()).isEmpty();
      c.startEvacuation(n.name(), new EvacuationRequest(10, 10, 5, null, null, null));
      try {
        assertThat(c.globalStatus().evacuations()).extracting(EmqxModel.Evacuation::node).containsExactly(n.name());
        assertThat(c.globalStatus().evacuations().get(0).state()).isNotBlank();
      } finally {
        c.stopEvacuation(n.name());
      }
    }
  }

  @Test
  void refusalsAreClassified() {
    assertThatThrownBy(() -> client(a, new EmqxCredentials(KEY, "not-it")).nodes())
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.status()).isEqualTo(401);
          assertThat(e.kind()).isEqualTo(Kind.CREDENTIALS);
          assertThat(e.setupProblem()).isTrue();
          assertThat(e.getMessage()).contains("credentials refused");
          assertNoCredential(e, "not-it");
        });
    assertThatThrownBy(() -> client(a).startEvacuation("emqx@1.2.3.4", new EvacuationRequest(1, 1, null, null, null, null)))
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.kind()).isEqualTo(Kind.REJECTED);
          assertThat(e.serverMessage()).isEqualTo("invalid node: emqx@1.2.3.4");
        });
    try (BrokerNode oss = BrokerNode.start(v4("127.0.45.6", EmqxProfile.ENTERPRISE_4_4.withVersion("4.4.19", "Opensource")))) {
      assertThatThrownBy(() -> client(oss).globalStatus()).isInstanceOfSatisfying(EmqxException.class, e -> {
        assertThat(e.noNodeEvacuation()).isTrue();
        assertThat(e.setupProblem()).isTrue();
        assertThat(e.getMessage()).contains("this EMQX (4.4.19) has no node evacuation")
            .contains("emqx_node_rebalance");
      });
    }
  }

  @Test
  void uptimeTextBecomesMilliseconds() {
    assertThat(EmqxV4Client.uptimeMillis("7 seconds")).isEqualTo(7_000);
    assertThat(EmqxV4Client.uptimeMillis("1 days, 2 hours, 3 minutes, 4 seconds")).isEqualTo((86400 + 7200 + 180 + 4) * 1000L);
    assertThat(EmqxV4Client.uptimeMillis("soon")).isZero();
  }
}
