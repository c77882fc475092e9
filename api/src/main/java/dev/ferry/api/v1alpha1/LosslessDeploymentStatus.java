package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the operator observed and where the release stands. Everything the operator needs to resume
 * after a restart is here or in the cluster (revision sets, pod conditions).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class LosslessDeploymentStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Where the release stands: Healthy, Provisioning, AwaitingPromotion, Switching, "
      + "Settling, Draining (BlueGreen), Rolling (Rolling), Aborted or Degraded.")
  private LosslessDeploymentPhase phase;

  @JsonPropertyDescription("When the current phase began or, in a Rolling release, last made progress "
      + "(RFC 3339). Deadlines such as progressDeadlineSeconds and initialDelaySeconds count from here, also "
      + "across operator restarts.")
  private String phaseStartedAt;

  @JsonPropertyDescription("The revision (value of the label ferry.dev/revision) that serves.")
  private String currentRevision;

  @JsonPropertyDescription("The revision being rolled out; equal to currentRevision when no release is under "
      + "way.")
  private String updateRevision;

  @JsonPropertyDescription("Count of hash collisions between revisions; part of the revision hash so that "
      + "a collision yields a new name.")
  private Integer collisionCount;

  @JsonPropertyDescription("Pods of all revisions that exist (not terminating).")
  @StatusReplicas
  private Integer replicas;

  @JsonPropertyDescription("Pods of all revisions whose containers are ready.")
  private Integer readyReplicas;

  @JsonPropertyDescription("Pods of updateRevision.")
  private Integer updatedReplicas;

  @JsonPropertyDescription("Pods serving out of spec.replicas, e.g. 3/4: the READY column, as kubectl get "
      + "deploy shows it.")
  private String ready;

  @JsonPropertyDescription("spec.selector in string form (e.g. app=mqtt), for the scale subresource and "
      + "the HorizontalPodAutoscaler.")
  @LabelSelector
  private String selector;

  @JsonPropertyDescription("Available, Progressing and Ready, each with a reason and a message.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The pod being drained now; absent when none is.")
  private DrainStatus drain;

  @JsonPropertyDescription("Pods of the old revision already drained in this release.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<String> drained = new ArrayList<>();

  @JsonPropertyDescription("Schema version and migration phase, when spec.migrations is set.")
  private SchemaStatus schema;

  @JsonPropertyDescription("The automatic rebalance, when spec.rebalance.auto is set.")
  private AutoRebalanceStatus rebalance;

  @JsonPropertyDescription("The take-over of spec.adopt, once it started.")
  private AdoptionStatus adoption;

  @JsonPropertyDescription("A human-readable summary of the current state.")
  private String message;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public LosslessDeploymentPhase getPhase() {
    return phase;
  }

  public void setPhase(LosslessDeploymentPhase phase) {
    this.phase = phase;
  }

  public String getPhaseStartedAt() {
    return phaseStartedAt;
  }

  public void setPhaseStartedAt(String phaseStartedAt) {
    this.phaseStartedAt = phaseStartedAt;
  }

  public String getCurrentRevision() {
    return currentRevision;
  }

  public void setCurrentRevision(String currentRevision) {
    this.currentRevision = currentRevision;
  }

  public String getUpdateRevision() {
    return updateRevision;
  }

  public void setUpdateRevision(String updateRevision) {
    this.updateRevision = updateRevision;
  }

  public Integer getCollisionCount() {
    return collisionCount;
  }

  public void setCollisionCount(Integer collisionCount) {
    this.collisionCount = collisionCount;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public String getReady() {
    return ready;
  }

  public void setReady(String ready) {
    this.ready = ready;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  public Integer getUpdatedReplicas() {
    return updatedReplicas;
  }

  public void setUpdatedReplicas(Integer updatedReplicas) {
    this.updatedReplicas = updatedReplicas;
  }

  public String getSelector() {
    return selector;
  }

  public void setSelector(String selector) {
    this.selector = selector;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public DrainStatus getDrain() {
    return drain;
  }

  public void setDrain(DrainStatus drain) {
    this.drain = drain;
  }

  public List<String> getDrained() {
    return drained;
  }

  public void setDrained(List<String> drained) {
    this.drained = drained;
  }

  public SchemaStatus getSchema() {
    return schema;
  }

  public void setSchema(SchemaStatus schema) {
    this.schema = schema;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public AutoRebalanceStatus getRebalance() {
    return rebalance;
  }

  public void setRebalance(AutoRebalanceStatus rebalance) {
    this.rebalance = rebalance;
  }

  public AdoptionStatus getAdoption() {
    return adoption;
  }

  public void setAdoption(AdoptionStatus adoption) {
    this.adoption = adoption;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LosslessDeploymentStatus that
        && Objects.equals(observedGeneration, that.observedGeneration)
        && phase == that.phase
        && Objects.equals(phaseStartedAt, that.phaseStartedAt)
        && Objects.equals(currentRevision, that.currentRevision)
        && Objects.equals(updateRevision, that.updateRevision)
        && Objects.equals(collisionCount, that.collisionCount)
        && Objects.equals(replicas, that.replicas)
        && Objects.equals(readyReplicas, that.readyReplicas)
        && Objects.equals(ready, that.ready)
        && Objects.equals(updatedReplicas, that.updatedReplicas)
        && Objects.equals(selector, that.selector)
        && Objects.equals(conditions, that.conditions)
        && Objects.equals(drain, that.drain)
        && Objects.equals(drained, that.drained)
        && Objects.equals(schema, that.schema)
        && Objects.equals(rebalance, that.rebalance)
        && Objects.equals(message, that.message)
        && Objects.equals(adoption, that.adoption);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, phase, phaseStartedAt, currentRevision, updateRevision, collisionCount,
        replicas, readyReplicas, ready, updatedReplicas, selector, conditions, drain, drained, schema, rebalance, message,
        adoption);
  }

  @Override
  public String toString() {
    return "LosslessDeploymentStatus{observedGeneration=" + observedGeneration + ", phase=" + phase
        + ", phaseStartedAt=" + phaseStartedAt + ", currentRevision=" + currentRevision + ", updateRevision="
        + updateRevision + ", collisionCount=" + collisionCount + ", replicas=" + replicas + ", readyReplicas="
        + readyReplicas + ", updatedReplicas=" + updatedReplicas + ", selector=" + selector + ", conditions="
        + conditions + ", drain=" + drain + ", drained=" + drained + ", schema=" + schema + ", rebalance=" + rebalance
        + ", message=" + message + ", adoption=" + adoption + "}";
  }
}
