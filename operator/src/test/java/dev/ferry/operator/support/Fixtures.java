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
      ld.getMetadata().setNamespace(client.getNamespace());
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      return ld;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * spec.migrations with an expand and a contract Job (their pods exit as the test tells
   * {@link TestPods}; the real Job controller does the rest).
   */
  public static dev.ferry.api.v1alpha1.MigrationsSpec migrations(String schemaVersion, int rollbackWindowSeconds) {
    var m = new dev.ferry.api.v1alpha1.MigrationsSpec();
    m.setSchemaVersion(schemaVersion);
    m.setRollbackWindowSeconds(rollbackWindowSeconds);
    m.setExpand(job("expand"));
    m.setContract(job("contract"));
    return m;
  }

  private static io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec job(String step) {
    return new io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder()
        .withNewSpec().withBackoffLimit(0)
          .withNewTemplate().withNewSpec().withRestartPolicy("Never")
            .addNewContainer().withName("migrate").withImage("people-migrations:1").withArgs(step).endContainer()
          .endSpec().endTemplate()
        .endSpec().build();
  }

  public static LosslessDeployment web(KubernetesClient client, String image) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/web-ld.yaml")) {
      LosslessDeployment ld = client.getKubernetesSerialization().unmarshal(in, LosslessDeployment.class);
      ld.getMetadata().setNamespace(client.getNamespace());
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      return ld;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
