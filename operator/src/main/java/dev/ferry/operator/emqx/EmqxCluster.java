package dev.ferry.operator.emqx;

import dev.ferry.operator.emqx.EmqxModel.GlobalStatus;
import dev.ferry.operator.emqx.EmqxModel.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Optional;

/**
 * One look at an EMQX cluster through its pods: any node answers for all of them, so the pods are
 * asked in turn until one answers {@code /nodes} and {@code global_status}.
 *
 * @param client the client of the pod that answered (for calls that follow)
 * @param nodes every node of the cluster
 * @param status the cluster's load-rebalance status
 */
public record EmqxCluster(EmqxClient client, List<Node> nodes, GlobalStatus status) {

  /** The cluster as the first pod that answers sees it; the last failure when none does. */
  public static EmqxCluster read(HttpClient http, List<Pod> pods, int port, EmqxCredentials credentials)
      throws EmqxException {
    EmqxException failure = new EmqxException(0, "NO_POD", "no pod with an IP to ask", null);
    for (Pod p : pods) {
      String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
      if (ip == null) {
        continue;
      }
      try {
        EmqxClient c = new EmqxClient(http, EmqxClient.baseOf(ip, port), credentials);
        return new EmqxCluster(c, c.nodes(), c.globalStatus());
      } catch (EmqxException e) {
        failure = e;
      }
    }
    throw failure;
  }

  /** The node whose host is the pod's IP, its hostname (StatefulSet-style FQDNs too) or its name. */
  public static Optional<Node> nodeOf(Pod pod, List<Node> nodes) {
    String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    String name = pod.getMetadata().getName();
    String hostname = pod.getSpec() == null || pod.getSpec().getHostname() == null ? name : pod.getSpec().getHostname();
    return nodes.stream()
        .filter(n -> {
          String host = n.host();
          return host.equals(ip) || host.equals(name) || host.equals(hostname)
              || host.startsWith(hostname + ".") || host.startsWith(name + ".");
        })
        .findFirst();
  }

  public Optional<Node> nodeOf(Pod pod) {
    return nodeOf(pod, nodes);
  }
}
