package dev.ferry.broker.evacuation;

import dev.ferry.core.pacing.EvictionPacer;
import dev.ferry.core.rebalance.NodeLoad;
import dev.ferry.core.rebalance.RebalanceMath;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster rebalance as its coordinator runs it (EMQX 5's {@code emqx_node_rebalance}). Pure:
 * the coordinator passes in time and the nodes' loads and carries out the evictions that come out.
 * The arithmetic is core's {@link RebalanceMath}, so the operator judges with the same numbers.
 *
 * <pre>
 * start: split the nodes once by connections (donor ≥ mean > recipient); already balanced →
 *        refused with nothing_to_balance. Donors turn unavailable (503) at once.
 * wait_health_check   wait_health_check seconds; then donors refuse new clients
 * evicting_conns      each tick, while connections are not balanced, every donor above the
 *                     mean evicts up to conn_evict_rate (per-donor pacer), never more than its
 *                     excess: clients evicted in the last second count as still in the cluster
 *                     (on their way to a recipient), and a donor counts as no fuller than its
 *                     load at start minus what it was told to evict (its reported load lags)
 * wait_takeover       wait_takeover seconds for evicted clients to settle elsewhere
 * evicting_sessions   the same for disconnected sessions, handed to random recipients; ends when
 *                     sessions are balanced or no donor has a session it could move
 * done                donors accept clients again; the entry disappears from global_status
 * </pre>
 */
public final class Rebalance {

  public enum State {
    WAIT_HEALTH_CHECK,
    EVICTING_CONNS,
    WAIT_TAKEOVER,
    EVICTING_SESSIONS,
    DONE;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** What every donor does this tick: connections to evict and sessions to move, by node. */
  public record Orders(Map<String, Integer> evictConnections, Map<String, Integer> moveSessions) {
    static Orders none() {
      return new Orders(Map.of(), Map.of());
    }
  }

  private final RebalanceParams params;
  private final RebalanceMath.Split split;
  private final Map<String, EvictionPacer> connPacers = new HashMap<>();
  private final Map<String, EvictionPacer> sessPacers = new HashMap<>();
  private final Map<String, Long> startConnections = new HashMap<>();
  private final Map<String, Long> orderedConnections = new HashMap<>();
  /** Evictions ordered within the last {@link #IN_FLIGHT_MILLIS}: {time, count}. */
  private final java.util.ArrayDeque<long[]> recentEvictions = new java.util.ArrayDeque<>();
  private State state = State.WAIT_HEALTH_CHECK;
  private long stateSince;
  private Map<String, NodeLoad> lastLoads;

  /**
   * How long an evicted client counts as on its way: a reconnect takes milliseconds, a peer's
   * reported load lags up to a status period (250 ms); a second covers both with room.
   */
  static final long IN_FLIGHT_MILLIS = 1000;

  private Rebalance(
      RebalanceParams params, RebalanceMath.Split split, long now, Map<String, NodeLoad> loads, int slicesPerSecond) {
    this.params = params;
    this.split = split;
    this.stateSince = now;
    this.lastLoads = loads;
    for (String d : split.donors()) {
      connPacers.put(d, new EvictionPacer(params.connEvictRate(), slicesPerSecond));
      sessPacers.put(d, new EvictionPacer(params.sessEvictRate(), slicesPerSecond));
      startConnections.put(d, loads.get(d).connections());
      orderedConnections.put(d, 0L);
    }
  }

  /**
   * Starts a rebalance over {@code loads} (the listed nodes, in order), or returns null when there
   * is nothing to balance.
   */
  public static Rebalance start(RebalanceParams params, List<NodeLoad> loads, long now) {
    return start(params, loads, now, 1);
  }

  /** As above, the evictions spread over {@code slicesPerSecond} ticks a second. */
  public static Rebalance start(RebalanceParams params, List<NodeLoad> loads, long now, int slicesPerSecond) {
    RebalanceMath.Split split = RebalanceMath.split(loads);
    Map<String, NodeLoad> byNode = byNode(loads);
    if (!split.movable()
        || (RebalanceMath.connectionsBalanced(split, byNode, params.connThresholds())
            && RebalanceMath.sessionsBalanced(split, byNode, params.sessThresholds()))) {
      return null;
    }
    return new Rebalance(params, split, now, byNode, slicesPerSecond);
  }

  public State state() {
    return state;
  }

  public RebalanceParams params() {
    return params;
  }

  public RebalanceMath.Split split() {
    return split;
  }

  /** Whether donors refuse new clients now. */
  public boolean donorsRefusing() {
    return state != State.WAIT_HEALTH_CHECK && state != State.DONE;
  }

  public Map<String, NodeLoad> lastLoads() {
    return lastLoads;
  }

  /**
   * Advances the state machine.
   *
   * @param loads the current loads of the rebalance's nodes
   * @param movableSessions disconnected sessions each donor holds (only those can move)
   */
  public Orders tick(long now, List<NodeLoad> loads, Map<String, Integer> movableSessions) {
    Map<String, NodeLoad> byNode = byNode(loads);
    lastLoads = byNode;
    switch (state) {
      case WAIT_HEALTH_CHECK -> {
        if (now - stateSince < params.waitHealthCheckSeconds() * 1000) {
          return Orders.none();
        }
        enter(State.EVICTING_CONNS, now);
        return tick(now, loads, movableSessions);
      }
      case EVICTING_CONNS -> {
        if (RebalanceMath.connectionsBalanced(split, byNode, params.connThresholds())) {
          enter(State.WAIT_TAKEOVER, now);
          return tick(now, loads, movableSessions);
        }
        while (!recentEvictions.isEmpty() && now - recentEvictions.peekFirst()[0] >= IN_FLIGHT_MILLIS) {
          recentEvictions.pollFirst();
        }
        long inFlight = recentEvictions.stream().mapToLong(e -> e[1]).sum();
        Map<String, NodeLoad> estimated = new LinkedHashMap<>(byNode);
        for (String d : split.donors()) {
          NodeLoad l = byNode.get(d);
          long atMost = Math.max(0, startConnections.get(d) - orderedConnections.get(d));
          estimated.put(d, new NodeLoad(d, Math.min(l.connections(), atMost), l.sessions()));
        }
        Map<String, Integer> evict = new LinkedHashMap<>();
        long evictedNow = 0;
        for (String d : split.donors()) {
          long want = RebalanceMath.evictionsThisTick(
              d, split, estimated, params.connThresholds(), NodeLoad::connections, params.connEvictRate(),
              inFlight);
          int n = connPacers.get(d).take(now, (int) want);
          if (n > 0) {
            evict.put(d, n);
            orderedConnections.merge(d, (long) n, Long::sum);
            evictedNow += n;
          }
        }
        if (evictedNow > 0) {
          recentEvictions.addLast(new long[] {now, evictedNow});
        }
        return new Orders(evict, Map.of());
      }
      case WAIT_TAKEOVER -> {
        if (now - stateSince < params.waitTakeoverSeconds() * 1000) {
          return Orders.none();
        }
        enter(State.EVICTING_SESSIONS, now);
        return tick(now, loads, movableSessions);
      }
      case EVICTING_SESSIONS -> {
        boolean anyMovable = split.donors().stream().anyMatch(d -> movableSessions.getOrDefault(d, 0) > 0);
        if (!anyMovable || RebalanceMath.sessionsBalanced(split, byNode, params.sessThresholds())) {
          enter(State.DONE, now);
          return Orders.none();
        }
        Map<String, Integer> move = new LinkedHashMap<>();
        for (String d : split.donors()) {
          long want = Math.min(
              movableSessions.getOrDefault(d, 0),
              RebalanceMath.evictionsThisTick(
                  d, split, byNode, params.sessThresholds(), NodeLoad::sessions, params.sessEvictRate()));
          int n = sessPacers.get(d).take(now, (int) want);
          if (n > 0) {
            move.put(d, n);
          }
        }
        return new Orders(Map.of(), move);
      }
      default -> {
        return Orders.none();
      }
    }
  }

  /** Ends the rebalance now (stop, or a node it needs went away). */
  public void abort(long now) {
    enter(State.DONE, now);
  }

  private void enter(State s, long now) {
    state = s;
    stateSince = now;
  }

  private static Map<String, NodeLoad> byNode(List<NodeLoad> loads) {
    Map<String, NodeLoad> m = new LinkedHashMap<>();
    for (NodeLoad l : loads) {
      m.put(l.node(), l);
    }
    return m;
  }
}
