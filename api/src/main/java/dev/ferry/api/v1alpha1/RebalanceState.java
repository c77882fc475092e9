package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One rebalance as the broker reports it. The snake_case names are those of EMQX's rebalance API and
 * of the EMQX Operator's status, so the broker's answer can be copied over as it is.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RebalanceState {

  @JsonPropertyDescription("The broker's state of the rebalance, e.g. wait_health_check, evicting_conns, "
      + "wait_takeover, evicting_sessions.")
  private String state;

  @JsonProperty("coordinator_node")
  @JsonPropertyDescription("The broker node that coordinates the rebalance.")
  private String coordinatorNode;

  @JsonPropertyDescription("Broker nodes connections and sessions are moved from.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<String> donors = new ArrayList<>();

  @JsonPropertyDescription("Broker nodes connections and sessions are moved to.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<String> recipients = new ArrayList<>();

  @JsonProperty("connection_eviction_rate")
  @JsonPropertyDescription("Connections per second evicted from each donor.")
  private Integer connectionEvictionRate;

  @JsonProperty("session_eviction_rate")
  @JsonPropertyDescription("Sessions per second evicted from each donor.")
  private Integer sessionEvictionRate;

  public String getState() {
    return state;
  }

  public void setState(String state) {
    this.state = state;
  }

  public String getCoordinatorNode() {
    return coordinatorNode;
  }

  public void setCoordinatorNode(String coordinatorNode) {
    this.coordinatorNode = coordinatorNode;
  }

  public List<String> getDonors() {
    return donors;
  }

  public void setDonors(List<String> donors) {
    this.donors = donors;
  }

  public List<String> getRecipients() {
    return recipients;
  }

  public void setRecipients(List<String> recipients) {
    this.recipients = recipients;
  }

  public Integer getConnectionEvictionRate() {
    return connectionEvictionRate;
  }

  public void setConnectionEvictionRate(Integer connectionEvictionRate) {
    this.connectionEvictionRate = connectionEvictionRate;
  }

  public Integer getSessionEvictionRate() {
    return sessionEvictionRate;
  }

  public void setSessionEvictionRate(Integer sessionEvictionRate) {
    this.sessionEvictionRate = sessionEvictionRate;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RebalanceState that
        && Objects.equals(state, that.state)
        && Objects.equals(coordinatorNode, that.coordinatorNode)
        && Objects.equals(donors, that.donors)
        && Objects.equals(recipients, that.recipients)
        && Objects.equals(connectionEvictionRate, that.connectionEvictionRate)
        && Objects.equals(sessionEvictionRate, that.sessionEvictionRate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(state, coordinatorNode, donors, recipients, connectionEvictionRate, sessionEvictionRate);
  }

  @Override
  public String toString() {
    return "RebalanceState{state=" + state + ", coordinatorNode=" + coordinatorNode + ", donors=" + donors
        + ", recipients=" + recipients + ", connectionEvictionRate=" + connectionEvictionRate
        + ", sessionEvictionRate=" + sessionEvictionRate + "}";
  }
}
