package dev.ferry.lab.scenario;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalancePhase;
import dev.ferry.lab.cluster.EmbeddedCluster;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code ferry-*} fault scenarios: the faults of {@link ReleaseFault} played against Ferry's
 * LosslessDeployment (and its Rebalance) the same way, at the same moments, as against the EMQX
 * Operator; bounded the same way.
 */
final class FerryFaults {
  private FerryFaults() {}

  static ReleaseOutcome.End release(ReleaseFault fault, EmbeddedCluster c, LabSettings s, String app, String v1,
      String v2, ReleaseSteps marks) {
    Duration bound = EmqxOperatorScenario.bound(s);
    if (fault == ReleaseFault.REBALANCE_BALANCED) {
      return rebalance(c, s, app, marks);
    }
    String before = ld(c, app).getStatus().getCurrentRevision();
    c.setLosslessDeploymentImage(app, fault.firstImage(v2));
    switch (fault) {
      case ROLLBACK_MID_DRAIN -> {
        if (EmbeddedCluster.await(() -> phase(c, app) == LosslessDeploymentPhase.DRAINING, bound)) {
          c.setLosslessDeploymentImage(app, v1);
          marks.mark("rollback");
        }
      }
      case BAD_IMAGE -> {
        ScenarioRunner.sleep(ReleaseFault.BAD_IMAGE_FIXED_AFTER);
        c.setLosslessDeploymentImage(app, v2);
        marks.mark("image fixed");
      }
      case BAD_IMAGE_REVERTED -> {
        ScenarioRunner.sleep(ReleaseFault.BAD_IMAGE_FIXED_AFTER);
        c.setLosslessDeploymentImage(app, v1);
        marks.mark("image reverted");
      }
      default -> { }
    }
    // A rollback may end on the revision it started from: then Healthy is enough, once it left it;
    // after a revert the pods of the bad revision are counted as left over rather than waited for.
    ScenarioRunner.sleep(Duration.ofSeconds(1));
    boolean finished = EmbeddedCluster.await(() -> {
      LosslessDeployment ld = ld(c, app);
      return ld.getStatus() != null && ld.getStatus().getPhase() == LosslessDeploymentPhase.HEALTHY
          && (fault.endsWhereItStarted() || !before.equals(ld.getStatus().getCurrentRevision()))
          && (fault == ReleaseFault.BAD_IMAGE_REVERTED || onlyRevision(c, app, ld.getStatus().getCurrentRevision()));
    }, bound);
    LosslessDeployment ld = ld(c, app);
    String message = ld.getStatus().getMessage();
    return new ReleaseOutcome.End(finished, "LosslessDeployment " + ld.getStatus().getPhase()
            + (finished ? "" : " after " + bound.toSeconds() + " s") + (message == null ? "" : ": " + message),
        "", Map.of(FerryNames.REVISION_LABEL, ld.getStatus().getCurrentRevision()));
  }

  private static boolean onlyRevision(EmbeddedCluster c, String app, String revision) {
    return c.pods().stream().filter(p -> p.getMetadata().getLabels() != null
            && app.equals(p.getMetadata().getLabels().get("app")))
        .allMatch(p -> revision.equals(p.getMetadata().getLabels().get(FerryNames.REVISION_LABEL)));
  }

  /** A Rebalance with the EMQX Operator's default thresholds (abs 1000, rel 1.1) and the lab's rate. */
  private static ReleaseOutcome.End rebalance(EmbeddedCluster c, LabSettings s, String app, ReleaseSteps marks) {
    var spec = new dev.ferry.api.v1alpha1.RebalanceSpec();
    var target = new dev.ferry.api.v1alpha1.TargetReference();
    target.setName(app);
    spec.setTargetRef(target);
    spec.setConnEvictRate(s.connEvictRate());
    spec.setSessEvictRate(s.connEvictRate());
    spec.setWaitTakeover((int) s.waitTakeover().toSeconds());
    spec.setWaitHealthCheck(0);
    spec.setAbsConnThreshold(1000);
    spec.setAbsSessThreshold(1000);
    spec.setRelConnThreshold("1.1");
    spec.setRelSessThreshold("1.1");
    var rb = new Rebalance();
    rb.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("on-balanced").build());
    rb.setSpec(spec);
    marks.mark("rebalance");
    c.create(rb);
    boolean ended = EmbeddedCluster.await(() -> {
      RebalancePhase p = rebalancePhase(c);
      return p == RebalancePhase.COMPLETED || p == RebalancePhase.FAILED;
    }, Duration.ofSeconds(90));
    Rebalance r = c.client().resources(Rebalance.class).inNamespace(c.namespace()).withName("on-balanced").get();
    String message = r.getStatus() == null ? null : r.getStatus().getMessage();
    return new ReleaseOutcome.End(ended, "Rebalance " + rebalancePhase(c)
        + (message == null ? "" : ": " + message), "", null);
  }

  private static RebalancePhase rebalancePhase(EmbeddedCluster c) {
    Rebalance r = c.client().resources(Rebalance.class).inNamespace(c.namespace()).withName("on-balanced").get();
    return r == null || r.getStatus() == null ? null : r.getStatus().getPhase();
  }

  private static LosslessDeployment ld(EmbeddedCluster c, String app) {
    return c.client().resources(LosslessDeployment.class).inNamespace(c.namespace()).withName(app).get();
  }

  private static LosslessDeploymentPhase phase(EmbeddedCluster c, String app) {
    LosslessDeployment ld = ld(c, app);
    return ld == null || ld.getStatus() == null ? null : ld.getStatus().getPhase();
  }
}
