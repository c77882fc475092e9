package dev.ferry.cluster;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;

/** A control plane of a test class's own, one namespace, and our kubelet running its pods with {@code runtime}. */
record TestCluster(ControlPlane plane, KubernetesClient client, Kubelet kubelet) implements AutoCloseable {

  static TestCluster start(Class<?> test, String namespace, ContainerRuntime runtime) {
    ControlPlane plane = ControlPlane.start(ControlPlane.Settings.in(Path.of("target/kube/" + test.getSimpleName())));
    KubernetesClient client = plane.newAdminClient();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> client.serviceAccounts().inNamespace(namespace).withName("default").get() != null);
    return new TestCluster(plane, client, Kubelet.start(client, runtime, Kubelet.Settings.of(namespace)));
  }

  @Override
  public void close() {
    kubelet.close();
    client.close();
    plane.close();
  }
}
