package dev.ferry.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What runs in a pod: the part of a container runtime that differs between the lab and the tests
 * (a lab broker node, an HTTP service, a migration Job, a drain server). The {@link Kubelet} does
 * everything Kubernetes does around it: binding, addresses, status, probes, readiness gates,
 * preStop hooks, grace periods and deletion.
 */
public interface ContainerRuntime {

  /**
   * Starts the pod's container, serving on {@code ip} (the pod's own address). Called on a
   * container thread, so it may take its time. An exception is a container that cannot start: the
   * pod stays Running and not ready (CrashLoopBackOff), as a bad image does.
   *
   * @param env the container's environment, {@code secretKeyRef}s resolved
   */
  Container start(Pod pod, Map<String, String> env, String ip) throws Exception;

  /** Whether the pod gets an IPv6 address (2001:2::/48) instead of an IPv4 one. */
  default boolean ipv6(Pod pod) {
    return false;
  }

  /** A started container, as the kubelet sees it. */
  interface Container {

    /** How long after the start the readiness probe first runs (initialDelaySeconds). */
    default Duration startup() {
      return Duration.ZERO;
    }

    /** The readiness probe; called on the kubelet's thread, so it answers within a second. */
    boolean ready();

    /**
     * Completes when the container exits by itself: a run-to-completion container (a Job's). A
     * server never completes it.
     */
    default CompletableFuture<Exit> exited() {
      return new CompletableFuture<>();
    }

    /** SIGTERM: completes when the process has exited. */
    CompletableFuture<Void> terminate();

    /** SIGKILL: the grace period is over. */
    void kill();
  }

  /** How a container ended: its exit code, and the reason and message its status shows. */
  record Exit(int code, String reason, String message) {
    public boolean succeeded() {
      return code == 0;
    }
  }
}
