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
 * @param notInCluster why what runs in the pod cannot take clients over yet, as the drainer sees
 *     it (EMQX: its broker node is not a running member of the cluster in every pod's view), or
 *     null when nothing stands in the way (and always for drainers with no cluster to join)
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
    boolean heldOut,
    String notInCluster) {

  /** A pod whose drainer reports nothing against it. */
  public PodView(
      String name, String revision, boolean containersReady, Boolean gate, Instant gateChangedAt,
      Instant readyAt, boolean terminating, boolean markedForDeletion, boolean heldOut) {
    this(name, revision, containersReady, gate, gateChangedAt, readyAt, terminating, markedForDeletion, heldOut, null);
  }

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

  /**
   * Can be given clients: live, its containers ready, and (for a clustered broker) a member of the
   * cluster as every pod sees it. New connections and drained clients only ever go to such pods.
   */
  public boolean canTakeOver() {
    return !terminating && containersReady && notInCluster == null;
  }

  public PodView withGate(boolean value, Instant at) {
    return new PodView(name, revision, containersReady, value, at, readyAt, terminating, markedForDeletion, heldOut,
        notInCluster);
  }

  /**
   * "; not in the cluster yet: a (why), b (why)" for the ready pods among {@code pods} that cannot
   * take clients over for being outside the cluster, or "" when there are none.
   */
  public static String notInClusterNote(java.util.Collection<PodView> pods) {
    java.util.List<String> out = pods.stream()
        .filter(p -> p.live() && p.containersReady() && p.notInCluster() != null)
        .sorted(java.util.Comparator.comparing(PodView::name))
        .map(p -> p.name() + " (" + p.notInCluster() + ")")
        .toList();
    return out.isEmpty() ? "" : "; not in the cluster yet: " + String.join(", ", out);
  }

  /** The same pod, held out of the Service by someone or not. */
  public PodView withHeldOut(boolean held) {
    return new PodView(name, revision, containersReady, gate, gateChangedAt, readyAt, terminating, markedForDeletion,
        held, notInCluster);
  }

  /** The same pod with what the drainer says stands between it and the cluster (null: nothing). */
  public PodView withNotInCluster(String why) {
    return new PodView(name, revision, containersReady, gate, gateChangedAt, readyAt, terminating, markedForDeletion,
        heldOut, why);
  }
}
