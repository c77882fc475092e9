package dev.ferry.operator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a resource's whole status through the status subresource (PUT). The reconciler is the only
 * writer of its resources' status, so replacing it is right; a JSON Patch computed against the
 * informer's copy fails whenever that copy lags behind the previous write ("missing field"), and a
 * failed write only delays the next decision, which is made again from what is observed.
 */
public final class StatusWriter {
  private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);

  private StatusWriter() {}

  /** @return whether the status was written */
  public static <T extends HasMetadata> boolean replace(KubernetesClient client, T resource) {
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        T fresh = client.resource(resource).get();
        if (fresh == null) {
          return false; // deleted meanwhile
        }
        resource.getMetadata().setResourceVersion(fresh.getMetadata().getResourceVersion());
        client.resource(resource).updateStatus();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          log.warn("event=status_write_failed resource={}/{} code={} message={}",
              resource.getMetadata().getNamespace(), resource.getMetadata().getName(), e.getCode(), e.getMessage());
          return false;
        }
      }
    }
    return false;
  }
}
