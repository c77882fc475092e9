package dev.ferry.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reading a namespace of a cluster: fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class ClusterInputTest {

  KubernetesMockServer server;
  KubernetesClient client;

  @BeforeEach
  void objects() throws Exception {
    // The Deployment, Service and Ingress of the nginx fixture (one risk: the Ingress), a LosslessDeployment
    // with two, and an unrelated Deployment with one, all in namespace shop; one more in another namespace.
    for (CheckInput.Entry e : Fixtures.read("nginx-no-service-upstream.yaml", "ld-risky.yaml").entries()) {
      create("shop", e.object());
    }
    var other = (Deployment) Fixtures.read("no-prestop.yaml").entries().get(0).object();
    other.getMetadata().setName("batch");
    create("shop", other);
    create("elsewhere", Fixtures.read("no-readiness-probe.yaml").entries().get(0).object());
  }

  private void create(String ns, HasMetadata o) {
    o.getMetadata().setNamespace(ns);
    switch (o) {
      case Deployment d -> client.apps().deployments().inNamespace(ns).resource(d).create();
      case Service s -> client.services().inNamespace(ns).resource(s).create();
      case Ingress i -> client.network().v1().ingresses().inNamespace(ns).resource(i).create();
      case LosslessDeployment ld -> client.resources(LosslessDeployment.class).inNamespace(ns).resource(ld).create();
      default -> throw new IllegalArgumentException(o.getKind());
    }
  }

  @Test
  void aNamedDeploymentComesWithItsServiceAndIngress() throws Exception {
    CheckResult r = Checker.check(ClusterInput.read(client, "shop", "web"), CheckOptions.defaults());
    assertThat(r.checked()).extracting(ObjectRef::display).containsExactly("Deployment/web", "Service/web", "Ingress/web");
    assertThat(r.checked()).allSatisfy(o -> {
      assertThat(o.namespace()).isEqualTo("shop");
      assertThat(o.source()).isEqualTo("cluster");
    });
    assertThat(Fixtures.risks(r)).containsExactly(Risk.NGINX_NO_SERVICE_UPSTREAM);
  }

  @Test
  void aNamedLosslessDeployment() throws Exception {
    CheckResult r = Checker.check(ClusterInput.read(client, "shop", "orders"), CheckOptions.defaults());
    assertThat(r.checked()).extracting(ObjectRef::display).containsExactly("LosslessDeployment/orders");
    assertThat(Fixtures.risks(r)).containsExactly(Risk.NO_READINESS_PROBE, Risk.NO_PRESTOP);
  }

  @Test
  void theWholeNamespace() throws Exception {
    CheckResult r = Checker.check(ClusterInput.read(client, "shop", null), CheckOptions.defaults());
    assertThat(r.checked()).extracting(ObjectRef::display).containsExactly(
        "LosslessDeployment/orders", "Deployment/batch", "Deployment/web", "Service/web", "Ingress/web");
    assertThat(Fixtures.risks(r)).containsExactly(
        Risk.NO_READINESS_PROBE, Risk.NO_PRESTOP, Risk.NO_PRESTOP, Risk.NGINX_NO_SERVICE_UPSTREAM);
  }

  @Test
  void aNameThatIsNotThereIsAnInputError() {
    assertThatThrownBy(() -> ClusterInput.read(client, "shop", "nope"))
        .isInstanceOf(InputException.class)
        .hasMessage("no LosslessDeployment or Deployment named nope in namespace shop");
  }

  @Test
  void anEmptyNamespaceIsNothingToCheck() {
    assertThatThrownBy(() -> ClusterInput.read(client, "empty", null))
        .isInstanceOf(InputException.class).hasMessageStartingWith("nothing to check in namespace empty");
  }

  @Test
  void anUnreachableClusterIsAnInputError() {
    var config = new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl("http://127.0.0.1:1")
        .withRequestRetryBackoffLimit(0).withConnectionTimeout(500).build();
    try (var down = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build()) {
      assertThatThrownBy(() -> ClusterInput.read(down, "shop", null))
          .isInstanceOf(InputException.class).hasMessageStartingWith("cannot read namespace shop from http://127.0.0.1:1")
          .hasMessageContaining("ConnectException");
    }
  }
}
