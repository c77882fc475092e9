package dev.ferry.broker.evacuation;

import dev.ferry.core.rebalance.Thresholds;
import java.util.List;

/**
 * The body of {@code POST /load_rebalance/{coordinator}/start}, defaults applied.
 *
 * @param nodes the nodes to balance; empty means every running node
 */
public record RebalanceParams(
    int connEvictRate,
    int sessEvictRate,
    long waitTakeoverSeconds,
    long waitHealthCheckSeconds,
    Thresholds connThresholds,
    Thresholds sessThresholds,
    List<String> nodes) {
  public RebalanceParams {
    nodes = List.copyOf(nodes);
  }
}
