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
    Duration timeout) {

  public LabSettings {
    if (nodes < 1 || clients < 1 || connEvictRate < 1 || publishRatePerSecond < 0) {
      throw new IllegalArgumentException("nodes, clients and connEvictRate must be at least 1, the publish rate 0 or more");
    }
  }
}
