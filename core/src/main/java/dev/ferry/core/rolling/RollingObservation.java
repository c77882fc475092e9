package dev.ferry.core.rolling;

import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSetView;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the rolling plan decides from.
 *
 * @param endpointServing pods that an EndpointSlice of the Service still lists as serving
 * @param endpointsLeftAt for pods out of the Service: when the EndpointSlice was first seen without
 *     them since their gate closed; {@code propagation} counts from then (missing: from the gate)
 */
public record RollingObservation(
    RollingSpec spec,
    String targetRevision,
    ReleaseStatus status,
    List<RevisionSetView> revisionSets,
    List<PodView> pods,
    Map<String, DrainView> drains,
    Set<String> endpointServing,
    Map<String, Instant> endpointsLeftAt,
    Instant now) {

  /** An observation that knows nothing about when pods left the EndpointSlice. */
  public RollingObservation(
      RollingSpec spec, String targetRevision, ReleaseStatus status, List<RevisionSetView> revisionSets,
      List<PodView> pods, Map<String, DrainView> drains, Set<String> endpointServing, Instant now) {
    this(spec, targetRevision, status, revisionSets, pods, drains, endpointServing, Map.of(), now);
  }

  public RollingObservation {
    revisionSets = List.copyOf(revisionSets);
    pods = List.copyOf(pods);
    drains = Map.copyOf(drains);
    endpointServing = Set.copyOf(endpointServing);
    endpointsLeftAt = Map.copyOf(endpointsLeftAt);
  }
}
