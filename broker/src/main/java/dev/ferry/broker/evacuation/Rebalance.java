package dev.ferry.broker.evacuation;

import dev.ferry.broker.EmqxProfile;
import dev.ferry.core.pacing.EvictionPacer;
import dev.ferry.core.rebalance.Thresholds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.ToLongFunction;

/**
 * A cluster rebalance as its coordinator runs it: EMQX's {@code emqx_node_rebalance}, flaws included
 * (docs/broker.md). Pure: the coordinator passes in time and the nodes' counts, carries out the
 * orders that come out, and calls {@link #tick} again after {@link #nextTickDelay}, counted from the
 * end of the tick's work.
 *
 * <pre>
 * start: split the nodes once by live connections (donor ≥ mean > recipient); no donor, no
 *        recipient, or connections and all sessions both within the thresholds → nothing_to_balance.
 *        Donors turn unavailable (503) at once; 5.4 and later let them accept clients meanwhile.
 * wait_health_check   wait_health_check seconds; then donors refuse new clients
 * evicting_conns      each tick: D and R, the donors' and recipients' average of live connections;
 *                     balanced (D ≤ R + abs or D ≤ R × rel) → wait_takeover; otherwise every donor
 *                     whose count is above R evicts the full conn_evict_rate, however close to R
 *                     it is: it overshoots
 * wait_takeover       wait_takeover seconds for evicted clients to settle elsewhere
 * evicting_sessions   the same over disconnected sessions, each moved to a random recipient
 * done                donors accept clients again; the entry leaves global_status
 * </pre>
 *
 * <p>EMQX keeps the averages of the last tick that evicted (a tick that finds the cluster balanced
 * keeps nothing), and shows them only from then on: {@link #connectionGoal()} and the others are
 * empty before.
 *
 * <p>{@code EVEN_REBALANCE} (the improvement) replaces the per-tick arithmetic with
 * {@link EvenRebalance}: evictions capped at each donor's excess, clients on their way counted.
 * More than one eviction slice spreads each donor's rate over the second with a pacer.
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

  /**
   * One node's counts, as EMQX's eviction agent reads them.
   *
   * @param connections live connections
   * @param sessions every session, connected or not
   * @param disconnectedSessions sessions without a connection (the only ones a rebalance moves)
   */
  public record NodeCounts(String node, long connections, long sessions, long disconnectedSessions) {}

  /** What every donor does this tick: connections to evict and sessions to move, by node. */
  public record Orders(Map<String, Integer> evictConnections, Map<String, Integer> moveSessions) {
    static Orders none() {
      return new Orders(Map.of(), Map.of());
    }
  }

  /** {@link #nextTickDelay} once the rebalance is over. */
  public static final long NO_MORE_TICKS = -1;

  private final RebalanceParams params;
  private final EmqxBehaviour emqx;
  private final List<String> donors;
  private final List<String> recipients;
  private final Map<String, NodeCounts> initial;
  private final Map<String, EvictionPacer> connPacers = new HashMap<>();
  private final Map<String, EvictionPacer> sessPacers = new HashMap<>();
  private final EvenRebalance even;
  private State state = State.WAIT_HEALTH_CHECK;
  private long wakeAt;
  private Double donorConnAvg;
  private Double recipientConnAvg;
  private Double donorSessAvg;
  private Double recipientSessAvg;

  private Rebalance(
      RebalanceParams params, EmqxBehaviour emqx, List<String> donors, List<String> recipients,
      Map<String, NodeCounts> initial, long now) {
    this.params = params;
    this.emqx = emqx;
    this.donors = List.copyOf(donors);
    this.recipients = List.copyOf(recipients);
    this.initial = Map.copyOf(initial);
    this.wakeAt = now + params.waitHealthCheckSeconds() * 1000;
    for (String d : donors) {
      connPacers.put(d, new EvictionPacer(params.connEvictRate(), emqx.evictionSlices()));
      sessPacers.put(d, new EvictionPacer(params.sessEvictRate(), emqx.evictionSlices()));
    }
    this.even = emqx.evenRebalance() ? new EvenRebalance(params, this.donors, this.recipients, initial) : null;
  }

  /** A rebalance of the default profile's EMQX, or null when there is nothing to balance. */
  public static Rebalance start(RebalanceParams params, List<NodeCounts> counts, long now) {
    return start(params, counts, now, EmqxProfile.DEFAULT);
  }

  /**
   * Starts a rebalance over {@code counts} (the listed nodes, in order) as the EMQX of
   * {@code profile} does, or returns null when there is nothing to balance.
   */
  public static Rebalance start(RebalanceParams params, List<NodeCounts> counts, long now, EmqxProfile profile) {
    double mean = average(counts, NodeCounts::connections).orElse(0);
    List<String> donors = new ArrayList<>();
    List<String> recipients = new ArrayList<>();
    Map<String, NodeCounts> byNode = new LinkedHashMap<>();
    for (NodeCounts c : counts) {
      (c.connections() >= mean ? donors : recipients).add(c.node());
      byNode.put(c.node(), c);
    }
    if (donors.isEmpty() || recipients.isEmpty()) {
      return null;
    }
    // At start EMQX weighs every session; the session phase later weighs only disconnected ones.
    boolean connsWithin = within(params.connThresholds(), donors, recipients, byNode, NodeCounts::connections);
    boolean sessionsWithin = within(params.sessThresholds(), donors, recipients, byNode, NodeCounts::sessions);
    if (connsWithin && sessionsWithin) {
      return null;
    }
    return new Rebalance(params, EmqxBehaviour.of(profile), donors, recipients, byNode, now);
  }

  public State state() {
    return state;
  }

  public RebalanceParams params() {
    return params;
  }

  public List<String> donors() {
    return donors;
  }

  public List<String> recipients() {
    return recipients;
  }

  /** A node's counts when the rebalance started. */
  public NodeCounts initial(String node) {
    return initial.get(node);
  }

  /** Whether donors refuse new clients now: once the wait is over, or from the start before 5.4. */
  public boolean donorsRefusing() {
    return switch (state) {
      case WAIT_HEALTH_CHECK -> !emqx.donorsAcceptWhileWaiting();
      case DONE -> false;
      default -> true;
    };
  }

  /** EMQX's {@code connection_goal}: the recipients' average, once a tick evicted connections. */
  public OptionalDouble connectionGoal() {
    return optional(recipientConnAvg);
  }

  /** EMQX's {@code donor_conn_avg}, once a tick evicted connections. */
  public OptionalDouble donorConnectionAverage() {
    return optional(donorConnAvg);
  }

  /** EMQX's {@code disconnected_session_goal}, once a tick moved sessions. */
  public OptionalDouble disconnectedSessionGoal() {
    return optional(recipientSessAvg);
  }

  /** EMQX's {@code donor_sess_avg}, once a tick moved sessions. */
  public OptionalDouble donorSessionAverage() {
    return optional(donorSessAvg);
  }

  /** How long after this tick's work ends the next tick is due, or {@link #NO_MORE_TICKS}. */
  public long nextTickDelay(long nowMillis) {
    return state == State.DONE ? NO_MORE_TICKS : Math.max(0, wakeAt - nowMillis);
  }

  /**
   * Advances the state machine; before the state's timeout, nothing.
   *
   * @param counts the current counts of the rebalance's nodes
   */
  public Orders tick(long now, List<NodeCounts> counts) {
    if (now < wakeAt || state == State.DONE) {
      return Orders.none();
    }
    Map<String, NodeCounts> byNode = new LinkedHashMap<>();
    counts.forEach(c -> byNode.put(c.node(), c));
    return switch (state) {
      case WAIT_HEALTH_CHECK -> {
        state = State.EVICTING_CONNS;
        yield evictConnections(now, byNode);
      }
      case EVICTING_CONNS -> evictConnections(now, byNode);
      case WAIT_TAKEOVER -> {
        state = State.EVICTING_SESSIONS;
        yield moveSessions(now, byNode);
      }
      case EVICTING_SESSIONS -> moveSessions(now, byNode);
      case DONE -> Orders.none();
    };
  }

  /** Ends the rebalance now (stop, or a node it needs went away). */
  public void abort() {
    state = State.DONE;
  }

  private Orders evictConnections(long now, Map<String, NodeCounts> byNode) {
    ToLongFunction<NodeCounts> live = NodeCounts::connections;
    double d = average(donors, byNode, live);
    double r = average(recipients, byNode, live);
    if (params.connThresholds().balanced(d, r)) {
      state = State.WAIT_TAKEOVER;
      wakeAt = now + params.waitTakeoverSeconds() * 1000;
      return Orders.none();
    }
    donorConnAvg = d;
    recipientConnAvg = r;
    wakeAt = now + emqx.evictIntervalMillis();
    Map<String, Integer> evict = even != null
        ? even.connectionEvictions(now, byNode, connPacers)
        : fullRateAbove(r, byNode, live, params.connEvictRate(), connPacers, now);
    return new Orders(evict, Map.of());
  }

  private Orders moveSessions(long now, Map<String, NodeCounts> byNode) {
    ToLongFunction<NodeCounts> disconnected = NodeCounts::disconnectedSessions;
    double d = average(donors, byNode, disconnected);
    double r = average(recipients, byNode, disconnected);
    boolean done = even != null ? even.sessionsDone(byNode) : params.sessThresholds().balanced(d, r);
    if (done) {
      state = State.DONE;
      return Orders.none();
    }
    donorSessAvg = d;
    recipientSessAvg = r;
    wakeAt = now + emqx.evictIntervalMillis();
    Map<String, Integer> move = even != null
        ? even.sessionMoves(now, byNode, sessPacers)
        : fullRateAbove(r, byNode, disconnected, params.sessEvictRate(), sessPacers, now);
    return new Orders(Map.of(), move);
  }

  /**
   * EMQX's {@code nodes_to_evict}: every donor whose count is strictly above the recipients'
   * average gives the full rate (its own agent stops at what it has), with no share and no cap.
   */
  private Map<String, Integer> fullRateAbove(
      double goal, Map<String, NodeCounts> byNode, ToLongFunction<NodeCounts> count, int rate,
      Map<String, EvictionPacer> pacers, long now) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (String donor : donors) {
      if (count.applyAsLong(byNode.get(donor)) > goal) {
        int n = emqx.sliced() ? pacers.get(donor).take(now, rate) : rate;
        if (n > 0) {
          out.put(donor, n);
        }
      }
    }
    return out;
  }

  private static boolean within(
      Thresholds t, List<String> donors, List<String> recipients, Map<String, NodeCounts> byNode,
      ToLongFunction<NodeCounts> count) {
    return t.balanced(average(donors, byNode, count), average(recipients, byNode, count));
  }

  static double average(List<String> nodes, Map<String, NodeCounts> byNode, ToLongFunction<NodeCounts> count) {
    return average(nodes.stream().map(byNode::get).toList(), count).orElse(0);
  }

  private static OptionalDouble average(List<NodeCounts> counts, ToLongFunction<NodeCounts> count) {
    return counts.stream().mapToLong(count).average();
  }

  private static OptionalDouble optional(Double d) {
    return d == null ? OptionalDouble.empty() : OptionalDouble.of(d);
  }
}
