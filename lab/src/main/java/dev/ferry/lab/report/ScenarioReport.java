package dev.ferry.lab.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
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
 * @param requestsSent request/response scenarios: requests sent over every path (null for MQTT)
 * @param requestsFailed request/response scenarios: those that did not end OK (null for MQTT)
 * @param p99Ms request/response scenarios: the 99th percentile latency of the OK ones, the worst
 *     path's (null for MQTT)
 * @param requests request/response scenarios: per path and per second (null for MQTT)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
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
    Timeline timeline,
    Long requestsSent,
    Long requestsFailed,
    Double p99Ms,
    Requests requests) {

  /** An MQTT scenario's report: no request figures. */
  public ScenarioReport(String scenario, String description, int clients, int maxDisconnectsPerClient,
      double meanDisconnectsPerClient, Map<Integer, Integer> disconnectsHistogram, long messagesLost,
      long messagesDuplicated, int peakReconnectsPerSecond, int connEvictRate, double minConnectedFraction,
      double lowestConnectedFraction, double imbalance, long durationSeconds, long floorSeconds, Timeline timeline) {
    this(scenario, description, clients, maxDisconnectsPerClient, meanDisconnectsPerClient, disconnectsHistogram,
        messagesLost, messagesDuplicated, peakReconnectsPerSecond, connEvictRate, minConnectedFraction,
        lowestConnectedFraction, imbalance, durationSeconds, floorSeconds, timeline, null, null, null, null);
  }

  /**
   * @param connected clients connected at the end of each second
   * @param reconnects reconnects in each second
   * @param connectionsPerNode clients on each node per second (-1 where the node did not exist)
   */
  public record Timeline(int[] connected, int[] reconnects, Map<String, int[]> connectionsPerNode) {}

  /**
   * What a request/response scenario's load saw.
   *
   * @param ratePerSecond each path's fixed request rate (open model)
   * @param paths by path name (service, ingress, consumer): its totals
   * @param releaseStartSecond the second of the series (0: the loads' start) when the template changed
   * @param releaseEndSecond the second the release was over
   * @param sentPerSecond requests sent in each second, all paths
   * @param failedPerSecond of those, failed ones
   * @param warmupPath the path whose per-pod counts {@code perNewPod} shows (the one that honours warmup)
   * @param perNewPod requests per second answered by each pod the release created, on {@code warmupPath}
   * @param warmupSeconds the new pods' warmup (0: none)
   */
  public record Requests(
      double ratePerSecond,
      Map<String, Path> paths,
      int releaseStartSecond,
      int releaseEndSecond,
      int[] sentPerSecond,
      int[] failedPerSecond,
      String warmupPath,
      Map<String, int[]> perNewPod,
      int warmupSeconds) {}

  /**
   * One path's totals.
   *
   * @param via how requests go: "kube-proxy L4 Service (keep-alive clients)", "ingress (L7, ...)", ...
   * @param sent requests sent
   * @param ok ended OK
   * @param failed ended otherwise
   * @param errors failed ones by kind (REFUSED, RESET, HTTP_5XX, TIMEOUT, UNAVAILABLE, ...)
   * @param p50Ms median latency of OK ones
   * @param p99Ms 99th percentile latency of OK ones
   * @param failedDetails a few distinct error details, for people
   */
  public record Path(String via, long sent, long ok, long failed, Map<String, Long> errors, double p50Ms, double p99Ms,
      List<String> failedDetails) {}
}
