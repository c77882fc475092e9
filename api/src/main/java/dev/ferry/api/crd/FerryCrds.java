package dev.ferry.api.crd;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

/**
 * Ferry's CRDs as this jar carries them ({@code META-INF/fabric8/}, written by {@link GenerateCrds}),
 * applied to an API server: for the lab's clusters and for the tests.
 */
public final class FerryCrds {
  /** The CRD files, one per custom resource. */
  public static final List<String> FILES = List.of(
      "META-INF/fabric8/losslessdeployments.ferry.dev-v1.yml",
      "META-INF/fabric8/rebalances.ferry.dev-v1.yml");

  private FerryCrds() {}

  /**
   * Creates every CRD; with {@code establishedWithin}, waits that long at most for each to be
   * Established (served), as a real apiserver reports it. Null: no wait (fabric8's mock server
   * serves a CRD at once and never reports it Established).
   */
  public static void apply(KubernetesClient admin, Duration establishedWithin) {
    for (String file : FILES) {
      CustomResourceDefinition crd;
      try (InputStream in = FerryCrds.class.getClassLoader().getResourceAsStream(file)) {
        if (in == null) {
          throw new IllegalStateException(file + " is not on the class path (ferry-api's jar)");
        }
        crd = admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      admin.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      if (establishedWithin != null) {
        awaitEstablished(admin, crd.getMetadata().getName(), establishedWithin);
      }
    }
  }

  private static void awaitEstablished(KubernetesClient admin, String name, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!established(admin, name)) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("CRD " + name + " not established in " + within.toSeconds() + " s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for CRD " + name, e);
      }
    }
  }

  private static boolean established(KubernetesClient admin, String name) {
    var c = admin.apiextensions().v1().customResourceDefinitions().withName(name).get();
    return c != null && c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus().getConditions().stream()
        .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus()));
  }
}
