package dev.ferry.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A container's environment as the kubelet gives it to the process: plain {@code value}s and
 * {@code valueFrom.secretKeyRef}s read from the namespace's Secrets ({@code data}, base64, or
 * {@code stringData}, which fabric8's mock server keeps as written). A missing Secret or key is the
 * kubelet's {@code CreateContainerConfigError}: the container does not start. Values never go to
 * logs; only names do.
 */
public final class ContainerEnv {

  private ContainerEnv() {}

  /** Why a container's environment could not be made (Kubernetes: CreateContainerConfigError). */
  public static final class ConfigError extends RuntimeException {
    ConfigError(String message) {
      super(message);
    }
  }

  public static Map<String, String> resolve(KubernetesClient client, String namespace, Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    if (c.getEnv() == null) {
      return env;
    }
    for (EnvVar e : c.getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      } else if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
        var ref = e.getValueFrom().getSecretKeyRef();
        Secret s = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
        String v = s == null ? null : value(s, ref.getKey());
        if (v == null) {
          if (Boolean.TRUE.equals(ref.getOptional())) {
            continue;
          }
          throw new ConfigError(s == null ? "secret \"" + ref.getName() + "\" not found"
              : "couldn't find key " + ref.getKey() + " in Secret " + namespace + "/" + ref.getName());
        }
        env.put(e.getName(), v);
      }
    }
    return env;
  }

  private static String value(Secret s, String key) {
    if (s.getStringData() != null && s.getStringData().get(key) != null) {
      return s.getStringData().get(key);
    }
    if (s.getData() == null || s.getData().get(key) == null) {
      return null;
    }
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
  }
}
