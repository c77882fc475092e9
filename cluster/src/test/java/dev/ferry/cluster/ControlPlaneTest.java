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
      // The same account as a kubeconfig file, for a process of its own: the owner's only.
      Path kubeconfig = cp.serviceAccountKubeconfig("rbac", "nobody");
      assertThat(java.nio.file.Files.getPosixFilePermissions(kubeconfig))
          .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      try (KubernetesClient fromFile = new KubernetesClientBuilder().withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(
          null, java.nio.file.Files.readString(kubeconfig), kubeconfig.toString())).build()) {
        assertThatThrownBy(() -> fromFile.secrets().inNamespace("rbac").list())
            .isInstanceOf(KubernetesClientException.class)
            .hasMessageContaining("User \"system:serviceaccount:rbac:nobody\" cannot list resource \"secrets\"");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theAdminKubeconfigIsTheOwnersOnly() throws Exception {
    assertThat(java.nio.file.Files.getPosixFilePermissions(cp.adminKubeconfig()))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }
}
