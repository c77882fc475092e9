package dev.ferry.core.rebalance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The arithmetic of EMQX 5's node rebalance (see shared/EMQX-API.md), kept apart from brokers and
 * HTTP so that the broker that runs a rebalance and the operator that judges it agree.
 *
 * <ol>
 *   <li>At start the nodes split once, by connections: donors have at least the mean, recipients
 *       less. The split is fixed for the whole rebalance.
 *   <li>Each tick, while connections are not balanced, every donor above the mean of all nodes
 *       evicts up to the rate, but never more than its excess over that mean (rounded up, so that
 *       an unbalanced cluster always makes progress). EMQX evicts the full rate from every donor
 *       above the recipients' average, so with several donors one tick can overshoot into the
 *       opposite imbalance (three donors at 20 and an empty recipient end at 10/10/10/30).
 *   <li>Then the same for sessions, after the takeover wait.
 * </ol>
 */
public final class RebalanceMath {

  private RebalanceMath() {}

  /** The donors and recipients of a rebalance, in the order the nodes were given. */
  public record Split(List<String> donors, List<String> recipients) {
    public Split {
      donors = List.copyOf(donors);
      recipients = List.copyOf(recipients);
    }

    /** A rebalance needs somewhere to move from and somewhere to move to. */
    public boolean movable() {
      return !donors.isEmpty() && !recipients.isEmpty();
    }
  }

  /** Donor if connections ≥ mean, recipient if below. */
  public static Split split(List<NodeLoad> nodes) {
    double mean = average(nodes, NodeLoad::connections);
    List<String> donors = new ArrayList<>();
    List<String> recipients = new ArrayList<>();
    for (NodeLoad n : nodes) {
      (n.connections() >= mean ? donors : recipients).add(n.node());
    }
    return new Split(donors, recipients);
  }

  /** The average of one count over the named nodes; 0 for none. */
  public static double average(
      Split split, boolean donors, Map<String, NodeLoad> loads, ToLongFunction<NodeLoad> count) {
    List<String> names = donors ? split.donors() : split.recipients();
    return average(names.stream().map(loads::get).toList(), count);
  }

  static double average(List<NodeLoad> nodes, ToLongFunction<NodeLoad> count) {
    if (nodes.isEmpty()) {
      return 0;
    }
    long sum = 0;
    for (NodeLoad n : nodes) {
      sum += count.applyAsLong(n);
    }
    return (double) sum / nodes.size();
  }

  /** Whether connections are balanced between the split's donors and recipients. */
  public static boolean connectionsBalanced(
      Split split, Map<String, NodeLoad> loads, Thresholds thresholds) {
    return balanced(split, loads, thresholds, NodeLoad::connections);
  }

  /** Whether sessions are balanced between the split's donors and recipients. */
  public static boolean sessionsBalanced(
      Split split, Map<String, NodeLoad> loads, Thresholds thresholds) {
    return balanced(split, loads, thresholds, NodeLoad::sessions);
  }

  /**
   * Whether disconnected sessions are balanced between the split's donors and recipients: what
   * EMQX's session phase evens out (it never moves a connected session).
   */
  public static boolean disconnectedSessionsBalanced(
      Split split, Map<String, NodeLoad> loads, Thresholds thresholds) {
    return balanced(split, loads, thresholds, NodeLoad::disconnected);
  }

  static boolean balanced(
      Split split, Map<String, NodeLoad> loads, Thresholds t, ToLongFunction<NodeLoad> count) {
    if (!split.movable()) {
      return true;
    }
    return t.balanced(average(split, true, loads, count), average(split, false, loads, count));
  }

  /**
   * How many of one count a donor evicts this tick: nothing once balanced, otherwise up to the
   * rate, and never more than its excess over the mean of all the split's nodes.
   */
  public static long evictionsThisTick(
      String donor,
      Split split,
      Map<String, NodeLoad> loads,
      Thresholds thresholds,
      ToLongFunction<NodeLoad> count,
      int ratePerSecond) {
    return evictionsThisTick(donor, split, loads, thresholds, count, ratePerSecond, 0);
  }

  /**
   * As above, with {@code inFlight} evicted clients that no node counts yet (disconnected, on their
   * way to a recipient): they still belong to the mean. Without them the mean sinks by what was just
   * evicted and the donors evict again before the first ones land: a 3 → 4 rebalance in the lab
   * ended with the new node at twice the others.
   */
  public static long evictionsThisTick(
      String donor,
      Split split,
      Map<String, NodeLoad> loads,
      Thresholds thresholds,
      ToLongFunction<NodeLoad> count,
      int ratePerSecond,
      long inFlight) {
    if (!split.donors().contains(donor) || balanced(split, loads, thresholds, count)) {
      return 0;
    }
    List<NodeLoad> all = new ArrayList<>();
    split.donors().forEach(n -> all.add(loads.get(n)));
    split.recipients().forEach(n -> all.add(loads.get(n)));
    double mean = (average(all, count) * all.size() + inFlight) / all.size();
    long above = (long) Math.ceil(count.applyAsLong(loads.get(donor)) - mean);
    return Math.max(0, Math.min(ratePerSecond, above));
  }

