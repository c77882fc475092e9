package dev.ferry.operator.emqx;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The JSON of EMQX 5's node and load-rebalance API (shared/EMQX-API.md), as records. */
public final class EmqxModel {
  private EmqxModel() {}

  /**
   * {@code GET /nodes}: careful, {@code connections} counts sessions. {@code edition} is
   * "Opensource" or "Enterprise" (absent before 5.x and in 4.4); {@code nodeStatus} is normalised to
   * lower case (4.4 says "Running").
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Node(
      String node,
      @JsonProperty("node_status") String nodeStatus,
      String version,
      String role,
      String edition,
      long connections,
      @JsonProperty("live_connections") long liveConnections,
      long uptime) {

    public boolean running() {
      return "running".equalsIgnoreCase(nodeStatus);
    }

    /** The host part of {@code name@host}. */
    public String host() {
      int at = node.indexOf('@');
      return at < 0 ? node : node.substring(at + 1);
    }
  }

  /** The body of {@code POST /load_rebalance/{node}/evacuation/start}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record EvacuationRequest(
      @JsonProperty("conn_evict_rate") Integer connEvictRate,
      @JsonProperty("sess_evict_rate") Integer sessEvictRate,
      @JsonProperty("wait_takeover") Integer waitTakeover,
      @JsonProperty("wait_health_check") Integer waitHealthCheck,
      @JsonProperty("migrate_to") List<String> migrateTo,
      @JsonProperty("redirect_to") String redirectTo) {}

  /** The body of {@code POST /load_rebalance/{coordinator}/start}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RebalanceRequest(
      @JsonProperty("conn_evict_rate") Integer connEvictRate,
      @JsonProperty("sess_evict_rate") Integer sessEvictRate,
      @JsonProperty("wait_takeover") Integer waitTakeover,
      @JsonProperty("wait_health_check") Integer waitHealthCheck,
      @JsonProperty("abs_conn_threshold") Integer absConnThreshold,
      @JsonProperty("rel_conn_threshold") Double relConnThreshold,
      @JsonProperty("abs_sess_threshold") Integer absSessThreshold,
      @JsonProperty("rel_sess_threshold") Double relSessThreshold,
      List<String> nodes) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Stats(
      @JsonProperty("initial_connected") long initialConnected,
      @JsonProperty("current_connected") long currentConnected,
      @JsonProperty("initial_sessions") long initialSessions,
      @JsonProperty("current_sessions") long currentSessions) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Evacuation(
      String node,
      String state,
      @JsonProperty("connection_eviction_rate") Integer connectionEvictionRate,
      @JsonProperty("session_eviction_rate") Integer sessionEvictionRate,
      @JsonProperty("session_recipients") List<String> sessionRecipients,
      Stats stats) {

    /** Terminal: empty, refusing clients, waiting to be stopped or deleted. */
    public boolean prohibiting() {
      return "prohibiting".equals(state);
    }
  }

  /**
   * {@code GET /load_rebalance/status}: {@code {"status": "disabled"}}, or {@code "enabled"} with
   * the {@code process} ("evacuation" or "rebalance") and that process's fields, as in
   * {@code global_status}.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record LocalStatus(
      String status,
      String process,
      String state,
      @JsonProperty("connection_eviction_rate") Integer connectionEvictionRate,
      @JsonProperty("session_eviction_rate") Integer sessionEvictionRate,
      @JsonProperty("session_recipients") List<String> sessionRecipients,
      Stats stats) {

    public boolean enabled() {
      return "enabled".equals(status);
    }

    /** This node's own evacuation, if it runs one. */
    public java.util.Optional<Evacuation> evacuation(String node) {
      return enabled() && "evacuation".equals(process)
          ? java.util.Optional.of(new Evacuation(node, state, connectionEvictionRate, sessionEvictionRate,
              sessionRecipients, stats))
          : java.util.Optional.empty();
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RebalanceEntry(
      String node,
      @JsonProperty("coordinator_node") String coordinatorNode,
      String state,
      List<String> donors,
      List<String> recipients,
      @JsonProperty("connection_eviction_rate") Integer connectionEvictionRate,
      @JsonProperty("session_eviction_rate") Integer sessionEvictionRate) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record GlobalStatus(List<Evacuation> evacuations, List<RebalanceEntry> rebalances) {
    public GlobalStatus {
      evacuations = evacuations == null ? List.of() : evacuations;
      rebalances = rebalances == null ? List.of() : rebalances;
    }
  }
}
