package dev.ferry.operator.emqx;

import static dev.ferry.operator.emqx.TestCredentials.CREDENTIALS;
import static dev.ferry.operator.emqx.TestCredentials.KEY;
import static dev.ferry.operator.emqx.TestCredentials.SECRET;
import static dev.ferry.operator.emqx.TestCredentials.assertNoCredential;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.api.v1alpha1.EmqxApiVersion;
import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.broker.api.LabCertificates;
import dev.ferry.operator.emqx.EmqxConnector.Settings;
import dev.ferry.operator.emqx.EmqxException.Kind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTPS to a pod reached by its IP: the certificate names only the server name, which the client
 * sends as SNI and the JDK checks against the certificate; the CA comes from a PEM.
 */
class EmqxTlsTest {

  static final String SERVER_NAME = "emqx.ferry.test";
  static LabCertificates ca;
  static BrokerNode https;
  static BrokerNode plain;

  @BeforeAll
  static void brokers() {
    ca = LabCertificates.create("Ferry test CA");
    https = BrokerNode.start(BrokerConfig.onHost("127.0.47.1", KEY, SECRET)
        .withEmqx(EmqxProfile.DEFAULT.withApiTls(ca.server(SERVER_NAME))));
    plain = BrokerNode.start(BrokerConfig.onHost("127.0.47.2", KEY, SECRET));
  }

  @AfterAll
  static void stop() {
    https.close();
    plain.close();
  }

  static EmqxConnector connector(EmqxApiVersion version, int port, String serverName, String caPem) {
    return new EmqxConnector(new Settings(version, port, true, serverName, "emqx-api", EmqxTimeouts.DEFAULT),
        CREDENTIALS, caPem);
  }

  @Test
  void trustsTheCaAndChecksTheServerNameAlthoughTheUrlHasAnIp() throws Exception {
    for (EmqxApiVersion v : new EmqxApiVersion[] {EmqxApiVersion.V5, EmqxApiVersion.AUTO}) {
      EmqxApi api = connector(v, https.apiAddress().getPort(), SERVER_NAME, ca.caPem()).connect("127.0.47.1");
      assertThat(api.base().toString()).startsWith("https://127.0.47.1:");
      assertThat(api.nodes()).extracting(EmqxModel.Node::node).containsExactly(https.name());
    }
  }

  @Test
  void aCertificateThatDoesNotNameTheServerIsRefused() throws Exception {
    EmqxApi api = connector(EmqxApiVersion.V5, https.apiAddress().getPort(), "other.ferry.test", ca.caPem())
        .connect("127.0.47.1");
    assertThatThrownBy(api::nodes).isInstanceOfSatisfying(EmqxException.class, e -> {
      assertThat(e.kind()).isEqualTo(Kind.TLS);
      assertThat(e.setupProblem()).isTrue();
      assertThat(e.getMessage()).contains("https://127.0.47.1:").contains("TLS failed");
      assertNoCredential(e);
    });
    // No server name: the IP itself would have to be in the certificate.
    EmqxApi byIp = connector(EmqxApiVersion.V5, https.apiAddress().getPort(), null, ca.caPem()).connect("127.0.47.1");
    assertThatThrownBy(byIp::nodes).isInstanceOfSatisfying(EmqxException.class,
        e -> assertThat(e.kind()).isEqualTo(Kind.TLS));
  }

  @Test
  void anAuthorityNotTrustedIsRefused() throws Exception {
    LabCertificates other = LabCertificates.create("Another CA");
    for (String trust : new String[] {other.caPem(), null}) { // another CA, or the JVM's authorities
      EmqxApi api = connector(EmqxApiVersion.V5, https.apiAddress().getPort(), SERVER_NAME, trust).connect("127.0.47.1");
      assertThatThrownBy(api::nodes).isInstanceOfSatisfying(EmqxException.class, e -> {
        assertThat(e.kind()).isEqualTo(Kind.TLS);
        assertThat(e.setupProblem()).isTrue();
      });
    }
  }

  @Test
  void httpsToAPlainListenerIsASetupProblem() throws Exception {
    EmqxApi api = connector(EmqxApiVersion.V5, plain.apiAddress().getPort(), SERVER_NAME, ca.caPem()).connect("127.0.47.2");
    assertThatThrownBy(api::nodes).isInstanceOfSatisfying(EmqxException.class, e -> {
      assertThat(e.kind()).isEqualTo(Kind.TLS);
      assertThat(e.setupProblem()).isTrue();
    });
  }

  @Test
  void aCaThatIsNotAPemCertificateOrABadServerNameIsRefusedAtConnect() {
    assertThatThrownBy(() -> connector(EmqxApiVersion.V5, 18084, SERVER_NAME, "-----BEGIN CERTIFICATE-----\nnope\n"
        + "-----END CERTIFICATE-----\n").connect("127.0.47.1"))
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.kind()).isEqualTo(Kind.TLS);
          assertThat(e.getMessage()).contains("caSecret");
        });
    assertThatThrownBy(() -> connector(EmqxApiVersion.V5, 18084, "bad name!", ca.caPem()).connect("127.0.47.1"))
        .isInstanceOfSatisfying(EmqxException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BAD_ADDRESS));
  }
}
