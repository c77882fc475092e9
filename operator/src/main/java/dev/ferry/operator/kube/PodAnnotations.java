package dev.ferry.operator.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * Writes a pod's annotations with a JSON merge patch that names only the keys it changes.
 *
 * <p>Not a read-modify-write: the kubelet rewrites the pod's status all the time, so an edit based on
 * a read a moment old is refused with 409 Conflict. A merge patch of {@code metadata.annotations}
 * carries no resourceVersion, touches no other key and cannot lose anybody else's write.
 */
public final class PodAnnotations {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PodAnnotations() {}

  /** Sets {@code key} to {@code value}, or removes it when {@code value} is null. */
  public static void set(KubernetesClient client, String namespace, String podName, String key, String value) {
    ObjectNode patch = JSON.createObjectNode();
    ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
    if (value == null) {
      annotations.putNull(key); // null removes the key in a merge patch (RFC 7386)
    } else {
      annotations.put(key, value);
    }
    client.pods().inNamespace(namespace).withName(podName).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
  }
}
