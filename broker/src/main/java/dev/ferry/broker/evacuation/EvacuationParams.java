package dev.ferry.broker.evacuation;

import java.util.List;

/**
 * The body of {@code POST /load_rebalance/{node}/evacuation/start}, defaults applied (EMQX's:
 * 500/s, 60 s waits).
 *
 * @param migrateTo the nodes that receive sessions; empty means every other running node
 * @param redirectTo the Server-Reference given to refused and evicted MQTT 5 clients, or null
 */
public record EvacuationParams(
    int connEvictRate,
    int sessEvictRate,
    long waitTakeoverSeconds,
    long waitHealthCheckSeconds,
    List<String> migrateTo,
    String redirectTo) {
  public EvacuationParams {
    migrateTo = List.copyOf(migrateTo);
  }
}
