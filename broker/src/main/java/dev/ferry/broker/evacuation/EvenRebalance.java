package dev.ferry.broker.evacuation;

import dev.ferry.broker.evacuation.Rebalance.NodeCounts;
import dev.ferry.core.pacing.EvictionPacer;
import dev.ferry.core.rebalance.NodeLoad;
import dev.ferry.core.rebalance.RebalanceMath;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arithmetic of {@code EVEN_REBALANCE}, an improvement over EMQX, which lets every donor above
 * the recipients' average evict its full rate each tick and so overshoots. Here (core's
 * {@link RebalanceMath}, the numbers the operator judges with) a donor evicts at most its excess over
 * the mean of all nodes; clients evicted in the last second count as still in the cluster (on their
 * way to a recipient); and a donor counts as no fuller than its load at start minus what it was told
 * to evict, since a peer's reported load lags. Sessions: all of them must balance, each donor gives
 * at most its excess and only disconnected ones, and it ends when none can move.
 *
 * <p>Each donor's grants pass its pacer, so that two ticks close together never give two rates
 * within one second.
 */
final class EvenRebalance {

  /**
   * How long an evicted client counts as on its way: a reconnect takes milliseconds, a peer's
   * reported load lags up to a status period (250 ms); a second covers both with room.
   */
  static final long IN_FLIGHT_MILLIS = 1000;

  private final RebalanceParams params;
  private final RebalanceMath.Split split;
  private final Map<String, Long> startConnections = new HashMap<>();
  private final Map<String, Long> orderedConnections = new HashMap<>();
  /** Evictions ordered within the last {@link #IN_FLIGHT_MILLIS}: {time, count}. */
  private final ArrayDeque<long[]> recentEvictions = new ArrayDeque<>();

  EvenRebalance(RebalanceParams params, List<String> donors, List<String> recipients, Map<String, NodeCounts> initial) {
    this.params = params;
    this.split = new RebalanceMath.Split(donors, recipients);
    for (String d : donors) {
      startConnections.put(d, initial.get(d).connections());
      orderedConnections.put(d, 0L);
    }
  }

  Map<String, Integer> connectionEvictions(long now, Map<String, NodeCounts> counts, Map<String, EvictionPacer> pacers) {
    while (!recentEvictions.isEmpty() && now - recentEvictions.peekFirst()[0] >= IN_FLIGHT_MILLIS) {
      recentEvictions.pollFirst();
    }
    long inFlight = recentEvictions.stream().mapToLong(e -> e[1]).sum();
    Map<String, NodeLoad> estimated = loads(counts);
    for (String d : split.donors()) {
      NodeLoad l = estimated.get(d);
      long atMost = Math.max(0, startConnections.get(d) - orderedConnections.get(d));
      estimated.put(d, new NodeLoad(d, Math.min(l.connections(), atMost), l.sessions()));
    }
    Map<String, Integer> evict = new LinkedHashMap<>();
    long evictedNow = 0;
    for (String d : split.donors()) {
      long want = RebalanceMath.evictionsThisTick(
          d, split, estimated, params.connThresholds(), NodeLoad::connections, params.connEvictRate(), inFlight);
      int n = pacers.get(d).take(now, (int) want);
      if (n > 0) {
        evict.put(d, n);
        orderedConnections.merge(d, (long) n, Long::sum);
        evictedNow += n;
      }
    }
    if (evictedNow > 0) {
      recentEvictions.addLast(new long[] {now, evictedNow});
    }
    return evict;
  }

  /** Over once every session is balanced or no donor holds one that could move. */
  boolean sessionsDone(Map<String, NodeCounts> counts) {
    boolean anyMovable = split.donors().stream().anyMatch(d -> counts.get(d).disconnectedSessions() > 0);
    return !anyMovable || RebalanceMath.sessionsBalanced(split, loads(counts), params.sessThresholds());
  }

  Map<String, Integer> sessionMoves(long now, Map<String, NodeCounts> counts, Map<String, EvictionPacer> pacers) {
    Map<String, NodeLoad> loads = loads(counts);
    Map<String, Integer> move = new LinkedHashMap<>();
    for (String d : split.donors()) {
      long want = Math.min(
          counts.get(d).disconnectedSessions(),
          RebalanceMath.evictionsThisTick(
              d, split, loads, params.sessThresholds(), NodeLoad::sessions, params.sessEvictRate()));
      int n = pacers.get(d).take(now, (int) want);
      if (n > 0) {
        move.put(d, n);
      }
    }
    return move;
  }

  private static Map<String, NodeLoad> loads(Map<String, NodeCounts> counts) {
    Map<String, NodeLoad> out = new LinkedHashMap<>();
    counts.forEach((node, c) -> out.put(node, new NodeLoad(node, c.connections(), c.sessions())));
    return out;
  }
}
