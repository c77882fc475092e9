package dev.ferry.operator.emqx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The EMQX client against a lab broker that answers the contract's API, errors included. */
class EmqxClientTest {
  static BrokerNode a;
  static BrokerNode b;

  @BeforeAll
  static void brokers() {
    a = BrokerNode.start(BrokerConfig.onHost("127.0.4.1", "ferry", "topsecret"));
    b = BrokerNode.start(BrokerConfig.onHost("127.0.4.2", "ferry", "topsecret").withPeers(List.of(a.clusterAddress())));
    a.join(b.clusterAddress());
  }

  @AfterAll
  static void stop() {
    b.close();
    a.close();
  }

  static EmqxClient client(BrokerNode n, String secret) {
    return new EmqxClient(EmqxClient.newHttpClient(),
        EmqxClient.baseOf(n.apiAddress().getHostString(), n.apiAddress().getPort()), new EmqxCredentials("ferry", secret));
  }

  @Test
  void listsTheNodesWithTheirCounts() throws Exception {
    org.awaitility.Awaitility.await().until(() -> client(a, "topsecret").nodes().size() == 2);
    var nodes = client(a, "topsecret").nodes();
    assertThat(nodes).extracting(EmqxModel.Node::node).contains("emqx@127.0.4.1", "emqx@127.0.4.2");
    assertThat(nodes).allMatch(EmqxModel.Node::running);
    assertThat(nodes.get(0).host()).startsWith("127.0.4.");
  }

  @Test
  void startAndStopAreIdempotent() throws Exception {
    EmqxClient c = client(a, "topsecret");
    var req = new EvacuationRequest(100, 100, 1, 0, List.of("emqx@127.0.4.2"), null);
    c.startEvacuation("emqx@127.0.4.1", req);
    c.startEvacuation("emqx@127.0.4.1", req); // already_started counts as started
    assertThat(c.globalStatus().evacuations()).extracting(EmqxModel.Evacuation::node).containsExactly("emqx@127.0.4.1");
    c.stopEvacuation("emqx@127.0.4.1");
    c.stopEvacuation("emqx@127.0.4.1"); // not_started counts as stopped
    assertThat(c.globalStatus().evacuations()).isEmpty();
  }

  @Test
  void errorsCarryTheStatusAndCodeButNeverTheCredentials() {
    assertThatThrownBy(() -> client(a, "wrong").nodes())
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.status()).isEqualTo(401);
          assertThat(e.code()).isEqualTo("BAD_USERNAME_OR_PWD");
          assertThat(e.transientFailure()).isFalse();
          assertThat(e.getMessage()).doesNotContain("wrong").doesNotContain("topsecret");
        });
    assertThatThrownBy(() -> client(a, "topsecret").startEvacuation("emqx@127.0.4.1",
            new EvacuationRequest(100, 100, 1, 0, List.of("emqx@nowhere"), null)))
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).contains("Invalid nodes");
        });
  }

  @Test
  void anUnreachableNodeIsATransientFailureAfterRetries() {
    EmqxClient c = new EmqxClient(EmqxClient.newHttpClient(), URI.create("http://127.0.4.9:18083/api/v5"),
        new EmqxCredentials("ferry", "topsecret"));
    assertThatThrownBy(c::nodes).isInstanceOfSatisfying(EmqxException.class, e -> {
      assertThat(e.status()).isZero();
      assertThat(e.transientFailure()).isTrue();
    });
  }

  @Test
  void credentialsNeverPrint() {
    assertThat(new EmqxCredentials("ferry", "topsecret").toString()).doesNotContain("topsecret").doesNotContain("ferry");
  }
}
