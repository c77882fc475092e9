package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.broker.api.LabCertificates;
import dev.ferry.broker.support.HttpCall;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** With apiTls the API listens with HTTPS only, with the certificate it was given. */
class ApiTlsTest {

  @Test
  void servesHttpsOnlyWithItsCertificate() throws Exception {
    LabCertificates ca = LabCertificates.create("Ferry test CA");
    EmqxProfile tls = EmqxProfile.DEFAULT.withApiTls(ca.server("emqx.ferry.test"));
    try (BrokerNode n = BrokerNode.start(BrokerConfig.onHost("127.0.34.1", "key", "secret").withEmqx(tls))) {
      assertThat(n.apiUrl()).startsWith("https://127.0.34.1:");
      try (HttpClient https = client(ca.caPem(), "emqx.ferry.test")) {
        var r = HttpCall.send(https, n.apiUrl() + "/api/v5/nodes", "GET", HttpCall.basic("key", "secret"), null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get(0).get("node").asText()).isEqualTo(n.name());
      }
      String plain = n.apiUrl().replace("https://", "http://");
      assertThatThrownBy(() -> HttpCall.get(plain + "/api/v5/nodes", HttpCall.basic("key", "secret")))
          .isInstanceOf(java.io.UncheckedIOException.class);
    }
  }

  /** A client that trusts {@code caPem} and sends {@code serverName} as SNI, checked against the certificate. */
  static HttpClient client(String caPem, String serverName) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (Certificate c : CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
      trust.setCertificateEntry("ca" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    SSLParameters params = new SSLParameters();
    params.setServerNames(List.of(new SNIHostName(serverName)));
    return HttpClient.newBuilder().sslContext(ssl).sslParameters(params).build();
  }
}
