package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.EmqxApiVersion;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.broker.api.LabCertificates;
import dev.ferry.operator.support.Clients;
import dev.ferry.operator.support.OperatorHarness;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Releases against the EMQX setups users run: an EMQX without node evacuation, an HTTPS-only API
 * with a private CA, a pod with an IPv6 address, and EMQX Enterprise 4.4's v4 API.
 */
@org.junit.jupiter.api.Tag("real-kube")
class EmqxSetupsTest {

  KubernetesClient client;
  OperatorHarness h;

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.close();
    }
  }

  /** A harness whose brokers behave as {@code emqx}; the operator not started yet. */
  void brokers(EmqxProfile emqx) throws Exception {
    h = new OperatorHarness(Duration.ofMillis(300));
    client = h.client;
    h.cluster.emqx(emqx);
    h.startOperator();
  }

  String deployHealthy(String image, Consumer<LosslessDeployment> tweak) {
    return h.deployMqtt(image, tweak);
  }

  void image(String image) {
    h.image("mqtt", image);
  }

  boolean healthyOnAnotherThan(String revision) {
    return h.healthyOnAnotherThan("mqtt", revision);
  }

  Condition progressing() {
    return h.condition("mqtt", "Progressing");
  }

  /** Releases to {@code image}, waits until it completes, and checks that each client moved once. */
  void releaseMovesEveryClientOnce(String image, int clientCount) throws Exception {
    String before = h.ld("mqtt").getStatus().getCurrentRevision();
    try (Clients clients = Clients.connect(clientCount, h::routeNewConnection)) {
      image(image);
      await().atMost(Duration.ofSeconds(90)).until(() -> healthyOnAnotherThan(before));
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == clientCount);
      assertThat(clients.disconnectsPerClient()).containsOnly(1);
      assertThat(clients.useAnotherServerPerClient()).containsOnly(1);
    }
    assertThat(h.events()).extracting(e -> e.getReason()).doesNotContain("ActionFailed");
  }

  @Test
  void anEmqxWithoutNodeEvacuationHoldsTheReleaseBeforeTheSwitchAndSaysWhy() throws Exception {
    brokers(EmqxProfile.DEFAULT.withVersion("5.8.9", "Opensource"));
    String old = deployHealthy("emqx:5.8.0", ld -> ld.getSpec().getStrategy().getBlueGreen().setProgressDeadlineSeconds(20));
    try (Clients clients = Clients.connect(10, h::routeNewConnection)) {
      image("emqx:5.8.1");
      await().atMost(Duration.ofSeconds(20)).until(() -> "DrainRefused".equals(progressing().getReason()));
      assertThat(progressing().getMessage()).contains("not switching").contains("no node evacuation")
          .contains("5.8.9");
      assertThat(h.serving()).hasSize(2).allMatch(p -> old.equals(p.getMetadata().getLabels().get(FerryNames.REVISION_LABEL)));
      await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.ABORTED);
      assertThat(progressing().getMessage()).contains("no node evacuation").contains(old + " keeps serving");
      assertThat(clients.disconnectsPerClient()).as("nobody was moved").containsOnly(0);
    }
  }

  @Test
  void aReleaseOverAnHttpsOnlyApiWithAPrivateCaAndAServerName() throws Exception {
    LabCertificates ca = LabCertificates.create("Ferry test CA");
    brokers(EmqxProfile.DEFAULT.withApiTls(ca.server("emqx.ferry.test")));
    client.secrets().inNamespace(h.ns).resource(new SecretBuilder()
        .withNewMetadata().withName("emqx-ca").withNamespace(h.ns).endMetadata()
        .addToStringData(FerryNames.CA_CERT_SECRET_KEY, ca.caPem()).build()).create();
    deployHealthy("emqx:5.8.0", ld -> {
      ld.getSpec().getDrain().getEmqx().setScheme("https");
      ld.getSpec().getDrain().getEmqx().setCaSecret("emqx-ca");
      ld.getSpec().getDrain().getEmqx().setServerName("emqx.ferry.test");
    });
    releaseMovesEveryClientOnce("emqx:5.8.1", 20);
  }

  @Test
  void aBrokerOnAnIpv6PodIsDrainedToAndDrained() throws Exception {
    brokers(EmqxProfile.DEFAULT);
    deployHealthy("emqx:5.8.0", ld -> ld.getSpec().setReplicas(1));
    releaseMovesEveryClientOnce("emqx:5.8.1-ipv6", 10); // to a pod with an IPv6 address
    assertThat(h.pods()).extracting(p -> p.getStatus().getPodIP()).singleElement().asString().startsWith("2001:2::");
    releaseMovesEveryClientOnce("emqx:5.8.2", 10); // and away from it
  }

  @Test
  void aWholeReleaseOverEmqxEnterprise44sApiFoundOnItsOwn() throws Exception {
    brokers(EmqxProfile.ENTERPRISE_4_4);
    deployHealthy("emqx-ee:4.4.24", ld -> ld.getSpec().getDrain().getEmqx().setApiVersion(EmqxApiVersion.AUTO));
    releaseMovesEveryClientOnce("emqx-ee:4.4.25", 20);
  }
}
