package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** {@code status.drain}: the one pod being drained now, and how far along it is. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class DrainStatus {

  @JsonPropertyDescription("Name of the pod being drained.")
  private String pod;

  @JsonPropertyDescription("The drainer's name for that pod, e.g. the EMQX node name emqx@10.1.2.3.")
  private String node;

  @JsonPropertyDescription("The drainer's state for that pod, e.g. EMQX's prohibiting, waiting_health_check, "
      + "evicting_conns, waiting_takeover, evicting_sessions.")
  private String state;

  @JsonPropertyDescription("When the drain of this pod started (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("Connections on the pod when its drain started.")
  private Integer initialConnections;

  @JsonPropertyDescription("Connections still on the pod.")
  private Integer connections;

  @JsonPropertyDescription("Sessions on the pod when its drain started.")
  private Integer initialSessions;

  @JsonPropertyDescription("Sessions still on the pod.")
  private Integer sessions;

  @JsonPropertyDescription("Requests still in flight on the pod (http drainer).")
  private Integer inFlight;

  @JsonPropertyDescription("When the drain's state or counts last changed (RFC 3339). A drain that stays "
      + "the same for longer than its waits explain is reported as DrainStalled.")
  private String lastProgressAt;

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public String getNode() {
    return node;
  }

  public void setNode(String node) {
    this.node = node;
  }

  public String getState() {
    return state;
  }

  public void setState(String state) {
    this.state = state;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public Integer getInitialConnections() {
    return initialConnections;
  }

  public void setInitialConnections(Integer initialConnections) {
    this.initialConnections = initialConnections;
  }

  public Integer getConnections() {
    return connections;
  }

  public void setConnections(Integer connections) {
    this.connections = connections;
  }

  public Integer getInitialSessions() {
    return initialSessions;
  }

  public void setInitialSessions(Integer initialSessions) {
    this.initialSessions = initialSessions;
  }

  public Integer getSessions() {
    return sessions;
  }

  public void setSessions(Integer sessions) {
    this.sessions = sessions;
  }

  public Integer getInFlight() {
    return inFlight;
  }

  public void setInFlight(Integer inFlight) {
    this.inFlight = inFlight;
  }

  public String getLastProgressAt() {
    return lastProgressAt;
  }

  public void setLastProgressAt(String lastProgressAt) {
    this.lastProgressAt = lastProgressAt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DrainStatus that
        && Objects.equals(pod, that.pod)
        && Objects.equals(node, that.node)
        && Objects.equals(state, that.state)
        && Objects.equals(startedAt, that.startedAt)
        && Objects.equals(initialConnections, that.initialConnections)
        && Objects.equals(connections, that.connections)
        && Objects.equals(initialSessions, that.initialSessions)
        && Objects.equals(sessions, that.sessions)
        && Objects.equals(inFlight, that.inFlight)
        && Objects.equals(lastProgressAt, that.lastProgressAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(pod, node, state, startedAt, initialConnections, connections, initialSessions, sessions, inFlight,
        lastProgressAt);
  }

  @Override
  public String toString() {
    return "DrainStatus{pod=" + pod + ", node=" + node + ", state=" + state + ", startedAt=" + startedAt
        + ", initialConnections=" + initialConnections + ", connections=" + connections
        + ", initialSessions=" + initialSessions + ", sessions=" + sessions + ", inFlight=" + inFlight
        + ", lastProgressAt=" + lastProgressAt + "}";
  }
}