  /**
   * The fewest that must move from donors to recipients until the balanced test holds, assuming each
   * one moved lands on a recipient. 0 when already balanced. This is the "still to give" that the
   * operator shows as progress.
   */
  public static long stillToGive(
      Split split, Map<String, NodeLoad> loads, Thresholds t, ToLongFunction<NodeLoad> count) {
    if (!split.movable()) {
      return 0;
    }
    long donorSum = sum(split.donors(), loads, count);
    long recipientSum = sum(split.recipients(), loads, count);
    int nd = split.donors().size();
    int nr = split.recipients().size();
    // D(k) = (donorSum - k) / nd falls and R(k) = (recipientSum + k) / nr rises with k, so the
    // balanced test is monotone in k: binary search the least k in [0, donorSum].
    long lo = 0;
    long hi = donorSum;
    if (!t.balanced((double) (donorSum - hi) / nd, (double) (recipientSum + hi) / nr)) {
      return hi; // cannot happen with relative > 1 and D(donorSum) = 0, kept for safety
    }
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      if (t.balanced((double) (donorSum - mid) / nd, (double) (recipientSum + mid) / nr)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /**
   * The per-donor rate of a round that cannot overshoot: each donor's share of half of {@code rate}
   * (the broker takes it from every donor at once, so the cluster sees donors × the rate; and it takes
   * it in one burst a second, so the clients of two bursts, reconnecting with their backoff, can come
   * back within one second: half the rate a tick keeps every second within the rate), at most half
   * of what the donor nearest the mean has above it, and at most half of what the recipient lacks,
   * shared by the donors, so that the round can be stopped between two ticks before any donor goes
   * below the mean or the recipient above it. At least 1.
   *
   * @param total the clients the nodes share (live connections, plus any on their way)
   */
  public static int landingRate(List<NodeLoad> nodes, List<String> donors, long total, int rate) {
    if (nodes.isEmpty() || donors.isEmpty()) {
      return Math.max(1, rate);
    }
    double mean = (double) total / nodes.size();
    double nearest = nodes.stream().filter(n -> donors.contains(n.node()))
        .mapToDouble(n -> n.connections() - mean).min().orElse(0);
    long share = rate / (2L * donors.size());
    long half = (long) Math.floor(nearest / 2);
    // Nor more than half of what the recipients still lack, a tick bringing them every donor's rate.
    double lacking = nodes.stream().filter(n -> !donors.contains(n.node()) && n.connections() < mean)
        .mapToDouble(n -> mean - n.connections()).max().orElse(0);
    long fill = (long) Math.floor(lacking / (2.0 * donors.size()));
    return (int) Math.max(1, Math.min(share, Math.min(half, fill)));
  }

  /**
   * The nodes of one of Ferry's rounds: donors are those at least one above the mean of
   * {@code total}; the recipient is the one furthest below it, alone. The Service spreads the
   * donors' clients evenly over the nodes it sends to, so a second recipient a little below the mean
   * would fill past it and give clients back in a later round: each moved client must move once.
   * Nodes at the mean are left out of the round: EMQX would take the full rate from every donor it
   * has, and they have nothing to give.
   */
  public static Split roundSplit(List<NodeLoad> nodes, long total) {
    double mean = nodes.isEmpty() ? 0 : (double) total / nodes.size();
    List<String> donors = new ArrayList<>();
    for (NodeLoad n : nodes) {
      if (n.connections() - mean >= 1) {
        donors.add(n.node());
      }
    }
    List<String> recipient = nodes.stream().filter(n -> mean - n.connections() >= 1)
        .min(java.util.Comparator.comparingLong(NodeLoad::connections)).map(NodeLoad::node).stream().toList();
    return new Split(donors, recipient);
  }

  /**
   * Balanced both ways: the busiest node is within the thresholds above the mean, and the mean
   * within them above the idlest. EMQX's test only asks the donors' average to come down to the
   * recipients', which a rebalance that overshot passes.
   */
  public static boolean balancedBothWays(List<NodeLoad> nodes, Thresholds t) {
    if (nodes.size() < 2) {
      return true;
    }
    double mean = average(nodes, NodeLoad::connections);
    long max = nodes.stream().mapToLong(NodeLoad::connections).max().orElse(0);
    long min = nodes.stream().mapToLong(NodeLoad::connections).min().orElse(0);
    return t.balanced(max, mean) && t.balanced(mean, min);
  }

  private static long sum(List<String> names, Map<String, NodeLoad> loads, ToLongFunction<NodeLoad> c) {
    long s = 0;
    for (String n : names) {
      s += c.applyAsLong(loads.get(n));
    }
    return s;
  }
}
