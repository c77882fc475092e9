package dev.ferry.operator.support;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The test LosslessDeployments: 2 brokers, emqx drain (test/resources/mqtt-ld.yaml); 3 HTTP pods
 * released Rolling with the http drainer (test/resources/web-ld.yaml).
 */
public final class Fixtures {
  private Fixtures() {}

  public static LosslessDeployment mqtt(KubernetesClient client, String image) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/mqtt-ld.yaml")) {
      LosslessDeployment ld = client.getKubernetesSerialization().unmarshal(in, LosslessDeployment.class);
      ld.getMetadata().setNamespace(OperatorHarness.NS);
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      return ld;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static LosslessDeployment web(KubernetesClient client, String image) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/web-ld.yaml")) {
      LosslessDeployment ld = client.getKubernetesSerialization().unmarshal(in, LosslessDeployment.class);
      ld.getMetadata().setNamespace(OperatorHarness.NS);
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      return ld;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
