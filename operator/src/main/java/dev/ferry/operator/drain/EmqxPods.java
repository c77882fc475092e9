package dev.ferry.operator.drain;

import dev.ferry.core.release.DrainView;
import dev.ferry.operator.emqx.EmqxApi;
import dev.ferry.operator.emqx.EmqxException;
import dev.ferry.operator.emqx.EmqxModel.LocalStatus;
import dev.ferry.operator.emqx.EmqxModel.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Every pod's EMQX asked about itself, on its own IP, all at once: its {@code /nodes} (which node it
 * is, and its view of the cluster) and, when wanted, its own {@code /load_rebalance/status}. No pod
 * answers for another, and a pod that takes EMQX's 15 s to answer delays a pass once, not once per
 * pod.
 */
public final class EmqxPods {
  private EmqxPods() {}

  /**
   * What one pod said about itself.
   *
   * @param pod the pod
   * @param api its API, or null when it could not be reached
   * @param self its own node (null when it could not be told)
   * @param view the nodes it lists (its view of the cluster)
   * @param status its own load-rebalance status, when asked for and answered
   * @param problem why something could not be learnt, as a drain sees it (null when all answered)
   */
  public record Answer(Pod pod, EmqxApi api, Node self, List<Node> view, LocalStatus status, DrainView problem) {
    public Answer {
      view = List.copyOf(view);
    }

    String name() {
      return pod.getMetadata().getName();
    }

    /** What its node carries, as a rebalance weighs it (only when {@code self} was told). */
    public dev.ferry.core.rebalance.NodeLoad load() {
      return new dev.ferry.core.rebalance.NodeLoad(self.node(), self.liveConnections(), self.connections());
    }
  }

  /** Asks each pod; {@code withStatus} adds each pod's own load-rebalance status. */
  public static List<Answer> ask(List<Pod> pods, EmqxDrainer.Apis apis, boolean withStatus) {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Answer>> asked = pods.stream().map(p -> pool.submit(() -> ask(p, apis, withStatus))).toList();
      List<Answer> out = new ArrayList<>();
      for (int i = 0; i < pods.size(); i++) {
        Pod p = pods.get(i);
        try {
          out.add(asked.get(i).get());
        } catch (ExecutionException e) {
          out.add(failed(p, DrainView.unreachable("asking " + p.getMetadata().getName() + " failed: " + e.getCause())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          out.add(failed(p, DrainView.unreachable("interrupted")));
        }
      }
      return out;
    }
  }

  private static Answer ask(Pod pod, EmqxDrainer.Apis apis, boolean withStatus) {
    String ip = BrokerNodes.ip(pod);
    if (ip == null) {
      return failed(pod, DrainView.unreachable("pod has no IP yet"));
    }
    EmqxApi api;
    List<Node> view;
    try {
      api = apis.at(ip);
      view = api.nodes();
    } catch (EmqxException e) {
      return failed(pod, problem(e));
    }
    Optional<Node> self = BrokerNodes.of(pod, view);
    if (self.isEmpty()) {
      return new Answer(pod, api, null, view, null, DrainView.unreachable(api.base() + "/nodes lists no node at " + ip
          + " (nodes: " + view.stream().map(Node::node).toList() + ")"));
    }
    if (!withStatus) {
      return new Answer(pod, api, self.get(), view, null, null);
    }
    try {
      return new Answer(pod, api, self.get(), view, api.localStatus(), null);
    } catch (EmqxException e) {
      return new Answer(pod, api, self.get(), view, null, problem(e));
    }
  }

  private static Answer failed(Pod pod, DrainView problem) {
    return new Answer(pod, null, null, List.of(), null, problem);
  }

  /**
   * A failed call as the plans see it: a setup problem (credentials, permission, no evacuation API,
   * TLS, address: nothing changes until someone fixes it) is REFUSED, anything else UNREACHABLE.
   */
  static DrainView problem(EmqxException e) {
    return e.setupProblem() ? DrainView.refused(e.getMessage()) : DrainView.unreachable(e.getMessage());
  }
}
