package dev.ferry.operator.deployment;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.core.release.RevisionSetView;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.time.Instant;

/** Naming and reading of revision sets. */
final class ReplicaSets {
  private ReplicaSets() {}

  static String name(LosslessDeployment ld, String revision) {
    return ld.getMetadata().getName() + "-" + revision;
  }

  static String revision(ReplicaSet rs) {
    var l = rs.getMetadata().getLabels();
    return l == null ? "" : l.getOrDefault(FerryNames.REVISION_LABEL, "");
  }

  static RevisionSetView view(ReplicaSet rs) {
    String created = rs.getMetadata().getCreationTimestamp();
    return new RevisionSetView(
        revision(rs), rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas(),
        created == null ? Instant.EPOCH : Instant.parse(created));
  }
}
