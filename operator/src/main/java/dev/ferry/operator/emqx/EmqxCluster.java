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
 * @param api the API of the pod that answered (for calls that follow)
 * @param nodes every node of the cluster, as that pod sees it
 * @param status the cluster's load-rebalance status
 */
public record EmqxCluster(EmqxApi api, List<Node> nodes, GlobalStatus status) {

  /**
   * The cluster as the first pod that answers sees it, each pod reached as {@code connector} says.
   * When none answers: the first setup problem if any pod showed one (so that a wrong credential
   * is not reported as an unreachable cluster), else the last failure.
   */
  public static EmqxCluster read(EmqxConnector connector, List<Pod> pods) throws EmqxException {
    EmqxException setup = null;
    EmqxException last = new EmqxException(0, "NO_POD", "no pod with an IP to ask", null);
    for (Pod p : pods) {
      String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
      if (ip == null) {
        continue;
      }
      try {
        EmqxApi api = connector.connect(ip);
        return new EmqxCluster(api, api.nodes(), api.globalStatus());
      } catch (EmqxException e) {
        last = e;
        if (setup == null && e.setupProblem()) {
          setup = e;
        }
      }
    }
    throw setup != null ? setup : last;
  }

  /** The cluster through EMQX 5's API over plain HTTP on {@code port} of each pod. */
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

  /**
   * The v5 client of a cluster read with {@link #read(HttpClient, List, int, EmqxCredentials)}.
   *
   * @deprecated use {@link #api()}, which is whatever dialect the pod speaks
   * @throws IllegalStateException when the pod speaks EMQX 4.4's dialect
   */
  @Deprecated
  public EmqxClient client() {
    if (api instanceof EmqxClient c) {
      return c;
    }
    throw new IllegalStateException("the EMQX at " + api.base() + " speaks " + api.dialect() + ": use api()");
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
