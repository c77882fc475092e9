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
import dev.ferry.operator.emqx.EmqxException.Kind;
import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import dev.ferry.operator.emqx.EmqxModel.RebalanceRequest;
import dev.ferry.operator.support.Clients;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The EMQX 5 client end to end against two lab brokers (EMQX 5.10 Enterprise by default), errors included. */
class EmqxClientTest {
  static BrokerNode a;
  static BrokerNode b;

  @BeforeAll
  static void brokers() {
    a = BrokerNode.start(BrokerConfig.onHost("127.0.4.1", KEY, SECRET));
    b = BrokerNode.start(BrokerConfig.onHost("127.0.4.2", KEY, SECRET).withPeers(List.of(a.clusterAddress())));
    a.join(b.clusterAddress());
  }

  @AfterAll
  static void stop() {
    b.close();
    a.close();
  }

  static EmqxClient client(BrokerNode n, String secret) {
    return new EmqxClient(EmqxClient.newHttpClient(),
        EmqxClient.baseOf(n.apiAddress().getHostString(), n.apiAddress().getPort()), new EmqxCredentials(KEY, secret));
  }

  @Test
  void listsTheNodesWithTheirCounts() throws Exception {
    await().until(() -> client(a, SECRET).nodes().size() == 2);
    var nodes = client(a, SECRET).nodes();
    assertThat(nodes).extracting(EmqxModel.Node::node).contains("emqx@127.0.4.1", "emqx@127.0.4.2");
    assertThat(nodes).allMatch(EmqxModel.Node::running);
    assertThat(nodes).extracting(EmqxModel.Node::edition).containsOnly("Enterprise");
    assertThat(nodes.get(0).host()).startsWith("127.0.4.");
    assertThat(client(a, SECRET).dialect()).isEqualTo(EmqxApi.Dialect.V5);
  }

  @Test
  void evacuationStartAndStopAreIdempotentAndShowInBothStatuses() throws Exception {
    EmqxClient c = client(a, SECRET);
    var req = new EvacuationRequest(100, 100, 1, 30, List.of("emqx@127.0.4.2"), null);
    c.startEvacuation("emqx@127.0.4.1", req);
    try {
      c.startEvacuation("emqx@127.0.4.1", req); // already_started counts as started
      assertThat(c.globalStatus().evacuations()).extracting(EmqxModel.Evacuation::node).containsExactly("emqx@127.0.4.1");
      var local = c.localStatus();
      assertThat(local.enabled()).isTrue();
      assertThat(local.evacuation("emqx@127.0.4.1")).get().extracting(EmqxModel.Evacuation::state)
          .isEqualTo("waiting_health_check");
      assertThat(client(b, SECRET).localStatus().enabled()).isFalse();
    } finally {
      c.stopEvacuation("emqx@127.0.4.1");
    }
    c.stopEvacuation("emqx@127.0.4.1"); // not_started counts as stopped
    assertThat(c.globalStatus().evacuations()).isEmpty();
  }

  @Test
  void rebalanceStartsStopsAndSaysWhenThereIsNothingToBalance() throws Exception {
    EmqxClient c = client(a, SECRET);
    await().atMost(Duration.ofSeconds(5)).until(() -> c.globalStatus().evacuations().isEmpty());
    var balanced = new RebalanceRequest(10, 10, 1, 60, 1, 1.1, 1, 1.1, List.of("emqx@127.0.4.1", "emqx@127.0.4.2"));
    assertThatThrownBy(() -> c.startRebalance("emqx@127.0.4.1", balanced))
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.nothingToBalance()).isTrue();
          assertThat(e.kind()).isEqualTo(Kind.REJECTED);
          assertThat(e.setupProblem()).isFalse();
          assertThat(e.transientFailure()).isFalse();
        });
    try (Clients clients = Clients.connect(6, () -> a.mqttAddress())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> c.nodes().stream()
          .filter(n -> n.node().equals("emqx@127.0.4.1")).allMatch(n -> n.liveConnections() == 6));
      c.startRebalance("emqx@127.0.4.1", balanced); // 6 against 0: now there is
      c.startRebalance("emqx@127.0.4.1", balanced); // already_started counts as started
      var entry = c.globalStatus().rebalances();
      assertThat(entry).extracting(EmqxModel.RebalanceEntry::coordinatorNode).containsExactly("emqx@127.0.4.1");
      assertThat(entry.get(0).donors()).containsExactly("emqx@127.0.4.1");
      c.stopRebalance("emqx@127.0.4.1");
      c.stopRebalance("emqx@127.0.4.1"); // not_started counts as stopped
      assertThat(c.globalStatus().rebalances()).isEmpty();
    }
  }

  @Test
  void refusedCredentialsAreASetupProblemThatNamesNoSecret() {
    assertThatThrownBy(() -> client(a, "wrong-one").nodes())
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.status()).isEqualTo(401);
          assertThat(e.code()).isEqualTo("BAD_API_KEY_OR_SECRET");
          assertThat(e.kind()).isEqualTo(Kind.CREDENTIALS);
          assertThat(e.setupProblem()).isTrue();
          assertThat(e.transientFailure()).isFalse();
          assertThat(e.getMessage()).contains("GET http://127.0.4.1:").contains("/api/v5/nodes")
              .contains("credentials refused").doesNotContain("wrong-one");
          assertNoCredential(e, "wrong-one");
        });
  }

  @Test
  void aRefusedRequestIsNeitherSetupNorTransient() {
    assertThatThrownBy(() -> client(a, SECRET).startEvacuation("emqx@127.0.4.1",
            new EvacuationRequest(100, 100, 1, 0, List.of("emqx@nowhere"), null)))
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.kind()).isEqualTo(Kind.REJECTED);
          assertThat(e.getMessage()).contains("Invalid nodes");
          assertNoCredential(e);
        });
    assertThatThrownBy(() -> client(a, SECRET).stopEvacuation("emqx@10.9.9.9"))
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.status()).isEqualTo(404);
          assertThat(e.kind()).as("an unknown node is not a missing API").isEqualTo(Kind.REJECTED);
          assertThat(e.serverMessage()).isEqualTo("Node not found: emqx@10.9.9.9");
        });
  }

  @Test
  void anUnreachableNodeIsATransientFailure() {
    EmqxClient c = new EmqxClient(EmqxClient.newHttpClient(), URI.create("http://127.0.4.9:18083/api/v5"), CREDENTIALS);
    assertThatThrownBy(c::nodes).isInstanceOfSatisfying(EmqxException.class, e -> {
      assertThat(e.status()).isZero();
      assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE);
      assertThat(e.transientFailure()).isTrue();
      assertThat(e.setupProblem()).isFalse();
      assertThat(e.getMessage()).startsWith("GET http://127.0.4.9:18083/api/v5/nodes: cannot connect");
      assertNoCredential(e);
    });
  }

  @Test
  void baseOfPutsIpv6InBrackets() {
    assertThat(EmqxClient.baseOf("fd00::5", 18083)).hasToString("http://[fd00::5]:18083/api/v5");
    assertThat(EmqxClient.baseOf("10.0.0.5", 18083)).hasToString("http://10.0.0.5:18083/api/v5");
    assertThat(EmqxV4Client.baseOf("fd00::5", 8081)).hasToString("http://[fd00::5]:8081/api/v4");
  }

  @Test
  void credentialsNeverPrint() {
    assertThat(CREDENTIALS.toString()).doesNotContain(SECRET).doesNotContain(KEY);
  }
}
