package dev.ferry.broker.evacuation;

import dev.ferry.broker.EmqxProfile;
import dev.ferry.broker.EmqxProfile.Dialect;
import dev.ferry.broker.EmqxProfile.Improvement;

/**
 * The facts of the load rebalance that depend on which EMQX a node behaves as, derived once from its
 * {@link EmqxProfile} so that the state machines and the agent ask plain questions. Each says which
 * EMQX does what (from EMQX's own source; see docs/broker.md).
 *
 * @param evacuationWaitsForHealthCheck an evacuation starts in {@code waiting_health_check}
 *     (Enterprise 5.1 and later); before, and in 4.4, it starts evicting at once
 * @param evacuationUnavailableWhileWaiting the eviction agent is enabled from the start of an
 *     evacuation, allowing connections until the wait ends (5.4 and later), so the node answers 503
 *     and counts as busy during the wait; in 5.1 to 5.3 it is enabled only when the wait ends
 * @param donorsAcceptWhileWaiting rebalance donors accept clients during {@code wait_health_check}
 *     (5.4 and later); before, and in 4.4, they refuse from the start
 * @param redirectOverRest {@code redirect_to} given over REST reaches clients as a Server-Reference
 *     (4.4's API maps it; 5.x ignores it, only its CLI sets one; or the named improvement)
 * @param liveEvacuationStats evacuation stats count live (the improvement), not EMQX's snapshots
 * @param evenRebalance a rebalance caps evictions at the excess and counts clients on their way (the
 *     improvement), not EMQX's full rate from every donor above the recipients' average
 * @param rpcTimeoutsInStatus the rebalance entries carry the RPC timeouts (5.9 and later)
 * @param liveConnectionsInNodes {@code /nodes} has {@code live_connections} and stopped nodes a
 *     {@code role} (5.1 and later, and whatever 4.4's dialect keeps)
 * @param clusterSessionsInNodes {@code /nodes} has {@code cluster_sessions} (5.6 and later)
 * @param evictionSlices ticks a second in the eviction states: 1 is EMQX's one burst a second
 */
record EmqxBehaviour(
    boolean evacuationWaitsForHealthCheck,
    boolean evacuationUnavailableWhileWaiting,
    boolean donorsAcceptWhileWaiting,
    boolean redirectOverRest,
    boolean liveEvacuationStats,
    boolean evenRebalance,
    boolean rpcTimeoutsInStatus,
    boolean liveConnectionsInNodes,
    boolean clusterSessionsInNodes,
    int evictionSlices) {

  static EmqxBehaviour of(EmqxProfile p) {
    boolean v5 = p.dialect() == Dialect.V5;
    return new EmqxBehaviour(
        p.evacuationHealthCheck(),
        p.unavailableDuringHealthCheck(),
        v5 && p.atLeast(5, 4),
        !v5 || p.has(Improvement.REDIRECT_OVER_REST),
        p.has(Improvement.LIVE_EVACUATION_STATS),
        p.has(Improvement.EVEN_REBALANCE),
        v5 && p.atLeast(5, 9),
        !v5 || p.atLeast(5, 1),
        v5 && p.atLeast(5, 6),
        p.evictionSlices());
  }

  /**
   * Whether an evacuation start is refused with {@code eviction_agent_busy} while the node is a
   * rebalance donor: wherever the start enables the agent (4.4, 5.0, 5.4 and later). In 5.1 to 5.3
   * the start succeeds and the evacuation quietly ends when its wait does.
   */
  boolean evacuationStartChecksAgent() {
    return !evacuationWaitsForHealthCheck || evacuationUnavailableWhileWaiting;
  }

  /** Milliseconds between two ticks of an eviction state (EMQX's evict_interval is 1,000). */
  long evictIntervalMillis() {
    return 1000L / evictionSlices;
  }

  /** Whether evictions are spread over the second (the improvement's knob) rather than one burst. */
  boolean sliced() {
    return evictionSlices > 1;
  }
}
