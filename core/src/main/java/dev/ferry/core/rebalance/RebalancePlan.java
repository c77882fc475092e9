package dev.ferry.core.rebalance;

import dev.ferry.core.rebalance.RebalanceMath.Split;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code Rebalance} resource as a pure function: observation in, the one next step out.
 *
 * <p>The one rule above all: <b>no pod is left out of its Service</b>. Every pod whose gate a
 * Rebalance closes carries that Rebalance's hold (an annotation written before the gate closes),
 * and whenever the broker's rebalance does not run — finished, stopped, refused, never started,
 * or the resource deleted — every pod it holds is let go before anything else happens. Letting go
 * only drops the hold: the pod's LosslessDeployment then opens its gate, or keeps it closed when a
 * release it runs meanwhile wants it out.
 *
 * <h2>The algorithm</h2>
 *
 * <ol>
 *   <li><b>Deleted</b>: stop the broker's rebalance on its coordinator, put back every held pod,
 *       then let the resource go (the finalizer is removed).
 *   <li><b>Pending</b>: wait, saying why, while the target releases or does not serve with all its
 *       pods. Split the serving nodes into donors and recipients as EMQX does (donor: live
 *       connections at or above the average); already balanced → Completed at once. Otherwise
 *       close the predicted donors' gates (the Service stops sending them clients they will
 *       refuse), then start the rebalance on a coordinator — a recipient, the first by name, so a
 *       restarted operator picks the same one.
 *   <li><b>A start EMQX refuses</b>: {@code nothing_to_balance} → Completed ("already balanced");
 *       any other refusal is tried again, and after {@link #START_ATTEMPTS} attempts → Failed.
 *       Held pods go back first either way.
 *   <li><b>Processing</b>: follow the broker, as its coordinator reports it. EMQX picks its own
 *       donors: a held pod that is not one goes back at once, a donor that is not held is taken
 *       out. While it runs, show what the donors still have to give. When the coordinator cannot
 *       be asked, wait (its silence proves nothing). Ferry runs it in {@link Rounds}: a round is
 *       stopped before a tick could take a donor below the mean; once its entry is gone (finished,
 *       stopped or lost look the same) and its clients had {@code waitTakeover} to land, the nodes
 *       are judged both ways: balanced → every pod back, Completed; not → another round from the
 *       donors the counts now give, at most {@link #MAX_ROUNDS}, then Failed. A rebalance started
 *       before rounds existed is judged as EMQX judges (held pods back first). A target that
 *       starts a release meanwhile stops the rebalance (Failed): a release moves every client
 *       anyway; one that stops serving with all its pods while it runs stops it too.
 *   <li><b>Completed / Failed</b>: put back any pod still held; nothing else.
 * </ol>
 */
public final class RebalancePlan {
  private RebalancePlan() {}

  /** How many times a start EMQX refuses is tried before the Rebalance fails. */
  public static final int START_ATTEMPTS = 3;

  public enum Phase { Pending, Processing, Completed, Failed }

  /** Whether the broker's rebalance runs, as its coordinator says. */
  public enum Running {
    YES,
    NO,
    /** The coordinator could not be asked: nothing can be concluded. */
    UNKNOWN
  }

  /**
   * Why the target cannot be rebalanced now.
   *
   * @param releasing a release runs (it moves every client anyway, so a rebalance gives way to it);
   *     false when the target is merely not serving with all its pods, or has no status yet
   * @param message what the target's status says, for the condition
   */
  public record TargetIssue(boolean releasing, String message) {
    public static TargetIssue releasing(String message) {
      return new TargetIssue(true, message);
    }

    public static TargetIssue unhealthy(String message) {
      return new TargetIssue(false, message);
    }
  }

  /**
   * Ferry's rounds around the broker's rebalance. EMQX takes {@code conn_evict_rate} from every
   * donor above the recipients' average in one burst a tick, and judges the balance one-sided on
   * live counts that miss the clients still on their way: left alone it overshoots (a new node ends
   * with twice the old ones). So Ferry asks for a rate no tick of which can take a donor below the
   * mean, stops a round when the next ticks could, waits for the evicted clients to land, and judges
   * the nodes both ways; outside the thresholds it runs another round, at most {@link #MAX_ROUNDS}.
   *
   * @param rate connections a second the spec allows across the cluster (split among the donors)
   * @param initialConnections live connections when the first round started (the mean is taken
   *     against it, so clients on their way count); -1 before, or for a rebalance started before
   *     rounds existed (then it is judged as EMQX judges)
   * @param round the round under way or last run; 0 before the first
   * @param roundRate the per-donor rate asked of the broker this round (0 when unknown)
   * @param roundEndedAt when the last round was seen ended, or null while it runs (or before)
   * @param settle how long evicted clients get to land before an ended round is judged
   */
  public record Rounds(int rate, long initialConnections, int round, int roundRate, Instant roundEndedAt,
      java.time.Duration settle) {
    public static Rounds none(int rate) {
      return new Rounds(rate, -1, 0, 0, null, java.time.Duration.ZERO);
    }
  }

  /**
   * What the Service's proxies may still know of the pods a round takes out: a round starts only
   * once they have dropped them, or the clients the donors give would land on the nodes held out too
   * (seen in the lab: 12 of a round's 96 clients on a node held out a moment before, which then
   * gave clients back in a later round, moving some twice).
   *
   * @param inEndpoints pods the Service's EndpointSlices still list as serving
   * @param gateClosedAt when each pod's serving gate closed (absent: open, or not known)
   * @param propagation how long an endpoint change takes to reach every proxy (the target's
   *     {@code lifecycle.propagationSeconds})
   */
  public record ServiceView(java.util.Set<String> inEndpoints, java.util.Map<String, Instant> gateClosedAt,
      java.time.Duration propagation) {
    /** Nothing known: rounds start at once (as before the view existed). */
    public static final ServiceView UNKNOWN = new ServiceView(java.util.Set.of(), java.util.Map.of(), null);

    public ServiceView {
      inEndpoints = java.util.Set.copyOf(inEndpoints);
      gateClosedAt = java.util.Map.copyOf(gateClosedAt);
    }

    /** When the proxies will have dropped {@code pod}: null while its endpoint still serves. */
    Instant droppedAt(String pod) {
      if (propagation == null) {
        return Instant.MIN;
      }
      if (inEndpoints.contains(pod)) {
        return null;
      }
      Instant closed = gateClosedAt.get(pod);
      return closed == null ? Instant.MIN : closed.plus(propagation); // no time to count from: out is out
    }
  }

  /** Rounds run at most: each ends closer to the mean, and a rebalance that cannot land must end. */
  public static final int MAX_ROUNDS = 5;

  /**
   * One serving node of the target.
   *
   * @param pod its pod
   * @param load its node name and counts (from the broker)
   * @param gateOpen its serving gate is True
   */
  public record Member(String pod, NodeLoad load, boolean gateOpen) {}

  /**
   * A start the broker refused.
   *
   * @param attempts how many starts were refused in a row
   * @param message the last refusal, as the broker worded it
   * @param nothingToBalance the broker said the nodes are balanced already
   */
  public record StartRefusal(int attempts, String message, boolean nothingToBalance) {}

  /**
   * @param phase what status says
   * @param deleting the resource is being deleted
   * @param targetIssue why the target cannot be rebalanced now (releasing, degraded, no status yet), or null
   * @param members the target's serving nodes that answered
   * @param silent serving pods whose broker did not answer, with why (null when all did): nothing
   *     is started, and a running rebalance is only watched, while the picture is incomplete
   * @param held every live pod of the target that this Rebalance holds out of the Service
   * @param coordinator the coordinator recorded when it started, or null before
   * @param running whether the broker's rebalance runs, as the coordinator says
   * @param donors the donors: the broker's while it runs, else the ones recorded (empty before)
   * @param refusal the last start the broker refused, or null
   * @param connections thresholds for connections
   * @param sessions thresholds for sessions
   * @param rounds Ferry's rounds so far
   * @param service what the Service's proxies may still know of the held pods
   * @param now the time
   */
  public record Observation(
      Phase phase, boolean deleting, TargetIssue targetIssue, List<Member> members, String silent, List<String> held,
      String coordinator, Running running, List<String> donors, StartRefusal refusal,
      Thresholds connections, Thresholds sessions, Rounds rounds, ServiceView service, Instant now) {
    public Observation {
      members = List.copyOf(members);
      held = List.copyOf(held);
      donors = List.copyOf(donors);
    }
  }

  /** What to do. */
  public sealed interface Action {
    record Wait(Instant recheckAt) implements Action {}

    /** Hold these pods for this Rebalance, then close their gates. */
    record Hold(List<String> pods) implements Action {
      public Hold {
        pods = List.copyOf(pods);
      }
    }

    /** Let go of these pods: their LosslessDeployment decides their gates again. */
    record Unhold(List<String> pods) implements Action {
      public Unhold {
        pods = List.copyOf(pods);
      }
    }

    /**
     * Start a round on the coordinator.
     *
     * @param connRate connections a second each donor evicts this round
     * @param initialConnections the total the round evens out against
     * @param round its number, 1 for the first
     */
    record Start(String coordinator, List<String> nodes, List<String> donors, int connRate, long initialConnections,
        int round) implements Action {}

    record Stop(String coordinator) implements Action {}

    /** The finalizer can go: nothing of this rebalance is left in the cluster. */
    record Release() implements Action {}
  }

  public record Step(Action action, Phase phase, String reason, String message) {}

  public static Step next(Observation o) {
    if (o.deleting()) {
      return deleting(o);
    }
    return switch (o.phase()) {
      case Completed, Failed -> putBack(o, o.phase())
          .orElse(new Step(new Action.Wait(o.now().plusSeconds(300)), o.phase(), "Done", "done"));
      case Pending -> pending(o);
      case Processing -> processing(o);
    };
  }

  private static Step deleting(Observation o) {
    if (o.running() == Running.YES) {
      return new Step(new Action.Stop(o.coordinator()), o.phase(), "Stopping",
          "deleted while running: stopping the rebalance on " + o.coordinator());
    }
    if (o.running() == Running.UNKNOWN && o.coordinator() != null) {
      return new Step(new Action.Wait(o.now().plusSeconds(5)), o.phase(), "CoordinatorUnknown",
          "deleted: waiting to ask the coordinator " + o.coordinator() + " whether its rebalance still runs");
    }
    return putBack(o, o.phase())
        .orElse(new Step(new Action.Release(), o.phase(), "Released", "stopped; every pod serves again"));
  }

  private static Step pending(Observation o) {
    Optional<Step> back = putBack(o, Phase.Pending);
    if (o.targetIssue() != null || o.silent() != null) {
      return back.orElse(new Step(new Action.Wait(o.now().plusSeconds(5)), Phase.Pending, "WaitingForTarget",
          o.targetIssue() != null ? o.targetIssue().message() : "brokers do not answer: " + o.silent()));
    }
    List<NodeLoad> loads = loads(o);
    if (o.refusal() != null && (o.refusal().nothingToBalance() || o.refusal().attempts() >= START_ATTEMPTS)) {
      return back.orElse(o.refusal().nothingToBalance()
          ? new Step(new Action.Wait(o.now()), Phase.Completed, "NothingToBalance",
              "already balanced (the broker: nothing_to_balance): " + describe(loads))
          : new Step(new Action.Wait(o.now()), Phase.Failed, "StartRefused",
              "the broker refused to start the rebalance " + o.refusal().attempts() + " times: "
                  + o.refusal().message()));
    }
    Split split = RebalanceMath.split(loads);
    Map<String, NodeLoad> m = index(loads);
    // EMQX's own start test, to spare a start it would refuse: live connections and *all* sessions
    // (its session phase then evens out disconnected ones, and so does the judgement at the end).
    if (!split.movable() || (RebalanceMath.connectionsBalanced(split, m, o.connections())
        && RebalanceMath.sessionsBalanced(split, m, o.sessions()))) {
      return back.orElse(new Step(new Action.Wait(o.now()), Phase.Completed, "NothingToBalance",
          "already balanced: " + describe(loads)));
    }
    long total = loads.stream().mapToLong(NodeLoad::connections).sum();
    // Back in Pending after a refused start: the rounds go on counting, so the limit holds.
    int round = o.rounds().round() + 1;
    if (round > MAX_ROUNDS) {
      return back.orElse(new Step(new Action.Wait(o.now()), Phase.Failed, "NotBalanced",
          "still outside the thresholds after " + MAX_ROUNDS + " rounds: " + describe(loads)));
    }
    return startRound(o, Phase.Pending, total, round);
  }

  /**
   * Holds the round's donors, then starts it at a rate that cannot overshoot: a donor's share of the
   * spec's rate, and at most half of what the donor nearest the mean has above it.
   */
  private static Step startRound(Observation o, Phase holding, long total, int round) {
    List<NodeLoad> loads = loads(o);
    Split split = RebalanceMath.roundSplit(loads, total);
    if (!split.movable()) {
      return putBack(o, holding).orElse(new Step(new Action.Wait(o.now()), Phase.Completed, "NothingToBalance",
          "no node is above the mean: " + describe(loads)));
    }
    // Every node but the recipients leaves the Service for the round: the clients the donors give
    // then land on the recipients only, not on nodes that are at the mean already.
    List<String> outOfService = loads.stream().map(NodeLoad::node).filter(n -> !split.recipients().contains(n)).toList();
    List<String> close = toHold(o, outOfService);
    if (!close.isEmpty()) {
      return new Step(new Action.Hold(close), holding, "ClosingDonors",
          "taking " + String.join(", ", close) + " out of the Service before round " + round + ": clients go to "
              + String.join(", ", split.recipients()) + " only");
    }
    Optional<Step> propagating = untilDropped(o, podsOf(o, outOfService), holding, round);
    if (propagating.isPresent()) {
      return propagating.get();
    }
    String coordinator = split.recipients().stream().sorted().findFirst().orElseThrow();
    List<String> nodes = loads.stream().map(NodeLoad::node)
        .filter(n -> split.donors().contains(n) || split.recipients().contains(n)).toList();
    int rate = RebalanceMath.landingRate(loads, split.donors(), total, o.rounds().rate());
    return new Step(new Action.Start(coordinator, nodes, split.donors(), rate, total, round), Phase.Processing,
        round == 1 ? "Started" : "NextRound",
        (round == 1 ? "rebalancing" : "round " + round + ": rebalancing") + " from " + String.join(", ", split.donors())
            + " to " + String.join(", ", split.recipients()) + " at " + rate + "/s each (coordinator " + coordinator
            + "): " + describe(loads));
  }

  private static Step processing(Observation o) {
    if (o.running() == Running.UNKNOWN) {
      // Only the broker's donors stay out meanwhile (they refuse clients while it may run): the nodes
      // a round held at the mean go back, so that the Service is never left with the recipients
      // alone, whose coordinator is the one that does not answer.
      Optional<Step> middle = letGoOfNonDonors(o);
      return middle.orElse(new Step(new Action.Wait(o.now().plusSeconds(2)), Phase.Processing, "CoordinatorUnknown",
          "cannot ask the coordinator " + o.coordinator() + " how its rebalance goes; asking again"));
    }
    if (o.running() == Running.YES && o.silent() != null && o.rounds().initialConnections() > 0) {
      // Without every donor's count, no one watches how close to the mean they are: stop the round
      // rather than let the broker evict blind.
      return new Step(new Action.Stop(o.coordinator()), Phase.Processing, "EndingRound",
          "ending round " + o.rounds().round() + ": brokers do not answer: " + o.silent());
    }
    if (o.targetIssue() != null && (o.running() == Running.YES || o.targetIssue().releasing())) {
      if (o.running() == Running.YES) {
        return new Step(new Action.Stop(o.coordinator()), Phase.Processing, "Stopping",
            "stopping: " + o.targetIssue().message());
      }
      return putBack(o, Phase.Processing).orElse(new Step(new Action.Wait(o.now()), Phase.Failed, "TargetChanged",
          "stopped: " + o.targetIssue().message()));
    }
    if (o.running() == Running.NO && o.rounds().initialConnections() > 0) {
      return roundEnded(o);
    }
    Optional<Step> back = o.running() == Running.YES ? Optional.empty() : putBack(o, Phase.Processing);
    if (back.isPresent()) {
      return back.get();
    }
    if (o.targetIssue() != null) {
      // The broker's rebalance has ended and every pod is let go; putting them back makes the target
      // briefly short of serving pods until its own reconcile opens their gates. Judging waits for
      // that instead of failing on a gap this Rebalance caused itself.
      return new Step(new Action.Wait(o.now().plusSeconds(2)), Phase.Processing, "WaitingForTarget",
          "ended; judging once the target serves with all its pods: " + o.targetIssue().message());
    }
    if (o.silent() != null) {
      // A partial picture: no hold is changed while it runs, and nothing is judged once it ended.
      return new Step(new Action.Wait(o.now().plusSeconds(2)), Phase.Processing, "BrokersSilent",
          "brokers do not answer: " + o.silent() + "; asking again");
    }
    List<NodeLoad> loads = loads(o);
    Map<String, NodeLoad> m = index(loads);
    Split split = split(o, loads);
    if (o.running() == Running.YES) {
      return followDonors(o).or(() -> landing(o, loads))
          .orElseGet(() -> new Step(new Action.Wait(o.now().plusSeconds(1)), Phase.Processing,
          "Rebalancing", RebalanceMath.stillToGive(split, m, o.connections(), NodeLoad::connections)
              + " connections still to move: " + describe(loads)));
    }
    boolean balanced = RebalanceMath.connectionsBalanced(split, m, o.connections())
        && RebalanceMath.disconnectedSessionsBalanced(split, m, o.sessions());
    return balanced
        ? new Step(new Action.Wait(o.now()), Phase.Completed, "Balanced", "balanced: " + describe(loads))
        : new Step(new Action.Wait(o.now()), Phase.Failed, "NotBalanced",
            "the broker's rebalance ended (stopped, or its coordinator was lost) before the nodes were balanced: "
                + describe(loads));
  }

  /**
   * Stops the round once a tick would take a donor below the mean of the clients there are
   * (counted when the rebalance started, so the evicted ones on their way count): the broker would
   * take the full rate from it however little is left. One more tick may land before the stop does;
   * the rate was chosen at most half of what the donor had, and the next round evens out what it
   * took.
   */
  private static Optional<Step> landing(Observation o, List<NodeLoad> loads) {
    Rounds r = o.rounds();
    if (r.initialConnections() <= 0 || r.roundRate() <= 0 || loads.isEmpty()) {
      return Optional.empty();
    }
    double mean = (double) r.initialConnections() / loads.size();
    Optional<NodeLoad> nearest = loads.stream().filter(l -> o.donors().contains(l.node()))
        .min(java.util.Comparator.comparingLong(NodeLoad::connections));
    if (nearest.isPresent() && nearest.get().connections() - mean < r.roundRate()) {
      NodeLoad d = nearest.get();
      return Optional.of(endRound(o, d.node() + " is " + Math.round(d.connections() - mean) + " above the mean of "
          + Math.round(mean) + " and a tick takes " + r.roundRate(), loads));
    }
    // The recipients are the nodes in the Service that are no donors: with the clients on their way
    // (they land there), one more tick from every donor must not take one past the mean.
    long live = loads.stream().mapToLong(NodeLoad::connections).sum();
    long onTheirWay = Math.max(0, r.initialConnections() - live);
    long tick = (long) r.roundRate() * o.donors().size();
    Optional<Member> fullest = o.members().stream()
        .filter(mb -> !o.donors().contains(mb.load().node()) && !o.held().contains(mb.pod()))
        .max(java.util.Comparator.comparingLong(mb -> mb.load().connections()));
    if (fullest.isPresent() && fullest.get().load().connections() + onTheirWay + tick > mean) {
      NodeLoad f = fullest.get().load();
      return Optional.of(endRound(o, f.node() + " has " + f.connections() + " and " + onTheirWay
          + " on their way, of a mean of " + Math.round(mean) + ", and a tick brings " + tick, loads));
    }
    return Optional.empty();
  }

  private static Step endRound(Observation o, String why, List<NodeLoad> loads) {
    return new Step(new Action.Stop(o.coordinator()), Phase.Processing, "EndingRound",
        "ending round " + o.rounds().round() + ": " + why + ": " + describe(loads));
  }

  /**
   * A round ended (stopped by Ferry, or done as EMQX judges it). Its donors stay out of the Service
   * while the evicted clients land, so that none comes back to them; then the nodes are judged both
   * ways — none above or below the mean by more than the thresholds. Balanced, or after
   * {@link #MAX_ROUNDS}: every pod is put back, and it ends. Otherwise another round, from the
   * donors the counts now give (the ones held that are not go back first).
   */
  private static Step roundEnded(Observation o) {
    Rounds r = o.rounds();
    List<NodeLoad> loads = loads(o);
    if (o.targetIssue() != null) {
      // A target short of pods may be short of the very recipients: nothing stays held meanwhile.
      Optional<Step> back = putBack(o, Phase.Processing);
      if (back.isPresent()) {
        return back.get();
      }
    }
    if (o.silent() != null || o.targetIssue() != null) {
      // A partial picture, or a target short of pods (a moment after pods were put back): not judged.
      return new Step(new Action.Wait(o.now().plusSeconds(1)), Phase.Processing,
          o.silent() != null ? "BrokersSilent" : "WaitingForTarget", o.silent() != null
              ? "brokers do not answer: " + o.silent() + "; asking again"
              : "round " + r.round() + " ended; judging once the target serves with all its pods: "
                  + o.targetIssue().message());
    }
    if (r.roundEndedAt() == null || o.now().isBefore(r.roundEndedAt().plus(r.settle()))) {
      Instant at = r.roundEndedAt() == null ? o.now().plusSeconds(1) : r.roundEndedAt().plus(r.settle());
      return new Step(new Action.Wait(at), Phase.Processing, "RoundEnded",
          "round " + r.round() + " ended; judging once the evicted clients landed: " + describe(loads));
    }
    Map<String, NodeLoad> m = index(loads);
    // Both ways, and as EMQX judges the round's own donors against the rest.
    boolean balanced = RebalanceMath.balancedBothWays(loads, o.connections())
        && RebalanceMath.connectionsBalanced(split(o, loads), m, o.connections())
        && RebalanceMath.disconnectedSessionsBalanced(split(o, loads), m, o.sessions());
    long total = loads.stream().mapToLong(NodeLoad::connections).sum();
    Split next = RebalanceMath.roundSplit(loads, total);
    if (balanced || r.round() >= MAX_ROUNDS || !next.movable()) {
      return putBack(o, Phase.Processing).orElse(balanced
          ? new Step(new Action.Wait(o.now()), Phase.Completed, "Balanced", "balanced both ways after " + r.round()
              + (r.round() == 1 ? " round: " : " rounds: ") + describe(loads))
          : new Step(new Action.Wait(o.now()), Phase.Failed, "NotBalanced",
              "still outside the thresholds after " + r.round() + " rounds: " + describe(loads)));
    }
    List<String> nextRecipients = podsOf(o, next.recipients());
    List<String> letGo = o.held().stream().filter(nextRecipients::contains).sorted().toList();
    if (!letGo.isEmpty()) {
      return new Step(new Action.Unhold(letGo), Phase.Processing, "OpeningDonors",
          "putting " + String.join(", ", letGo) + " back into the Service: a recipient of round " + (r.round() + 1));
    }
    return startRound(o, Phase.Processing, total, r.round() + 1);
  }

  /**
   * While it runs, the held pods are exactly the broker's donors: a predicted donor the broker did
   * not pick goes back into the Service, a donor nobody predicted comes out (it refuses clients
   * once the health-check wait ends).
   */
  private static Optional<Step> followDonors(Observation o) {
    List<String> donorPods = podsOf(o, o.donors());
    // In Ferry's rounds every node but the recipient is held, on purpose, until the round ends; but
    // some node that is no donor always serves: the clients must have somewhere to go. If none does
    // (someone closed it), the emptiest goes back.
    boolean rounds = o.rounds().initialConnections() > 0;
    boolean someoneServes = o.members().stream()
        .anyMatch(mb -> !donorPods.contains(mb.pod()) && !o.held().contains(mb.pod()));
    List<String> emptiest = o.members().stream().filter(mb -> !donorPods.contains(mb.pod()))
        .min(java.util.Comparator.comparingLong(mb -> mb.load().connections())).map(Member::pod).stream().toList();
    List<String> notDonors = o.held().stream()
        .filter(pod -> !donorPods.contains(pod) && (!rounds || (!someoneServes && emptiest.contains(pod))))
        .sorted().toList();
    if (!notDonors.isEmpty()) {
      return Optional.of(new Step(new Action.Unhold(notDonors), Phase.Processing, "FollowingDonors",
          "letting go of " + String.join(", ", notDonors) + ": the broker did not pick them as donors"));
    }
    List<String> hold = toHold(o, o.donors());
    if (!hold.isEmpty()) {
      return Optional.of(new Step(new Action.Hold(hold), Phase.Processing, "FollowingDonors",
          "taking " + String.join(", ", hold) + " out of the Service: the broker picked them as donors"));
    }
    return Optional.empty();
  }

  /** The held pods whose nodes are not the broker's donors, let go; empty when there are none. */
  private static Optional<Step> letGoOfNonDonors(Observation o) {
    List<String> donorPods = podsOf(o, o.donors());
    List<String> others = o.held().stream().filter(p -> !donorPods.contains(p)).sorted().toList();
    return others.isEmpty() ? Optional.empty() : Optional.of(new Step(new Action.Unhold(others), Phase.Processing,
        "OpeningDonors", "putting " + String.join(", ", others) + " back into the Service: not a donor"));
  }

  /** A wait until the Service's proxies have dropped the pods a round holds out; empty once they have. */
  private static Optional<Step> untilDropped(Observation o, List<String> pods, Phase holding, int round) {
    Instant latest = Instant.MIN;
    List<String> listed = new ArrayList<>();
    for (String pod : pods) {
      Instant at = o.service().droppedAt(pod);
      if (at == null) {
        listed.add(pod);
      } else if (at.isAfter(latest)) {
        latest = at;
      }
    }
    if (listed.isEmpty() && !latest.isAfter(o.now())) {
      return Optional.empty();
    }
    Instant recheck = listed.isEmpty() ? latest : o.now().plusSeconds(1);
    return Optional.of(new Step(new Action.Wait(recheck), holding, "WaitingForEndpoints",
        "round " + round + " starts once the Service's proxies have dropped the pods held out: "
            + (listed.isEmpty() ? "propagating until " + latest : "still listed as serving: " + String.join(", ", listed)
                + " (a Service that publishes not-ready addresses keeps them listed)")));
  }

  /** Every pod this Rebalance holds, let go; empty when it holds none. */
  private static Optional<Step> putBack(Observation o, Phase phase) {
    if (o.held().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Step(new Action.Unhold(o.held()), phase, "OpeningDonors",
        "putting " + String.join(", ", o.held()) + " back into the Service"));
  }

  /** The pods of these nodes. */
  private static List<String> podsOf(Observation o, List<String> nodes) {
    return o.members().stream().filter(mb -> nodes.contains(mb.load().node())).map(Member::pod).toList();
  }

  /** The pods of these nodes that are not held and closed yet. */
  private static List<String> toHold(Observation o, List<String> nodes) {
    return o.members().stream()
        .filter(mb -> nodes.contains(mb.load().node()) && (mb.gateOpen() || !o.held().contains(mb.pod())))
        .map(Member::pod).sorted().toList();
  }

  private static Split split(Observation o, List<NodeLoad> loads) {
    List<String> donors = o.donors().stream().filter(d -> loads.stream().anyMatch(l -> l.node().equals(d))).toList();
    List<String> recipients = new ArrayList<>();
    for (NodeLoad l : loads) {
      if (!o.donors().contains(l.node())) {
        recipients.add(l.node());
      }
    }
    return new Split(donors, recipients);
  }

  private static List<NodeLoad> loads(Observation o) {
    return o.members().stream().map(Member::load).toList();
  }

  private static Map<String, NodeLoad> index(List<NodeLoad> loads) {
    Map<String, NodeLoad> m = new LinkedHashMap<>();
    loads.forEach(l -> m.put(l.node(), l));
    return m;
  }

  static String describe(List<NodeLoad> loads) {
    StringBuilder s = new StringBuilder();
    for (NodeLoad l : loads) {
      if (!s.isEmpty()) {
        s.append(", ");
      }
      s.append(l.node()).append('=').append(l.connections());
    }
    return s.toString();
  }
}
