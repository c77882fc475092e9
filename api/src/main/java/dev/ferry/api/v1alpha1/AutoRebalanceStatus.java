package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code status.rebalance}: what the automatic rebalance has seen and done. The pods it has judged
 * are kept, so that after a restart the operator neither misses a scale-out nor judges one twice.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class AutoRebalanceStatus {

  @JsonPropertyDescription("Idle, Settling, Waiting, Running, Completed, Failed or Balanced.")
  private AutoRebalancePhase phase;

  @JsonPropertyDescription("The revision whose pods were last judged; a release starts the count afresh.")
  private String revision;

  @JsonPropertyDescription("The pods of that revision already judged (or being rebalanced): a pod not among "
      + "them is new.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<String> pods = new ArrayList<>();

  @JsonPropertyDescription("When new pods were first seen (RFC 3339); the settle delay counts from here.")
  private String podsChangedAt;

  @JsonPropertyDescription("The last Rebalance the operator created for this deployment.")
  private String rebalance;

  @JsonPropertyDescription("When the phase last changed (RFC 3339).")
  private String lastTransitionTime;

  @JsonPropertyDescription("Why the phase is what it is.")
  private String message;

  public AutoRebalancePhase getPhase() {
    return phase;
  }

  public void setPhase(AutoRebalancePhase phase) {
    this.phase = phase;
  }

  public String getRevision() {
    return revision;
  }

  public void setRevision(String revision) {
    this.revision = revision;
  }

  public List<String> getPods() {
    return pods;
  }

  public void setPods(List<String> pods) {
    this.pods = pods == null ? new ArrayList<>() : new ArrayList<>(pods);
  }

  public String getPodsChangedAt() {
    return podsChangedAt;
  }

  public void setPodsChangedAt(String podsChangedAt) {
    this.podsChangedAt = podsChangedAt;
  }

  public String getRebalance() {
    return rebalance;
  }

  public void setRebalance(String rebalance) {
    this.rebalance = rebalance;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AutoRebalanceStatus that
        && phase == that.phase
        && Objects.equals(revision, that.revision)
        && Objects.equals(pods, that.pods)
        && Objects.equals(podsChangedAt, that.podsChangedAt)
        && Objects.equals(rebalance, that.rebalance)
        && Objects.equals(lastTransitionTime, that.lastTransitionTime)
        && Objects.equals(message, that.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, revision, pods, podsChangedAt, rebalance, lastTransitionTime, message);
  }

  @Override
  public String toString() {
    return "AutoRebalanceStatus{phase=" + phase + ", revision=" + revision + ", pods=" + pods + ", podsChangedAt="
        + podsChangedAt + ", rebalance=" + rebalance + ", lastTransitionTime=" + lastTransitionTime + ", message="
        + message + "}";
  }
}
