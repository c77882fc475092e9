package dev.ferry.core.adoption;

import dev.ferry.core.release.DrainSettings;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.RevisionSetView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the adoption plan decides from: the spec, what the status remembers, and what the cluster
 * shows of the adopted workload, its Service and Ferry's own set.
 *
 * @param spec the parts of the spec the plan reads
 * @param templateRevision the revision the template names now
 * @param state what status.adoption remembers (null before the adoption started)
 * @param workload the adopted StatefulSet or Deployment
 * @param service the Service of spec.service
 * @param finalizer the LosslessDeployment carries the adoption's finalizer
 * @param ferrySet Ferry's revision set of {@code state.revision()} (null while it does not exist)
 * @param ferryPods the pods of that set
 * @param adopted the workload's pods
 * @param drains what the drainer reports, by pod name (Ferry's pods and the adopted ones)
 * @param rollbackRequested an abort of the adoption's revision, or the LosslessDeployment's deletion
 * @param now the time
 */
public record AdoptionObservation(
    Spec spec, String templateRevision, State state, Workload workload, Service service, boolean finalizer,
    RevisionSetView ferrySet, List<PodView> ferryPods, List<AdoptedPod> adopted, Map<String, DrainView> drains,
    boolean rollbackRequested, Instant now) {

  public AdoptionObservation {
    ferryPods = List.copyOf(ferryPods);
    adopted = List.copyOf(adopted);
    drains = Map.copyOf(drains);
  }

  public enum Kind { StatefulSet, Deployment }

  /**
   * @param kind the adopted workload's kind
   * @param name its name
   * @param deleteAfterwards delete the workload at the end ({@code afterwards: Delete})
   * @param replicas Ferry's pods ({@code spec.replicas})
   * @param initialDelay after the switch, before the first drain
   * @param progressDeadline how long Ferry's pods may take to be ready before the adoption rolls back
   * @param drain how pods are drained
   */
  public record Spec(
      Kind kind, String name, boolean deleteAfterwards, int replicas, Duration initialDelay, Duration progressDeadline,
      DrainSettings drain) {}

  /**
   * What status.adoption remembers.
   *
   * @param phase the phase
   * @param revision Ferry's revision that takes the clients over, fixed when the adoption starts
   * @param phaseStartedAt when the phase began
   */
  public record State(AdoptionPhase phase, String revision, Instant phaseStartedAt) {}

  /**
   * @param exists the workload exists
   * @param replicas its spec.replicas
   * @param recordedReplicas its replicas before the adoption (its annotation), null when not recorded
   */
  public record Workload(boolean exists, int replicas, Integer recordedReplicas) {}

  /**
   * @param recorded the Service carries its selector from before the adoption (its annotation)
   * @param switched its selector carries ferry.dev/deployment: it selects Ferry's pods only
   * @param inEndpoints the pods its EndpointSlices list as serving: where the proxies may still send
   *     clients, whatever the selector says now
   */
  public record Service(boolean recorded, boolean switched, java.util.Set<String> inEndpoints) {
    public Service {
      inEndpoints = java.util.Set.copyOf(inEndpoints);
    }
  }

  /**
   * One pod of the adopted workload.
   *
   * @param view the pod (its revision and gate are not read: an adopted pod has neither)
   * @param ordinal its StatefulSet ordinal; -1 for a Deployment's pod
   */
  public record AdoptedPod(PodView view, int ordinal) {}
}
