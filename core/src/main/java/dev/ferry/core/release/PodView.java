package dev.ferry.core.release;

import java.time.Instant;

/**
 * One pod as the plans see it.
 *
 * @param name pod name
 * @param revision the revision label of the pod ({@code ferry.dev/revision})
 * @param containersReady the pod's containers pass their readiness probes (ContainersReady)
 * @param gate the serving gate condition: {@code TRUE}, {@code FALSE}, or {@code null} when not set
 *     yet (which Kubernetes treats as not ready, like False)
 * @param gateChangedAt when the gate last changed (its lastTransitionTime); null if never set
 * @param readyAt since when the containers are ready (for delayed online); null if not ready
 * @param terminating the pod has a deletion timestamp: it is on its way out and counts for nothing
 * @param markedForDeletion carries {@code pod-deletion-cost: -99999}: its set is being scaled down
 *     to remove exactly this pod
 * @param heldOut another process (a running Rebalance) keeps this pod out of the Service on
 *     purpose: the plans must not open its gate, and count it as able to serve
 */
public record PodView(
    String name,
    String revision,
    boolean containersReady,
    Boolean gate,
    Instant gateChangedAt,
    Instant readyAt,
    boolean terminating,
    boolean markedForDeletion,
    boolean heldOut) {

  /** A pod nobody holds out of the Service. */
  public PodView(
      String name, String revision, boolean containersReady, Boolean gate, Instant gateChangedAt,
      Instant readyAt, boolean terminating, boolean markedForDeletion) {
    this(name, revision, containersReady, gate, gateChangedAt, readyAt, terminating, markedForDeletion, false);
  }

  public PodView {
    if (name == null || revision == null) {
      throw new IllegalArgumentException("a pod needs a name and a revision");
    }
  }

  public boolean gateTrue() {
    return Boolean.TRUE.equals(gate);
  }

  public boolean gateFalse() {
    return Boolean.FALSE.equals(gate);
  }

  /** Counted as serving: in the Service's endpoints (containers ready and gate True). */
  public boolean serving() {
    return !terminating && containersReady && gateTrue();
  }

  /** Could serve: ready, and in the Service unless something holds it out on purpose. */
  public boolean available() {
    return !terminating && containersReady && (gateTrue() || heldOut);
  }

  public boolean live() {
    return !terminating;
  }

  public PodView withGate(boolean value, Instant at) {
    return new PodView(name, revision, containersReady, value, at, readyAt, terminating, markedForDeletion, heldOut);
  }
}
