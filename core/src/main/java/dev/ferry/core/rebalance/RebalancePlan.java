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
 *       be asked, wait (its silence proves nothing). When its entry is gone, finished, stopped or
 *       lost all look the same: put the held pods back, wait until the target serves with all its
 *       pods again (their gates reopen a moment after), then judge as EMQX does — live connections
 *       and disconnected sessions within the thresholds → Completed; not → Failed. A target that
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
   * @param now the time
   */
  public record Observation(
      Phase phase, boolean deleting, TargetIssue targetIssue, List<Member> members, String silent, List<String> held,
      String coordinator, Running running, List<String> donors, StartRefusal refusal,
      Thresholds connections, Thresholds sessions, Instant now) {
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

    record Start(String coordinator, List<String> nodes, List<String> donors) implements Action {}

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
    List<String> close = toHold(o, split.donors());
    if (!close.isEmpty()) {
      return new Step(new Action.Hold(close), Phase.Pending, "ClosingDonors",
          "taking the donors " + String.join(", ", close) + " out of the Service before the rebalance");
    }
    String coordinator = split.recipients().stream().sorted().findFirst().orElseThrow();
    List<String> nodes = loads.stream().map(NodeLoad::node).toList();
    return new Step(new Action.Start(coordinator, nodes, split.donors()), Phase.Processing, "Started",
        "rebalancing from " + String.join(", ", split.donors()) + " to " + String.join(", ", split.recipients())
            + " (coordinator " + coordinator + "): " + describe(loads));
  }

  private static Step processing(Observation o) {
    if (o.running() == Running.UNKNOWN) {
      return new Step(new Action.Wait(o.now().plusSeconds(2)), Phase.Processing, "CoordinatorUnknown",
          "cannot ask the coordinator " + o.coordinator() + " how its rebalance goes; asking again");
    }
    if (o.targetIssue() != null && (o.running() == Running.YES || o.targetIssue().releasing())) {
      if (o.running() == Running.YES) {
        return new Step(new Action.Stop(o.coordinator()), Phase.Processing, "Stopping",
            "stopping: " + o.targetIssue().message());
      }
      return putBack(o, Phase.Processing).orElse(new Step(new Action.Wait(o.now()), Phase.Failed, "TargetChanged",
          "stopped: " + o.targetIssue().message()));
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
      return followDonors(o).orElseGet(() -> new Step(new Action.Wait(o.now().plusSeconds(1)), Phase.Processing,
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
   * While it runs, the held pods are exactly the broker's donors: a predicted donor the broker did
   * not pick goes back into the Service, a donor nobody predicted comes out (it refuses clients
   * once the health-check wait ends).
   */
  private static Optional<Step> followDonors(Observation o) {
    List<String> donorPods = o.members().stream().filter(mb -> o.donors().contains(mb.load().node()))
        .map(Member::pod).toList();
    List<String> notDonors = o.held().stream().filter(pod -> !donorPods.contains(pod)).sorted().toList();
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

  /** Every pod this Rebalance holds, let go; empty when it holds none. */
  private static Optional<Step> putBack(Observation o, Phase phase) {
    if (o.held().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Step(new Action.Unhold(o.held()), phase, "OpeningDonors",
        "putting " + String.join(", ", o.held()) + " back into the Service"));
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
