package dev.ferry.core.bluegreen;

import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSetView;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the blue-green plan decides from: the spec, what the status remembers, and what the
 * cluster and the drainer show now.
 *
 * @param spec the spec
 * @param targetRevision the revision of the pod template in the spec now
 * @param promotedRevision the revision named by the promotion annotation, or null
 * @param status what the last pass recorded
 * @param revisionSets every revision set of the resource
 * @param pods every pod of the resource
 * @param drains drain state by pod name (missing means none runs)
 * @param now the time
 */
public record BlueGreenObservation(
    BlueGreenSpec spec,
    String targetRevision,
    String promotedRevision,
    ReleaseStatus status,
    List<RevisionSetView> revisionSets,
    List<PodView> pods,
    Map<String, DrainView> drains,
    Instant now) {

  public BlueGreenObservation {
    revisionSets = List.copyOf(revisionSets);
    pods = List.copyOf(pods);
    drains = Map.copyOf(drains);
  }
}
