package dev.ferry.operator.kube;

import dev.ferry.api.FerryNames;
import dev.ferry.operator.emqx.EmqxCredentials;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Reads credentials from Secrets; the values go nowhere but into the object returned. */
public final class Secrets {
  private Secrets() {}

  /** The EMQX API key in the Secret {@code name} (keys {@code key} and {@code secret}). */
  public static EmqxCredentials emqx(KubernetesClient client, String namespace, String name) {
    Secret s = client.secrets().inNamespace(namespace).withName(name).get();
    if (s == null) {
      throw new IllegalStateException("Secret '" + name + "' not found");
    }
    return new EmqxCredentials(value(s, FerryNames.EMQX_API_KEY_SECRET_KEY), value(s, FerryNames.EMQX_API_SECRET_SECRET_KEY));
  }

  /**
   * The PEM certificate(s) of the authority that signed the EMQX API's certificate: key
   * {@value FerryNames#CA_CERT_SECRET_KEY} of the Secret {@code name}; null when {@code name} is
   * null (then the JVM's authorities are trusted).
   */
  public static String emqxCa(KubernetesClient client, String namespace, String name) {
    if (name == null || name.isBlank()) {
      return null;
    }
    Secret s = client.secrets().inNamespace(namespace).withName(name).get();
    if (s == null) {
      throw new IllegalStateException("Secret '" + name + "' not found");
    }
    String pem = value(s, FerryNames.CA_CERT_SECRET_KEY);
    if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalStateException("Secret '" + name + "' key '" + FerryNames.CA_CERT_SECRET_KEY
          + "' holds no PEM certificate");
    }
    return pem;
  }

  /**
   * The database of a session check: the Secret {@code name} with keys {@code url}, {@code username}
   * and {@code password}.
   */
  public static dev.ferry.operator.migration.PostgresSessions.Database postgres(
      KubernetesClient client, String namespace, String name) {
    Secret s = client.secrets().inNamespace(namespace).withName(name).get();
    if (s == null) {
      throw new IllegalStateException("Secret '" + name + "' not found");
    }
    return new dev.ferry.operator.migration.PostgresSessions.Database(value(s, FerryNames.SESSION_CHECK_URL_KEY),
        value(s, FerryNames.SESSION_CHECK_USERNAME_KEY), value(s, FerryNames.SESSION_CHECK_PASSWORD_KEY));
  }

  public static String value(Secret s, String key) {
    if (s.getStringData() != null && s.getStringData().get(key) != null) {
      return s.getStringData().get(key);
    }
    if (s.getData() == null || s.getData().get(key) == null) {
      throw new IllegalStateException("Secret '" + s.getMetadata().getName() + "' has no key '" + key + "'");
    }
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8).trim();
  }
}
