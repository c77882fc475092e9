package dev.ferry.operator.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * Writes one annotation of an object with a JSON merge patch that names only that key.
 *
 * <p>Not a read-modify-write: controllers rewrite the objects Ferry annotates all the time (the
 * kubelet a pod's status, the ReplicaSet controller its set's), so an edit based on a read a moment
 * old is refused with 409 Conflict. A merge patch of {@code metadata.annotations} carries no
 * resourceVersion, touches no other key and cannot lose anybody else's write.
 */
public final class Annotations {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Annotations() {}

  /** Sets {@code key} to {@code value}, or removes it when {@code value} is null. */
  public static void set(Resource<? extends HasMetadata> object, String key, String value) {
    ObjectNode patch = JSON.createObjectNode();
    ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
    if (value == null) {
      annotations.putNull(key); // null removes the key in a merge patch (RFC 7386)
    } else {
      annotations.put(key, value);
    }
    object.patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
  }

  /** The same, on a pod. */
  public static void setOnPod(KubernetesClient client, String namespace, String podName, String key, String value) {
    set(client.pods().inNamespace(namespace).withName(podName), key, value);
  }
}
