package dev.ferry.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/**
 * The addresses of the lab's network ({@code scripts/lab-network}): a network namespace of the
 * process's own in which two ranges reserved for benchmarking are local, so that pods have
 * addresses that are not loopback (the real apiserver refuses loopback addresses in EndpointSlices)
 * and nothing can leave the machine.
 *
 * <pre>
 *   198.18.0.1          the kube-apiserver
 *   198.18.0.2          etcd
 *   198.18.0.10 …       nodes (our kubelets)
 *   198.18.1.0 – 198.18.255.255   pods
 *   198.19.0.0/16       Services (the apiserver's --service-cluster-ip-range)
 *   2001:2::/48         pods that ask for IPv6
 * </pre>
 */
public final class LabNetwork {
  public static final String API_SERVER = "198.18.0.1";
  public static final String ETCD = "198.18.0.2";
  public static final String SERVICE_RANGE = "198.19.0.0/16";

  private LabNetwork() {}

  /** Whether this process runs in the lab's network: the apiserver's address can be bound here. */
  public static boolean inside() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(API_SERVER), 0));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Fails with a message that says what to do when this process is not in the lab's network. */
  public static void require() {
    if (!inside()) {
      throw new KubeBinaries.Unavailable("not in the lab's network (" + API_SERVER + " cannot be bound here): "
          + "the real control plane runs under scripts/lab-network, which scripts/test, ./ferry and the Maven test forks use");
    }
  }

  /** A free TCP port on {@code host}. */
  public static int freePort(String host) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port on " + host, e);
    }
  }

  /** The {@code n}-th pod address (n from 0): 198.18.1.0 onwards, 65,280 in all. */
  public static String podAddress(int n) {
    int v = 256 + n;
    if (n < 0 || v > 0xFFFF) {
      throw new IllegalArgumentException("pod address " + n + " is outside 198.18.1.0 – 198.18.255.255");
    }
    return "198.18." + (v >> 8) + "." + (v & 0xFF);
  }

  /** The {@code n}-th IPv6 pod address (n from 0): 2001:2::1:0 onwards. */
  public static String podAddress6(int n) {
    return "2001:2::1:" + Integer.toHexString(n);
  }

  /** The {@code n}-th node address (n from 0): 198.18.0.10 onwards. */
  public static String nodeAddress(int n) {
    if (n < 0 || n > 200) {
      throw new IllegalArgumentException("node " + n + " is outside 198.18.0.10 – 198.18.0.210");
    }
    return "198.18.0." + (10 + n);
  }

  static InetAddress address(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(host, e);
    }
  }
}
