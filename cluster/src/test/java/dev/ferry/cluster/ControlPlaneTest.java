package dev.ferry.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("real-kube")
class ControlPlaneTest {
  static ControlPlane cp;

  @BeforeAll
  static void start() {
    cp = ControlPlane.start(ControlPlane.Settings.in(Path.of("target/kube/" + ControlPlaneTest.class.getSimpleName())));
  }

  @AfterAll
  static void stop() {
    cp.close();
  }

  @Test
  void aServiceAccountGetsOnlyWhatRbacGrantsIt() {
    try (KubernetesClient admin = cp.newAdminClient()) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("rbac").endMetadata().build()).create();
      admin.serviceAccounts().inNamespace("rbac").resource(new ServiceAccountBuilder()
          .withNewMetadata().withName("nobody").endMetadata().build()).create();
      try (KubernetesClient nobody = new KubernetesClientBuilder().withConfig(cp.serviceAccountConfig("rbac", "nobody")).build()) {
        assertThatThrownBy(() -> nobody.pods().inNamespace("rbac").list())
            .isInstanceOf(KubernetesClientException.class)
            .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403))
            .hasMessageContaining("system:serviceaccount:rbac:nobody");
      }
    }
  }
}
