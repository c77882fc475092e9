package dev.ferry.core.rebalance;

import dev.ferry.core.rebalance.RebalanceMath.Split;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@code Rebalance} resource as a pure function: observation in, the one next step out.
 *
 * <h2>The algorithm</h2>
 *
 * <ol>
 *   <li><b>Deleted while it runs</b>: stop the broker's rebalance, open the donors' gates again,
 *       then let the resource go (the finalizer is removed).
 *   <li><b>Pending</b>: wait, saying why, while the target releases or does not serve with all its
 *       pods. Then split the serving nodes into donors and recipients as EMQX does; already
 *       balanced → Completed at once ("nothing to balance").
 *   <li><b>Start</b>: first close the donors' gates (the Service stops sending them clients they
 *       would refuse), then start the rebalance on a coordinator — a recipient, which is never
 *       evicted from, the first by name so that a restarted operator picks the same one.
 *   <li><b>Processing</b>: follow the broker. While its entry is there, wait and show what the
 *       donors still have to give. When the entry is gone, finished, stopped or the coordinator
 *       lost all look the same: the balanced test decides. Balanced → Completed; not → Failed.
 *       A target that starts a release meanwhile stops the rebalance (Failed): a release moves
 *       every client anyway.
 *   <li><b>Completed / Failed</b>: open the donors' gates if any is still closed; nothing else.
 * </ol>
 */
public final class RebalancePlan {
  private RebalancePlan() {}

  public enum Phase { Pending, Processing, Completed, Failed }

  /**
   * One node of the target.
   *
   * @param pod its pod
   * @param load its node name and counts (from the broker)
   * @param gateOpen its serving gate is True
   */
  public record Member(String pod, NodeLoad load, boolean gateOpen) {}

  /**
   * @param phase what status says
   * @param deleting the resource is being deleted
   * @param targetIssue why the target cannot be rebalanced now (releasing, degraded, missing), or null
   * @param members the target's serving nodes
   * @param donors the donors recorded when it started (node names; empty before)
   * @param running the broker still has a rebalance entry
   * @param connections thresholds for connections
   * @param sessions thresholds for sessions
   * @param now the time
   */
  public record Observation(
      Phase phase, boolean deleting, String targetIssue, List<Member> members, List<String> donors,
      boolean running, Thresholds connections, Thresholds sessions, Instant now) {
    public Observation {
      members = List.copyOf(members);
      donors = List.copyOf(donors);
    }
  }

  /** What to do. */
  public sealed interface Action {
    record Wait(Instant recheckAt) implements Action {}

    record SetGates(Map<String, Boolean> gates) implements Action {}

    record Start(String coordinator, List<String> nodes, List<String> donors) implements Action {}

    record Stop(String coordinator) implements Action {}

    /** The finalizer can go: nothing of this rebalance is left in the cluster. */
    record Release() implements Action {}
  }

  public record Step(Action action, Phase phase, String reason, String message) {}

  public static Step next(Observation o) {
    Map<String, Member> byNode = new LinkedHashMap<>();
    o.members().forEach(m -> byNode.put(m.load().node(), m));
    Optional<Step> reopen = reopenDonors(o, byNode);

    if (o.deleting()) {
      if (o.running()) {
        return new Step(new Action.Stop(coordinator(o)), o.phase(), "Stopping", "deleted while running: stopping the rebalance");
      }
      return reopen.orElse(new Step(new Action.Release(), o.phase(), "Released", "stopped; donors serve again"));
    }
    switch (o.phase()) {
      case Completed, Failed -> {
        return reopen.orElse(new Step(new Action.Wait(o.now().plusSeconds(300)), o.phase(), "Done", "done"));
      }
      case Pending -> {
        return pending(o, byNode);
      }
      case Processing -> {
        return processing(o, byNode, reopen);
      }
    }
    throw new IllegalStateException("unknown phase " + o.phase());
  }

