package dev.ferry.lab.scenario;

import dev.ferry.lab.fleet.MqttProtocol;
import java.time.Duration;

/**
 * What every scenario of one comparison shares: the cluster, the fleet, and Ferry's pacing.
 *
 * @param nodes broker pods
 * @param clients MQTT clients, each with a persistent session and its own topic
 * @param protocol MQTT 5 or 3.1.1
 * @param publishRatePerSecond QoS 1 messages per second over all clients, from a separate publisher
 * @param reconnectBackoff false: clients reconnect at once (as most do); true: exponential backoff
 *     with full jitter
 * @param connEvictRate Ferry's eviction rate, clients per second (also sessions per second)
 * @param podStartup how long a new broker pod takes to become ready
 * @param initialDelay Ferry's settle time after the switch (and the plain blue-green's wait before deleting)
 * @param waitTakeover Ferry's takeover wait per node
 * @param propagation how late the Service (kube-proxy) learns of endpoint changes
 * @param timeout the most one release may take before the run is given up
 * @param emqx which EMQX the lab brokers behave as: its dialect (v5, or 4.4's v4), edition and
 *     pacing, flaws included (one burst of the rate a second, rebalance overshoot, readiness before
 *     joining, redirect_to ignored), and any named improvement turned on (the report says which)
 * @param fleetProcesses 0: the fleet runs in this process, through the Service's proxy; more: that
 *     many shard processes, each a node with its own kube-proxy (for fleets beyond one process's
 *     open files)
 * @param brokerProcesses each broker pod runs in a JVM of its own
 * @param drainParallel Ferry's {@code drain.parallel}: old nodes drained at once, each at the rate
 *     divided by it, started a share of a second apart
 * @param kube which Kubernetes the scenarios run on: embedded (the mock API server and the lab's
 *     controllers) or real (etcd, kube-apiserver and kube-controller-manager)
 */
public record LabSettings(
    int nodes,
    int clients,
    MqttProtocol protocol,
    double publishRatePerSecond,
    boolean reconnectBackoff,
    int connEvictRate,
    Duration podStartup,
    Duration initialDelay,
    Duration waitTakeover,
    Duration propagation,
    Duration timeout,
    dev.ferry.broker.EmqxProfile emqx,
    int fleetProcesses,
    boolean brokerProcesses,
    int drainParallel,
    dev.ferry.lab.cluster.Kube kube) {

  /**
   * The most clients a lab runs all in one process: each costs four sockets there (its own, the
   * Service proxy's two, the broker's one), and a process has about 20,000 open files.
   */
  public static final int IN_PROCESS_MAX_CLIENTS = 4_000;

  /**
   * Clients one shard process takes (one socket each, no proxy; a client closes its socket before it
   * opens the next): three quarters of a process's 20,000 open files, the rest kept free. Fewer,
   * larger shards are cheaper on a small machine: each JVM has its own compiler threads, collector,
   * timeline and kube-proxy watch (5,000 a shard made the 20,000-client lab four shard JVMs; now two).
   */
  public static final int CLIENTS_PER_SHARD = 15_000;

  /** Shard processes for {@code clients}: 0 (in this process) up to {@link #IN_PROCESS_MAX_CLIENTS}. */
  public static int fleetProcessesFor(int clients) {
    return clients <= IN_PROCESS_MAX_CLIENTS ? 0 : (clients + CLIENTS_PER_SHARD - 1) / CLIENTS_PER_SHARD;
  }

  /** EMQX as it is: the lab brokers' default. */
  public static final dev.ferry.broker.EmqxProfile EMQX = dev.ferry.broker.EmqxProfile.DEFAULT;

  public LabSettings {
    if (nodes < 1 || clients < 1 || connEvictRate < 1 || publishRatePerSecond < 0 || fleetProcesses < 0
        || drainParallel < 1 || drainParallel > connEvictRate) {
      throw new IllegalArgumentException("nodes, clients and connEvictRate must be at least 1, the publish rate 0 or more");
    }
  }
}
