package dev.ferry.lab.scenario;

import dev.ferry.api.v1alpha1.AdoptKind;
import dev.ferry.api.v1alpha1.AdoptSpec;
import dev.ferry.api.v1alpha1.AdoptionPhase;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.lab.cluster.EmbeddedCluster;
import dev.ferry.lab.cluster.Workloads;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@code adopt} scenario: the fleet runs on a StatefulSet broker cluster (as the EMQX Helm chart
 * makes one), and Ferry takes it over with {@code spec.adopt}: its own pods start beside the
 * StatefulSet's and join their cluster (the lab's discovery groups brokers by the {@code app}
 * label, which both carry), the Service's selector switches once, and each StatefulSet pod is
 * drained, highest ordinal first, then scaled away. The same image runs before and after: nothing
 * is upgraded, only who runs the brokers changes.
 *
 * <p>Besides the fleet's figures it checks what the user relies on: no StatefulSet pod is ever
 * created again (a pod of the same name with another UID would be an empty broker joining the
 * cluster, and the old node never gone). A recreated pod fails the scenario.
 */
final class AdoptScenario {

  private AdoptScenario() {}

  /** The StatefulSet and its Service, as the ROLLING baseline deploys them; the operator, with nothing to do yet. */
  static void deploy(String app, LabSettings s, EmbeddedCluster c, String image) {
    c.deployStatefulSet(app, s.nodes(), image, s.timeout());
    c.startOperator();
    c.createApiKeySecret("mqtt-api-key");
  }

  /** Creates the adopting LosslessDeployment and waits until the adoption is Completed. */
  static void adopt(String app, LabSettings s, EmbeddedCluster c, String image, Consumer<String> mark) {
    Map<String, String> stsPods = new LinkedHashMap<>(); // name -> uid, every StatefulSet pod seen
    StringBuilder recreated = new StringBuilder();
    record(c, app, stsPods, recreated);
    int before = stsPods.size();
    LosslessDeployment ld = Workloads.brokerLosslessDeployment(app, s.nodes(), image, s.connEvictRate(),
        (int) s.waitTakeover().toSeconds(), (int) s.initialDelay().toSeconds(), "mqtt-api-key");
    var adopt = new AdoptSpec();
    adopt.setKind(AdoptKind.STATEFUL_SET);
    adopt.setName(app);
    ld.getSpec().setAdopt(adopt);
    c.create(ld);
    mark.accept("LosslessDeployment with spec.adopt created");
    boolean done = EmbeddedCluster.await(() -> {
      record(c, app, stsPods, recreated);
      return completed(c, app);
    }, s.timeout());
    if (!done) {
      LosslessDeployment now = ld(c, app);
      throw new IllegalStateException("the adoption did not complete within " + s.timeout() + ": "
          + (now == null || now.getStatus() == null ? "no status" : now.getStatus().getMessage()));
    }
    if (!recreated.isEmpty()) {
      throw new IllegalStateException("the adoption recreated StatefulSet pods: " + recreated);
    }
    var removed = ld(c, app).getStatus().getAdoption().getRemoved();
    mark.accept("adopted: StatefulSet pods removed " + removed + "; " + before + " existed, 0 created again");
  }

  /** Every StatefulSet pod now; a known name with a new UID is a pod created again. */
  private static void record(EmbeddedCluster c, String app, Map<String, String> seen, StringBuilder recreated) {
    for (Pod p : c.pods()) {
      var owners = p.getMetadata().getOwnerReferences();
      boolean sts = owners != null && owners.stream().anyMatch(o -> "StatefulSet".equals(o.getKind()) && app.equals(o.getName()));
      if (!sts) {
        continue;
      }
      String name = p.getMetadata().getName();
      String uid = p.getMetadata().getUid();
      String was = seen.putIfAbsent(name, uid);
      if (was != null && !was.equals(uid) && recreated.indexOf(name + " ") < 0) {
        recreated.append(name).append(' ');
      }
    }
  }

  private static boolean completed(EmbeddedCluster c, String app) {
    LosslessDeployment ld = ld(c, app);
    return ld != null && ld.getStatus() != null && ld.getStatus().getAdoption() != null
        && ld.getStatus().getAdoption().getPhase() == AdoptionPhase.COMPLETED
        && ld.getStatus().getPhase() == LosslessDeploymentPhase.HEALTHY;
  }

  private static LosslessDeployment ld(EmbeddedCluster c, String app) {
    return c.client().resources(LosslessDeployment.class).inNamespace(c.namespace()).withName(app).get();
  }
}