  private static Step pending(Observation o, Map<String, Member> byNode) {
    if (o.targetIssue() != null) {
      return new Step(new Action.Wait(o.now().plusSeconds(5)), Phase.Pending, "WaitingForTarget", o.targetIssue());
    }
    List<NodeLoad> loads = o.members().stream().map(Member::load).toList();
    Split split = RebalanceMath.split(loads);
    Map<String, NodeLoad> m = index(loads);
    if (!split.movable() || (RebalanceMath.connectionsBalanced(split, m, o.connections())
        && RebalanceMath.sessionsBalanced(split, m, o.sessions()))) {
      return new Step(new Action.Wait(o.now()), Phase.Completed, "NothingToBalance",
          "already balanced: " + describe(loads));
    }
    Map<String, Boolean> close = new TreeMap<>();
    for (String d : split.donors()) {
      Member member = byNode.get(d);
      if (member.gateOpen()) {
        close.put(member.pod(), false);
      }
    }
    if (!close.isEmpty()) {
      return new Step(new Action.SetGates(close), Phase.Pending, "ClosingDonors",
          "taking the donors " + String.join(", ", close.keySet()) + " out of the Service before the rebalance");
    }
    String coordinator = split.recipients().stream().sorted().findFirst().orElseThrow();
    List<String> nodes = loads.stream().map(NodeLoad::node).toList();
    return new Step(new Action.Start(coordinator, nodes, split.donors()), Phase.Processing, "Started",
        "rebalancing from " + String.join(", ", split.donors()) + " to " + String.join(", ", split.recipients())
            + " (coordinator " + coordinator + "): " + describe(loads));
  }

  private static Step processing(Observation o, Map<String, Member> byNode, Optional<Step> reopen) {
    List<NodeLoad> loads = o.members().stream().map(Member::load).toList();
    Map<String, NodeLoad> m = index(loads);
    List<String> recipients = new ArrayList<>();
    for (NodeLoad l : loads) {
      if (!o.donors().contains(l.node())) {
        recipients.add(l.node());
      }
    }
    List<String> donors = o.donors().stream().filter(m::containsKey).toList();
    Split split = new Split(donors, recipients);
    if (o.targetIssue() != null) {
      if (o.running()) {
        return new Step(new Action.Stop(coordinator(o)), Phase.Processing, "Stopping",
            "stopping: " + o.targetIssue());
      }
      return reopen.orElse(new Step(new Action.Wait(o.now()), Phase.Failed, "TargetChanged",
          "stopped: " + o.targetIssue()));
    }
    if (o.running()) {
      long toGive = RebalanceMath.stillToGive(split, m, o.connections(), NodeLoad::connections);
      return new Step(new Action.Wait(o.now().plusSeconds(1)), Phase.Processing, "Rebalancing",
          toGive + " connections still to move: " + describe(loads));
    }
    boolean balanced = RebalanceMath.connectionsBalanced(split, m, o.connections())
        && RebalanceMath.sessionsBalanced(split, m, o.sessions());
    if (reopen.isPresent()) {
      return reopen.get();
    }
    return balanced
        ? new Step(new Action.Wait(o.now()), Phase.Completed, "Balanced", "balanced: " + describe(loads))
        : new Step(new Action.Wait(o.now()), Phase.Failed, "NotBalanced",
            "the broker's rebalance ended (stopped, or its coordinator was lost) before the nodes were balanced: "
                + describe(loads));
  }

  /** Donors whose gate is still closed, once nothing runs any more. */
  private static Optional<Step> reopenDonors(Observation o, Map<String, Member> byNode) {
    if (o.running()) {
      return Optional.empty();
    }
    Map<String, Boolean> open = new TreeMap<>();
    for (String d : o.donors()) {
      Member member = byNode.get(d);
      if (member != null && !member.gateOpen()) {
        open.put(member.pod(), true);
      }
    }
    return open.isEmpty() ? Optional.empty()
        : Optional.of(new Step(new Action.SetGates(open), o.phase(), "OpeningDonors",
            "putting the donors " + String.join(", ", open.keySet()) + " back into the Service"));
  }

  private static String coordinator(Observation o) {
    // Any node will do for stop; the one that coordinates is a recipient, the first by name.
    return o.members().stream().map(m -> m.load().node()).filter(n -> !o.donors().contains(n)).sorted()
        .findFirst().orElse(o.members().isEmpty() ? "" : o.members().get(0).load().node());
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
