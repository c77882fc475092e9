package dev.ferry.lab.scenario;

import dev.ferry.lab.cluster.EmbeddedCluster;
import dev.ferry.lab.cluster.Kube;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.time.Duration;
import java.util.Map;

/**
 * A Deployment's rolling update, the baselines' release, between versions labelled {@code
 * version=<v>} on the pods of {@code app=<app>}:
 *
 * <ul>
 *   <li>on the real control plane, a real Deployment: its template changes and kube-controller-manager's
 *       Deployment controller steps the release (and, with the old template back, the rollback, as
 *       {@code kubectl rollout undo} does);
 *   <li>on the embedded one, which has no Deployment controller, its steps between two ReplicaSets
 *       {@code <app>-<v>}, as that controller takes them: the old set scaled down as far as {@code
 *       replicas - maxUnavailable} ready pods allow, the new one up to {@code replicas + maxSurge} pods
 *       in all, until every new pod is ready and no old one is left.
 * </ul>
 */
final class DeploymentRollout {

  private DeploymentRollout() {}

  /** Deploys {@code replicas} pods of {@code template} (whose labels carry {@code app} and {@code version}). */
  static void deploy(EmbeddedCluster c, String app, String version, PodTemplateSpec template, int replicas,
      int maxSurge, int maxUnavailable) {
    if (c.kube() == Kube.REAL) {
      c.create(deployment(app, template, replicas, maxSurge, maxUnavailable));
    } else {
      c.create(replicaSet(app, version, template, replicas));
    }
  }

  /**
   * Rolls {@code app} from version {@code from} to {@code to}, whose pods run {@code toTemplate}
   * (its first container's image {@code toImage}). True once {@code replicas} pods of {@code to}
   * are ready and nothing else of the app is left; false when {@code timeout} passed first (the
   * release stays where it was then, as a stuck Deployment's does).
   */
  static boolean roll(EmbeddedCluster c, String app, String from, String to, PodTemplateSpec toTemplate, String toImage,
      int replicas, int maxSurge, int maxUnavailable, Duration timeout) {
    if (c.kube() == Kube.REAL) {
      return rollDeployment(c, app, toTemplate, toImage, replicas, timeout);
    }
    return stepReplicaSets(c, app, from, to, toTemplate, toImage, replicas, maxSurge, maxUnavailable, timeout);
  }

  private static boolean rollDeployment(EmbeddedCluster c, String app, PodTemplateSpec toTemplate, String toImage,
      int replicas, Duration timeout) {
    var deployments = c.client().apps().deployments().inNamespace(c.namespace());
    EmbeddedCluster.retryOnConflict(() -> deployments.withName(app).edit(d -> {
      d.getSpec().setTemplate(toTemplate);
      return d;
    }));
    Integer n = replicas;
    return EmbeddedCluster.await(() -> {
      Deployment d = deployments.withName(app).get();
      var st = d.getStatus();
      return st != null && st.getObservedGeneration() != null && st.getObservedGeneration() >= d.getMetadata().getGeneration()
          && n.equals(st.getUpdatedReplicas()) && n.equals(st.getAvailableReplicas()) && n.equals(st.getReplicas())
          && onlyImage(c, app, toImage);
    }, timeout);
  }

  private static boolean stepReplicaSets(EmbeddedCluster c, String app, String from, String to, PodTemplateSpec toTemplate,
      String toImage, int replicas, int maxSurge, int maxUnavailable, Duration timeout) {
    if (c.client().apps().replicaSets().inNamespace(c.namespace()).withName(app + "-" + to).get() == null) {
      c.create(replicaSet(app, to, toTemplate, 0));
    }
    int oldSpec = specReplicas(c, app + "-" + from);
    int newSpec = specReplicas(c, app + "-" + to);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() - deadline < 0) {
      int readyNew = c.readyPods(Map.of("app", app, "version", to)).size();
      int oldTarget = Math.max(0, replicas - maxUnavailable - readyNew);
      if (oldTarget < oldSpec) {
        oldSpec = oldTarget;
        c.scaleReplicaSet(app + "-" + from, oldSpec);
      }
      int newTarget = Math.min(replicas, replicas + maxSurge - oldSpec);
      if (newTarget > newSpec) {
        newSpec = newTarget;
        c.scaleReplicaSet(app + "-" + to, newSpec);
      }
      if (readyNew == replicas && oldSpec == 0 && onlyImage(c, app, toImage)) {
        return true;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  static Deployment deployment(String app, PodTemplateSpec template, int replicas, int maxSurge, int maxUnavailable) {
    return new DeploymentBuilder()
        .withNewMetadata().withName(app).addToLabels("app", app).endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withNewSelector().addToMatchLabels("app", app).endSelector()
          .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
            .withMaxSurge(new IntOrString(maxSurge)).withMaxUnavailable(new IntOrString(maxUnavailable)).endRollingUpdate()
          .endStrategy()
          .withTemplate(template)
        .endSpec()
        .build();
  }

  static ReplicaSet replicaSet(String app, String version, PodTemplateSpec template, int replicas) {
    return new ReplicaSetBuilder()
        .withNewMetadata().withName(app + "-" + version).addToLabels("app", app).addToLabels("version", version).endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withNewSelector().addToMatchLabels("app", app).addToMatchLabels("version", version).endSelector()
          .withTemplate(template)
        .endSpec()
        .build();
  }

  private static int specReplicas(EmbeddedCluster c, String set) {
    ReplicaSet rs = c.client().apps().replicaSets().inNamespace(c.namespace()).withName(set).get();
    if (rs == null) {
      throw new IllegalStateException("no ReplicaSet " + set);
    }
    return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
  }

  /** Every pod of the app runs {@code image} (the others are gone, not just terminating). */
  private static boolean onlyImage(EmbeddedCluster c, String app, String image) {
    return c.pods().stream().filter(p -> p.getMetadata().getLabels() != null && app.equals(p.getMetadata().getLabels().get("app")))
        .allMatch(p -> image.equals(p.getSpec().getContainers().get(0).getImage()));
  }
}
