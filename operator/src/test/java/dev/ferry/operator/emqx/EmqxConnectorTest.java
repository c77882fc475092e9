package dev.ferry.operator.emqx;

import static dev.ferry.operator.emqx.TestCredentials.CREDENTIALS;
import static dev.ferry.operator.emqx.TestCredentials.KEY;
import static dev.ferry.operator.emqx.TestCredentials.SECRET;
import static dev.ferry.operator.emqx.TestCredentials.assertNoCredential;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.api.v1alpha1.EmqxApiVersion;
import dev.ferry.api.v1alpha1.EmqxDrain;
import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.operator.emqx.EmqxApi.Dialect;
import dev.ferry.operator.emqx.EmqxConnector.Settings;
import dev.ferry.operator.emqx.EmqxException.Kind;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** From the spec's settings to a pod's API: the dialect found or configured, IPv6, the cache. */
class EmqxConnectorTest {

  /** A node whose API listens on {@code apiPort} of {@code host} (EMQX's fixed ports, in this network namespace). */
  static BrokerNode onPort(String host, int apiPort, EmqxProfile profile) {
    BrokerConfig c = BrokerConfig.onHost(host, KEY, SECRET);
    return BrokerNode.start(new BrokerConfig(c.name(), c.mqtt(), new InetSocketAddress(host, apiPort), c.cluster(),
        List.of(), KEY, SECRET, 7200, 1000, 32, profile));
  }

  static EmqxConnector auto(Integer port) {
    return new EmqxConnector(new Settings(EmqxApiVersion.AUTO, port, false, null, "emqx-api", EmqxTimeouts.DEFAULT),
        CREDENTIALS, null);
  }

  @Test
  void autoFindsV5On18083AndV4On8081AndRemembersIt() throws Exception {
    try (BrokerNode v5 = onPort("127.0.48.1", 18083, EmqxProfile.DEFAULT);
        BrokerNode v4 = onPort("127.0.48.2", 8081, EmqxProfile.ENTERPRISE_4_4)) {
      EmqxApi five = auto(null).connect("127.0.48.1");
      assertThat(five.dialect()).isEqualTo(Dialect.V5);
      assertThat(five.base()).hasToString("http://127.0.48.1:18083/api/v5");
      assertThat(five.nodes()).extracting(EmqxModel.Node::node).containsExactly(v5.name());
      EmqxApi four = auto(null).connect("127.0.48.2"); // nothing on 18083 there
      assertThat(four.dialect()).isEqualTo(Dialect.V4);
      assertThat(four.base()).hasToString("http://127.0.48.2:8081/api/v4");
      assertThat(four.nodes()).extracting(EmqxModel.Node::node).containsExactly(v4.name());
    }
    // Gone, but remembered: a new connector (next pass) asks nobody.
    assertThat(auto(null).connect("127.0.48.2").dialect()).isEqualTo(Dialect.V4);
  }

  @Test
  void autoOnAConfiguredPortTriesBothDialectsThere() throws Exception {
    try (BrokerNode v4 = BrokerNode.start(BrokerConfig.onHost("127.0.48.3", KEY, SECRET).withEmqx(EmqxProfile.ENTERPRISE_4_4))) {
      int port = v4.apiAddress().getPort();
      EmqxApi api = auto(port).connect("127.0.48.3");
      assertThat(api.dialect()).isEqualTo(Dialect.V4);
      assertThat(api.base().getPort()).isEqualTo(port);
    }
  }

  @Test
  void autoWithWrongCredentialsStillFindsTheDialectAndThenSaysSo() throws Exception {
    try (BrokerNode v5 = BrokerNode.start(BrokerConfig.onHost("127.0.48.4", KEY, "another-secret"))) {
      EmqxApi api = auto(v5.apiAddress().getPort()).connect("127.0.48.4");
      assertThat(api.dialect()).isEqualTo(Dialect.V5);
      assertThatThrownBy(api::nodes).isInstanceOfSatisfying(EmqxException.class, e -> {
        assertThat(e.kind()).isEqualTo(Kind.CREDENTIALS);
        assertThat(e.getMessage()).contains("Secret 'emqx-api'");
        assertNoCredential(e, "another-secret");
      });
    }
  }

  @Test
  void nothingListeningIsUnreachable() {
    assertThatThrownBy(() -> auto(null).connect("127.0.48.9")).isInstanceOfSatisfying(EmqxException.class, e -> {
      assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE);
      assertThat(e.transientFailure()).isTrue();
      assertThat(e.getMessage()).contains("127.0.48.9:18083").contains("127.0.48.9:8081");
      assertNoCredential(e);
    });
    assertThatThrownBy(() -> auto(null).connect(null)).isInstanceOfSatisfying(EmqxException.class,
        e -> assertThat(e.transientFailure()).isTrue());
  }

  @Test
  void anIpv6PodIsReachedInBrackets() throws Exception {
    try (BrokerNode n = BrokerNode.start(BrokerConfig.onHost("::1", KEY, SECRET))) {
      for (EmqxApiVersion v : new EmqxApiVersion[] {EmqxApiVersion.V5, EmqxApiVersion.AUTO}) {
        EmqxApi api = new EmqxConnector(new Settings(v, n.apiAddress().getPort(), false, null, null, EmqxTimeouts.DEFAULT),
            CREDENTIALS, null).connect("::1");
        assertThat(api.base().toString()).startsWith("http://[::1]:");
        assertThat(api.nodes()).extracting(EmqxModel.Node::node).containsExactly("emqx@::1");
        api.startEvacuation("emqx@::1", new EmqxModel.EvacuationRequest(10, 10, 5, 30, null, null));
        api.stopEvacuation("emqx@::1");
      }
    }
  }

  @Test
  void settingsComeFromTheSpec() {
    EmqxDrain spec = new EmqxDrain();
    spec.setApiKeySecret("emqx-api");
    spec.setScheme("https");
    spec.setServerName("emqx.example");
    spec.setPort(18084);
    Settings s = Settings.of(spec);
    assertThat(s.apiVersion()).isEqualTo(EmqxApiVersion.AUTO);
    assertThat(s.https()).isTrue();
    assertThat(s.port()).isEqualTo(18084);
    assertThat(s.serverName()).isEqualTo("emqx.example");
    assertThat(s.credentialsSecret()).isEqualTo("emqx-api");
    assertThat(s.timeouts()).isEqualTo(EmqxTimeouts.DEFAULT);
  }
}
