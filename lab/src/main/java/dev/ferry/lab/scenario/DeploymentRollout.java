package dev.ferry.lab.scenario;

import dev.ferry.lab.cluster.EmbeddedCluster;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A Deployment's rolling update between two ReplicaSets labelled {@code app=<app>,
 * version=<set>}, as its controller steps it: the old set is scaled down as far as {@code replicas
 * - maxUnavailable} ready pods allow, the new one up to {@code replicas + maxSurge} pods in all,
 * until every new pod is ready and no old one is left. The same steps roll back ({@code kubectl
 * rollout undo}: the old set up again, the new one down).
 */
final class DeploymentRollout {

  private DeploymentRollout() {}

  /**
   * Rolls {@code app} from ReplicaSet {@code <app>-<from>} to {@code <app>-<to>} (created from
   * {@code createTo} with 0 replicas when given, else it exists). True once {@code replicas} pods
   * of {@code to} are ready and nothing else of the app is left; false when {@code timeout} passed
   * first (the sets stay as they were then, as a stuck Deployment's do).
   */
  static boolean roll(EmbeddedCluster c, String app, String from, String to, Supplier<ReplicaSet> createTo,
      String toImage, int replicas, int maxSurge, int maxUnavailable, Duration timeout) {
    if (createTo != null) {
      c.create(createTo.get());
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
