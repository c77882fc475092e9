package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** {@code status.schema}: the database schema as far as the migrations are concerned. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SchemaStatus {

  @JsonPropertyDescription("The schema version whose expand migration last succeeded "
      + "(spec.migrations.schemaVersion at that time).")
  private String version;

  @JsonPropertyDescription("Expanding, Expanded, Contracting, Contracted or Failed.")
  private SchemaPhase phase;

  @JsonPropertyDescription("When the expand migration of version succeeded (RFC 3339).")
  private String expandedAt;

  @JsonPropertyDescription("When the release that needs version completed (RFC 3339): the rollback window "
      + "counts from here, also across operator restarts.")
  private String releaseCompletedAt;

  @JsonPropertyDescription("The contract migrations that succeeded, oldest first, each with the schema "
      + "versions it retired: the points of no return.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<ContractedVersion> contracted = new ArrayList<>();

  @JsonPropertyDescription("The schema versions of the revisions that have served, in the order they first "
      + "served: a contract retires all of them but its own, even when their ReplicaSets are gone.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<String> servedVersions = new ArrayList<>();

  @JsonPropertyDescription("The migration Job that failed last (expand or contract), kept after the Job "
      + "itself is gone (ttlSecondsAfterFinished) so that it is not taken for never run and started again. "
      + "Cleared by a spec change (a new generation) once the Job is gone, or by the next success.")
  private String failedJob;

  @JsonPropertyDescription("The reason of failedJob's Failed condition and what it said.")
  private String failedReason;

  @JsonPropertyDescription("metadata.generation when failedJob failed.")
  private Long failedGeneration;

  public SchemaStatus() {}

  public SchemaStatus(String version, SchemaPhase phase) {
    this.version = version;
    this.phase = phase;
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public SchemaPhase getPhase() {
    return phase;
  }

  public void setPhase(SchemaPhase phase) {
    this.phase = phase;
  }

  public String getExpandedAt() {
    return expandedAt;
  }

  public void setExpandedAt(String expandedAt) {
    this.expandedAt = expandedAt;
  }

  public String getReleaseCompletedAt() {
    return releaseCompletedAt;
  }

  public void setReleaseCompletedAt(String releaseCompletedAt) {
    this.releaseCompletedAt = releaseCompletedAt;
  }

  public List<ContractedVersion> getContracted() {
    return contracted;
  }

  public void setContracted(List<ContractedVersion> contracted) {
    this.contracted = contracted;
  }

  public List<String> getServedVersions() {
    return servedVersions;
  }

  public void setServedVersions(List<String> servedVersions) {
    this.servedVersions = servedVersions;
  }

  public String getFailedJob() {
    return failedJob;
  }

  public void setFailedJob(String failedJob) {
    this.failedJob = failedJob;
  }

  public String getFailedReason() {
    return failedReason;
  }

  public void setFailedReason(String failedReason) {
    this.failedReason = failedReason;
  }

  public Long getFailedGeneration() {
    return failedGeneration;
  }

  public void setFailedGeneration(Long failedGeneration) {
    this.failedGeneration = failedGeneration;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SchemaStatus that
        && Objects.equals(version, that.version)
        && phase == that.phase
        && Objects.equals(expandedAt, that.expandedAt)
        && Objects.equals(releaseCompletedAt, that.releaseCompletedAt)
        && Objects.equals(contracted, that.contracted)
        && Objects.equals(servedVersions, that.servedVersions)
        && Objects.equals(failedJob, that.failedJob)
        && Objects.equals(failedReason, that.failedReason)
        && Objects.equals(failedGeneration, that.failedGeneration);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, phase, expandedAt, releaseCompletedAt, contracted, servedVersions, failedJob,
        failedReason, failedGeneration);
  }

  @Override
  public String toString() {
    return "SchemaStatus{version=" + version + ", phase=" + phase + ", expandedAt=" + expandedAt
        + ", releaseCompletedAt=" + releaseCompletedAt + ", contracted=" + contracted + ", servedVersions=" + servedVersions + ", failedJob=" + failedJob + ", failedReason=" + failedReason
        + ", failedGeneration=" + failedGeneration + "}";
  }
}
