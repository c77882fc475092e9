package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Where a {@link Rebalance} stands. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RebalanceStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Pending (waiting for the target to be Healthy with no release in progress), "
      + "Processing, Completed or Failed.")
  private RebalancePhase phase;

  @JsonPropertyDescription("When the rebalance started in the broker (RFC 3339).")
  private String startedTime;

  @JsonPropertyDescription("When it completed or failed (RFC 3339).")
  private String completedTime;

  @JsonPropertyDescription("The rebalances the broker reports, as it reports them.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<RebalanceState> rebalanceStates = new ArrayList<>();

  @JsonPropertyDescription("Processing, Completed and Failed, each with a reason and a message; a waiting "
      + "Rebalance says in Processing (status False) what it waits for.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("A human-readable summary of the current state.")
  private String message;

  @JsonPropertyDescription("Pods this Rebalance holds out of the Service (gate closed, annotation "
      + "ferry.dev/held-out-by). Every one is put back when the rebalance finishes, fails, is refused, stopped "
      + "or deleted.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<String> heldPods = new ArrayList<>();

  @JsonPropertyDescription("Starts the broker refused in a row; after 3 the Rebalance fails.")
  private Integer startFailures;

  @JsonPropertyDescription("The broker's answer to the last refused start.")
  private String startError;

  @JsonPropertyDescription("Live connections of the target's serving nodes when the first round started: "
      + "the total the nodes are evened out against (evicted clients on their way count in it).")
  private Long initialConnections;

  @JsonPropertyDescription("The round of the broker's rebalance under way or last run: Ferry asks EMQX for "
      + "rates no tick of which can overshoot, stops a round before it would, and starts another while the "
      + "nodes are outside the thresholds in either direction, a bounded number of times.")
  private Integer round;

  @JsonPropertyDescription("When the last round ended (RFC 3339): the next is judged once evicted clients "
      + "had waitTakeover seconds to land.")
  private String roundEndedAt;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public RebalancePhase getPhase() {
    return phase;
  }

  public void setPhase(RebalancePhase phase) {
    this.phase = phase;
  }

  public String getStartedTime() {
    return startedTime;
  }

  public void setStartedTime(String startedTime) {
    this.startedTime = startedTime;
  }

  public String getCompletedTime() {
    return completedTime;
  }

  public void setCompletedTime(String completedTime) {
    this.completedTime = completedTime;
  }

  public List<RebalanceState> getRebalanceStates() {
    return rebalanceStates;
  }

  public void setRebalanceStates(List<RebalanceState> rebalanceStates) {
    this.rebalanceStates = rebalanceStates;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public List<String> getHeldPods() {
    return heldPods;
  }

  public void setHeldPods(List<String> heldPods) {
    this.heldPods = heldPods;
  }

  public Integer getStartFailures() {
    return startFailures;
  }

  public void setStartFailures(Integer startFailures) {
    this.startFailures = startFailures;
  }

  public String getStartError() {
    return startError;
  }

  public void setStartError(String startError) {
    this.startError = startError;
  }

  public Long getInitialConnections() {
    return initialConnections;
  }

  public void setInitialConnections(Long initialConnections) {
    this.initialConnections = initialConnections;
  }

  public Integer getRound() {
    return round;
  }

  public void setRound(Integer round) {
    this.round = round;
  }

  public String getRoundEndedAt() {
    return roundEndedAt;
  }

  public void setRoundEndedAt(String roundEndedAt) {
    this.roundEndedAt = roundEndedAt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RebalanceStatus that
        && Objects.equals(observedGeneration, that.observedGeneration)
        && phase == that.phase
        && Objects.equals(startedTime, that.startedTime)
        && Objects.equals(completedTime, that.completedTime)
        && Objects.equals(rebalanceStates, that.rebalanceStates)
        && Objects.equals(conditions, that.conditions)
        && Objects.equals(message, that.message)
        && Objects.equals(heldPods, that.heldPods)
        && Objects.equals(startFailures, that.startFailures)
        && Objects.equals(startError, that.startError)
        && Objects.equals(initialConnections, that.initialConnections)
        && Objects.equals(round, that.round)
        && Objects.equals(roundEndedAt, that.roundEndedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, phase, startedTime, completedTime, rebalanceStates, conditions, message,
        heldPods, startFailures, startError, initialConnections, round, roundEndedAt);
  }

  @Override
  public String toString() {
    return "RebalanceStatus{observedGeneration=" + observedGeneration + ", phase=" + phase + ", startedTime="
        + startedTime + ", completedTime=" + completedTime + ", rebalanceStates=" + rebalanceStates
        + ", conditions=" + conditions + ", message=" + message + ", heldPods=" + heldPods + ", startFailures="
        + startFailures + ", startError=" + startError + ", initialConnections=" + initialConnections + ", round="
        + round + ", roundEndedAt=" + roundEndedAt + "}";
  }
}
