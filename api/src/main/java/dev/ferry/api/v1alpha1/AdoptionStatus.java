package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Where the take-over of {@code spec.adopt} stands. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class AdoptionStatus {

  @JsonPropertyDescription("Provisioning, Switching, Settling, Draining, Completed, RollingBack or RolledBack.")
  private AdoptionPhase phase;

  @JsonPropertyDescription("When the phase began (RFC 3339): the progress deadline and the settling count "
      + "from here, across operator restarts.")
  private String phaseStartedAt;

  @JsonPropertyDescription("The workload taken over, as Kind/name.")
  private String workload;

  @JsonPropertyDescription("The revision of Ferry's set that takes the clients over.")
  private String revision;

  @JsonPropertyDescription("Adopted pods drained and removed so far, in order.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<String> removed = new ArrayList<>();

  public AdoptionPhase getPhase() {
    return phase;
  }

  public void setPhase(AdoptionPhase phase) {
    this.phase = phase;
  }

  public String getPhaseStartedAt() {
    return phaseStartedAt;
  }

  public void setPhaseStartedAt(String phaseStartedAt) {
    this.phaseStartedAt = phaseStartedAt;
  }

  public String getWorkload() {
    return workload;
  }

  public void setWorkload(String workload) {
    this.workload = workload;
  }

  public String getRevision() {
    return revision;
  }

  public void setRevision(String revision) {
    this.revision = revision;
  }

  public List<String> getRemoved() {
    return removed;
  }

  public void setRemoved(List<String> removed) {
    this.removed = removed;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AdoptionStatus that && phase == that.phase
        && Objects.equals(phaseStartedAt, that.phaseStartedAt) && Objects.equals(workload, that.workload)
        && Objects.equals(revision, that.revision) && Objects.equals(removed, that.removed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, phaseStartedAt, workload, revision, removed);
  }

  @Override
  public String toString() {
    return "AdoptionStatus{phase=" + phase + ", phaseStartedAt=" + phaseStartedAt + ", workload=" + workload
        + ", revision=" + revision + ", removed=" + removed + "}";
  }
}
