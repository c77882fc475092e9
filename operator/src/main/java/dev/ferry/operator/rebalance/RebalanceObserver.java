package dev.ferry.operator.rebalance;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalanceStatus;
import dev.ferry.core.rebalance.RebalancePlan.Member;
import dev.ferry.core.rebalance.RebalancePlan.Running;
import dev.ferry.core.rebalance.RebalancePlan.StartRefusal;
import dev.ferry.operator.drain.BrokerNodes;
import dev.ferry.operator.drain.EmqxDrainer;
import dev.ferry.operator.drain.EmqxPods;
import dev.ferry.operator.emqx.EmqxApi;
import dev.ferry.operator.emqx.EmqxException;
import dev.ferry.operator.emqx.EmqxModel.RebalanceEntry;
import dev.ferry.operator.kube.PodStates;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a Rebalance sees of its target's brokers: each serving pod asked about itself (its node and
 * counts), the pods this Rebalance holds out of the Service, and whether the broker's rebalance runs
 * — asked of its coordinator only, since EMQX's global status silently leaves out nodes that miss
 * its multicall and any other node answers a stop with {@code not_started}.
 */
final class RebalanceObserver {

  /**
   * @param members the serving pods whose node answered, with their loads
   * @param apis each member's API, by node name
   * @param held the live pods this Rebalance holds
   * @param running whether the broker's rebalance runs, per its coordinator
   * @param entry the coordinator's entry while it runs
   * @param unanswered serving pods that could not be asked, with why
   */
  record Seen(List<Member> members, Map<String, EmqxApi> apis, List<String> held, Running running,
      Optional<RebalanceEntry> entry, Map<String, String> unanswered) {}

  private final EmqxDrainer.Apis connect;

  RebalanceObserver(EmqxDrainer.Apis connect) {
    this.connect = connect;
  }

  static String holder(Rebalance rb) {
    return "Rebalance/" + rb.getMetadata().getName();
  }

  /** The live pods of the target that carry this Rebalance's hold. */
  static List<String> held(Rebalance rb, List<Pod> pods) {
    String me = holder(rb);
    return pods.stream().filter(p -> !PodStates.terminating(p) && me.equals(PodStates.heldBy(p)))
        .map(p -> p.getMetadata().getName()).sorted().toList();
  }

  /** The target's ready pods of its current revision: the nodes a rebalance balances. */
  static List<Pod> serving(LosslessDeployment target, List<Pod> pods) {
    String revision = target.getStatus() == null ? null : target.getStatus().getCurrentRevision();
    return pods.stream().filter(p -> !PodStates.terminating(p) && PodStates.containersReady(p))
        .filter(p -> revision == null || revision.equals(PodStates.revision(p))).toList();
  }

  Seen observe(Rebalance rb, List<Pod> pods, List<Pod> serving, String coordinator) {
    List<Member> members = new ArrayList<>();
    Map<String, EmqxApi> apis = new java.util.LinkedHashMap<>();
    Map<String, String> unanswered = new java.util.TreeMap<>();
    for (EmqxPods.Answer a : EmqxPods.ask(serving, connect, false)) {
      if (a.problem() != null) {
        unanswered.put(a.pod().getMetadata().getName(), a.problem().detail());
        continue;
      }
      members.add(new Member(a.pod().getMetadata().getName(),
          a.load(),
          PodStates.view(a.pod()).gateTrue()));
      apis.put(a.self().node(), a.api());
    }
    Running running = Running.NO;
    Optional<RebalanceEntry> entry = Optional.empty();
    if (coordinator != null) {
      try {
        Optional<EmqxApi> api = coordinatorApi(coordinator, pods, apis);
        if (api.isPresent()) {
          List<RebalanceEntry> all = api.get().globalStatus().rebalances();
          // Its own entry first; else one on another coordinator: a round whose start was made but
          // whose record was lost (the operator killed in between) is found and followed, not started
          // again.
          entry = all.stream().filter(e -> coordinator.equals(e.coordinatorNode()) || coordinator.equals(e.node()))
              .findFirst().or(() -> all.stream().filter(e -> e.coordinatorNode() != null).findFirst());
        }
        running = entry.isPresent() ? Running.YES : Running.NO;
      } catch (EmqxException e) {
        running = Running.UNKNOWN;
      }
    }
    return new Seen(members, apis, held(rb, pods), running, entry, unanswered);
  }

  /**
   * The coordinator's own API: its pod is found by node name among the members, or among every
   * live pod (it may not serve). A coordinator with no pod any more is lost: its rebalance is over.
   */
  private Optional<EmqxApi> coordinatorApi(String coordinator, List<Pod> pods, Map<String, EmqxApi> apis)
      throws EmqxException {
    if (apis.containsKey(coordinator)) {
      return Optional.of(apis.get(coordinator));
    }
    for (Pod p : pods) {
      if (!PodStates.terminating(p) && BrokerNodes.ip(p) != null && BrokerNodes.runs(p, coordinator)) {
        return Optional.of(connect.at(BrokerNodes.ip(p)));
      }
    }
    return Optional.empty();
  }

  /** The refused starts status remembers, or null. */
  static StartRefusal refusal(RebalanceStatus s) {
    if (s.getStartFailures() == null || s.getStartFailures() == 0) {
      return null;
    }
    String m = s.getStartError() == null ? "" : s.getStartError();
    return new StartRefusal(s.getStartFailures(), m, m.contains("nothing_to_balance"));
  }
}
