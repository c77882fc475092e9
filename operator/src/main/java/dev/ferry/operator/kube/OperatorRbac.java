package dev.ferry.operator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

/**
 * The operator's identity and permissions exactly as {@code deploy/operator/} ships them (the build
 * copies those files into this jar): its ServiceAccount, its ClusterRole and binding for the
 * cluster-wide install, and its leader-election Role. The lab and the tests apply them to a real
 * apiserver and run the operator as that account, so a permission the manifests lack fails there
 * first, not in a user's cluster.
 */
public final class OperatorRbac {
  public static final String NAMESPACE = "ferry-system";
  public static final String SERVICE_ACCOUNT = "ferry-operator";
  /** The files of the cluster-wide install, in the order {@code kubectl apply -k} takes them. */
  public static final List<String> FILES = List.of("namespace.yaml", "serviceaccount.yaml", "clusterrole.yaml",
      "clusterrolebinding.yaml", "leader-election-role.yaml", "leader-election-rolebinding.yaml");
  private static final String DIR = "META-INF/ferry/deploy/operator/";

  private OperatorRbac() {}

  /** Creates every object of {@link #FILES} (an object that exists is left as it is) and waits for the account. */
  public static void apply(KubernetesClient admin) {
    for (String file : FILES) {
      try (InputStream in = open(file)) {
        for (HasMetadata o : admin.load(in).items()) {
          try {
            admin.resource(o).create();
          } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
              throw e;
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + DIR + file, e);
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (admin.serviceAccounts().inNamespace(NAMESPACE).withName(SERVICE_ACCOUNT).get() == null) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("ServiceAccount " + NAMESPACE + "/" + SERVICE_ACCOUNT + " not there after 30 s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the operator's ServiceAccount", e);
      }
    }
  }

  /** The operator's ClusterRole as shipped. */
  public static ClusterRole clusterRole(KubernetesClient client) {
    try (InputStream in = open("clusterrole.yaml")) {
      return client.getKubernetesSerialization().unmarshal(in, ClusterRole.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream open(String file) {
    InputStream in = OperatorRbac.class.getClassLoader().getResourceAsStream(DIR + file);
    if (in == null) {
      throw new IllegalStateException(DIR + file + " is not on the class path (the operator's jar carries deploy/operator)");
    }
    return in;
  }
}
