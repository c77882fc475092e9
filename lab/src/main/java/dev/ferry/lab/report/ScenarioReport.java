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
 * @param schema schema-migration scenarios ({@code schema}, {@code schema-bigbang}): requests,
 *     the data's consistency and every rollback's outcome (null for the others)
 * @param outcome MQTT scenarios that report it: finished or stuck, nodes left refusing clients
 *     (null for the others)
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
    Requests requests,
    Schema schema,
    Outcome outcome) {

  /** Every figure but the release's outcome (scenarios that do not report one). */
  public ScenarioReport(String scenario, String description, int clients, int maxDisconnectsPerClient,
      double meanDisconnectsPerClient, Map<Integer, Integer> disconnectsHistogram, long messagesLost,
      long messagesDuplicated, int peakReconnectsPerSecond, int connEvictRate, double minConnectedFraction,
      double lowestConnectedFraction, double imbalance, long durationSeconds, long floorSeconds, Timeline timeline,
      Long requestsSent, Long requestsFailed, Double p99Ms, Requests requests, Schema schema) {
    this(scenario, description, clients, maxDisconnectsPerClient, meanDisconnectsPerClient, disconnectsHistogram,
        messagesLost, messagesDuplicated, peakReconnectsPerSecond, connEvictRate, minConnectedFraction,
        lowestConnectedFraction, imbalance, durationSeconds, floorSeconds, timeline, requestsSent, requestsFailed, p99Ms,
        requests, schema, null);
  }

  /** The same report with the release's outcome. */
  public ScenarioReport withOutcome(Outcome o) {
    return new ScenarioReport(scenario, description, clients, maxDisconnectsPerClient, meanDisconnectsPerClient,
        disconnectsHistogram, messagesLost, messagesDuplicated, peakReconnectsPerSecond, connEvictRate,
        minConnectedFraction, lowestConnectedFraction, imbalance, durationSeconds, floorSeconds, timeline, requestsSent,
        requestsFailed, p99Ms, requests, schema, o);
  }

  /**
   * How an MQTT release ended.
   *
   * @param finished the release reached its end state within the run's bound; false: it was stuck
   *     and the run gave up
   * @param end the end state as the operator reported it (e.g. Ready, Healthy, or where it stuck)
   * @param nodesRefusing broker nodes still running at the end whose availability_check answers 503
   *     (an evacuation left on: they refuse clients)
   * @param stoppedNodesListed nodes a serving broker's {@code /nodes} still lists as stopped at the end
   * @param leftoverPods pods of the cluster not of the revision that serves at the end
   * @param detail what else happened, for people
   */
  public record Outcome(boolean finished, String end, int nodesRefusing, int stoppedNodesListed, int leftoverPods,
      String detail) {}

  /** A request/response scenario's report: no schema figures. */
  public ScenarioReport(String scenario, String description, int clients, int maxDisconnectsPerClient,
      double meanDisconnectsPerClient, Map<Integer, Integer> disconnectsHistogram, long messagesLost,
      long messagesDuplicated, int peakReconnectsPerSecond, int connEvictRate, double minConnectedFraction,
      double lowestConnectedFraction, double imbalance, long durationSeconds, long floorSeconds, Timeline timeline,
      Long requestsSent, Long requestsFailed, Double p99Ms, Requests requests) {
    this(scenario, description, clients, maxDisconnectsPerClient, meanDisconnectsPerClient, disconnectsHistogram,
        messagesLost, messagesDuplicated, peakReconnectsPerSecond, connEvictRate, minConnectedFraction,
        lowestConnectedFraction, imbalance, durationSeconds, floorSeconds, timeline, requestsSent, requestsFailed, p99Ms,
        requests, null);
  }

  /** A schema scenario's report: its own figures, with the totals also where request scenarios keep them. */
  public static ScenarioReport ofSchema(String scenario, String description, long durationSeconds, Schema schema) {
    return new ScenarioReport(scenario, description, 0, 0, 0, Map.of(), -1, -1, 0, 0, 1, 1, 0, durationSeconds, 0,
        new Timeline(new int[0], new int[0], Map.of()), schema.requestsTotal(), schema.requestsFailed(), null, null,
        schema);
  }

  /** An MQTT scenario's report: no request figures. */
  public ScenarioReport(String scenario, String description, int clients, int maxDisconnectsPerClient,
      double meanDisconnectsPerClient, Map<Integer, Integer> disconnectsHistogram, long messagesLost,
      long messagesDuplicated, int peakReconnectsPerSecond, int connEvictRate, double minConnectedFraction,
      double lowestConnectedFraction, double imbalance, long durationSeconds, long floorSeconds, Timeline timeline) {
    this(scenario, description, clients, maxDisconnectsPerClient, meanDisconnectsPerClient, disconnectsHistogram,
        messagesLost, messagesDuplicated, peakReconnectsPerSecond, connEvictRate, minConnectedFraction,
        lowestConnectedFraction, imbalance, durationSeconds, floorSeconds, timeline, null, null, null, null, null);
  }

  /**
   * @param connected clients connected at the end of each second
   * @param reconnects reconnects in each second
   * @param connectionsPerNode clients on each node per second (-1 where the node did not exist)
   * @param steps what the release did and when ({@code switch}, {@code drain <pod>}, {@code <pod> drained}),
   *     at seconds of the series; empty where the strategy does not say (a StatefulSet's rollout)
   * @param operator the operator's metrics over the same seconds, where the operator released (else null)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Timeline(int[] connected, int[] reconnects, Map<String, int[]> connectionsPerNode, List<Event> steps,
      Operator operator) {

    /** A timeline with no release step marked. */
    public Timeline(int[] connected, int[] reconnects, Map<String, int[]> connectionsPerNode) {
      this(connected, reconnects, connectionsPerNode, List.of(), null);
    }

    /** A timeline with the release's steps, and no operator. */
    public Timeline(int[] connected, int[] reconnects, Map<String, int[]> connectionsPerNode, List<Event> steps) {
      this(connected, reconnects, connectionsPerNode, steps, null);
    }

    /**
     * Clients per node at the start and at the end ({@code 700/650/650/0 -> 500/500/500/500}), when
     * the nodes that serve at the end served at the start too, or joined empty (a rebalance, a
     * scale-out); null when the release replaced them (a node that did not exist yet counts 0).
     */
    public String nodesStartToEnd() {
      if (connectionsPerNode == null || connectionsPerNode.isEmpty()) {
        return null;
      }
      // The last second any node was counted in (the meter may miss one): a node not counted then is
      // gone (a pod deleted) and ends at 0, whatever it held before.
      int last = -1;
      for (int[] series : connectionsPerNode.values()) {
        for (int i = series.length - 1; i > last; i--) {
          if (series[i] >= 0) {
            last = i;
            break;
          }
        }
      }
      List<Integer> start = new java.util.ArrayList<>();
      List<Integer> end = new java.util.ArrayList<>();
      for (int[] series : connectionsPerNode.values()) {
        start.add(Math.max(0, series.length == 0 ? 0 : series[0]));
        end.add(last < 0 || last >= series.length ? 0 : Math.max(0, series[last]));
      }
      boolean replaced = start.stream().allMatch(v -> v == 0) || java.util.stream.IntStream.range(0, start.size())
          .anyMatch(i -> start.get(i) > 0 && end.get(i) == 0);
      return replaced ? null : join(start) + " -> " + join(end);
    }

    private static String join(List<Integer> counts) {
      return String.join("/", counts.stream().map(String::valueOf).toList());
    }
  }

  /**
   * The operator's metrics in each second, as the Grafana dashboard's panels ask for them.
   *
   * @param phase the release's phase ({@code ferry_phase} at 1), null before the first sample
   * @param drainConnections connections left on the pod being drained ({@code ferry_drain_connections}, -1: none)
   * @param evictions connections that left the pods being drained ({@code ferry_drain_evictions_total}'s increase)
   * @param actions actions carried out, by type ({@code ferry_actions_total}'s increase)
   * @param errors failed reconciles ({@code ferry_reconcile_errors_total}'s increase)
   * @param reconcileMeanMs the mean reconcile time in the second, -1 where none ran
   */
  public record Operator(String[] phase, int[] drainConnections, int[] evictions, Map<String, int[]> actions,
      int[] errors, double[] reconcileMeanMs) {}

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

  /**
   * What a schema-migration scenario showed: its users' requests, its data, its rollbacks.
   *
   * @param versions the versions released, in order (1.0, 2.1, ...)
   * @param requestsTotal requests the load sent over the whole scenario
   * @param requestsFailed of those, the ones that did not end OK
   * @param failedByKind failed ones by kind (HTTP_5XX, REFUSED, RESET, TIMEOUT, ...)
   * @param failedDetails a few distinct error details, for people
   * @param acknowledgedWrites writes the service acknowledged (each must be in the database)
   * @param inconsistentRows people whose address differs between the old (PERSON) and the new
   *     (ADDRESS) representation, where both exist
   * @param lostRows acknowledged writes the database does not hold
   * @param rollbacks every rollback tried, in order
   * @param steps each release step's migrations as the cluster showed them
   * @param database where the data lived (URL and user; never the password)
   * @param sentPerSecond requests sent in each second of the load (0: its start)
   * @param failedPerSecond of those, the ones that failed
   * @param events what the scenario did, at which second of the load
   */
  public record Schema(
      List<String> versions,
      long requestsTotal,
      long requestsFailed,
      Map<String, Long> failedByKind,
      List<String> failedDetails,
      long acknowledgedWrites,
      long inconsistentRows,
      long lostRows,
      List<Rollback> rollbacks,
      List<Step> steps,
      String database,
      int[] sentPerSecond,
      int[] failedPerSecond,
      List<Event> events) {}

  /** Something a schema scenario did ({@code release 2.1}, {@code rollback to 1.0}, ...), at a second of its load. */
  public record Event(int second, String what) {}

  /**
   * One rollback.
   *
   * @param from the version serving (or being released) when it was tried
   * @param to the version it returned to
   * @param when {@code mid-release} (new pods existed, old ones still served) or {@code after-contract}
   * @param outcome {@code succeeded} (back on the old version alone, no request failed meanwhile),
   *     {@code refused} (Ferry kept the serving version and said why), or {@code failed}
   * @param requestsFailedDuring requests that failed from the rollback's start to its end
   * @param seconds how long it took (or until it was given up)
   * @param detail what the cluster said (a condition's message, what was waited for)
   */
  public record Rollback(String from, String to, String when, String outcome, long requestsFailedDuring,
      double seconds, String detail) {
    public static final String MID_RELEASE = "mid-release";
    public static final String AFTER_CONTRACT = "after-contract";
    public static final String AFTER_MIGRATION = "after-migration";
    public static final String SUCCEEDED = "succeeded";
    public static final String REFUSED = "refused";
    public static final String FAILED = "failed";
  }

  /**
   * One release step.
   *
   * @param from the version before
   * @param to the version after
   * @param schemaPhase {@code status.schema.phase} at the step's end (or the migration Job's outcome
   *     for the baseline)
   * @param requestsFailed requests that failed during the step
   * @param seconds from its first template change to its end (contract included)
   */
  public record Step(String from, String to, String schemaPhase, long requestsFailed, double seconds) {}
}
