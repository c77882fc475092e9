package dev.ferry.operator.drain;

import dev.ferry.operator.emqx.EmqxModel.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * Which broker node runs in which pod: the node whose host part ({@code name@host}) is the pod's
 * IP, its hostname (StatefulSet-style FQDNs too) or its name. Never guessed from DNS. IP addresses
 * are compared as addresses, so {@code fd00::5} and {@code fd00:0:0:0:0:0:0:5} are the same pod.
 */
public final class BrokerNodes {
  private BrokerNodes() {}

  public static Optional<Node> of(Pod pod, List<Node> nodes) {
    return nodes.stream().filter(n -> runs(pod, n.node())).findFirst();
  }

  /** Whether the node named {@code node} ({@code name@host}) is the one in this pod. */
  public static boolean runs(Pod pod, String node) {
    String host = node.substring(node.indexOf('@') + 1);
    String name = pod.getMetadata().getName();
    String hostname = pod.getSpec() == null || pod.getSpec().getHostname() == null ? name : pod.getSpec().getHostname();
    return sameAddress(host, ip(pod)) || host.equals(name) || host.equals(hostname)
        || host.startsWith(hostname + ".") || host.startsWith(name + ".");
  }

  public static String ip(Pod p) {
    return p.getStatus() == null ? null : p.getStatus().getPodIP();
  }

  static boolean sameAddress(String host, String ip) {
    if (ip == null || host == null) {
      return false;
    }
    if (host.equals(ip)) {
      return true;
    }
    if (!literal(host) || !literal(ip)) {
      return false;
    }
    try {
      // Both are literals (checked above), so no name is ever looked up.
      return InetAddress.getByName(strip(host)).equals(InetAddress.getByName(strip(ip)));
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean literal(String s) {
    String h = strip(s);
    return h.contains(":") ? h.matches("[0-9a-fA-F:.%]+") : h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
  }

  private static String strip(String s) {
    return s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
  }
}
