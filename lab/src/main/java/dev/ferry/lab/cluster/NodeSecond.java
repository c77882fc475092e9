package dev.ferry.lab.cluster;

import java.util.Map;

/**
 * One second of the cluster's brokers, as a per-node monitoring graph shows it.
 *
 * @param second seconds since the cluster started (1 is the first full second)
 * @param epochMillis wall-clock time of the sample, to line up with the fleet's {@code FleetSecond}s
 * @param connections connected clients per pod whose broker runs (terminating pods included, until
 *     their broker stops), by pod name
 * @param sessions sessions (connected or not) per pod, by pod name
 */
public record NodeSecond(long second, long epochMillis, Map<String, Integer> connections, Map<String, Integer> sessions) {

  public NodeSecond {
    connections = Map.copyOf(connections);
    sessions = Map.copyOf(sessions);
  }

  /** Connected clients over every node. */
  public int totalConnections() {
    return connections.values().stream().mapToInt(Integer::intValue).sum();
  }
}
