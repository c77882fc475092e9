package dev.ferry.lab.report;

import java.util.Map;

/**
 * What one release strategy did to the clients: the figures of DESIGN §6 and the per-second series
 * the charts draw. The lab's real runs and the in-memory model both produce it.
 *
 * @param scenario short name (rolling, bluegreen-plain, ferry, ...)
 * @param description one line for people
 * @param clients clients in the fleet
 * @param maxDisconnectsPerClient the most any client was disconnected during the release
 * @param meanDisconnectsPerClient on average
 * @param disconnectsHistogram disconnects per client → how many clients
 * @param messagesLost QoS 1 messages acknowledged to the publisher and never delivered (-1: not measured)
 * @param messagesDuplicated delivered more than once (-1: not measured)
 * @param peakReconnectsPerSecond the highest reconnect count in any second
 * @param connEvictRate the rate Ferry paced evictions at (0 where no pacing applies)
 * @param minConnectedFraction the lowest share of clients connected in any second (averaged over the
 *     second, as a monitoring graph shows it)
 * @param lowestConnectedFraction the lowest share connected at any single instant sampled (every
 *     50 ms in the lab): right after an eviction batch, before its clients are back
 * @param imbalance max/avg − 1 of clients per node at the end
 * @param durationSeconds from the template change to the release's end
 * @param floorSeconds the least a release of this kind can take
 * @param timeline per-second series
 */
public record ScenarioReport(
    String scenario,
    String description,
    int clients,
    int maxDisconnectsPerClient,
    double meanDisconnectsPerClient,
    Map<Integer, Integer> disconnectsHistogram,
    long messagesLost,
    long messagesDuplicated,
    int peakReconnectsPerSecond,
    int connEvictRate,
    double minConnectedFraction,
    double lowestConnectedFraction,
    double imbalance,
    long durationSeconds,
    long floorSeconds,
    Timeline timeline) {

  /**
   * @param connected clients connected at the end of each second
   * @param reconnects reconnects in each second
   * @param connectionsPerNode clients on each node per second (-1 where the node did not exist)
   */
  public record Timeline(int[] connected, int[] reconnects, Map<String, int[]> connectionsPerNode) {}
}
