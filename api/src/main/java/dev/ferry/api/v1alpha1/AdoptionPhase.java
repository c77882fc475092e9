package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where the take-over of {@code spec.adopt} stands; {@code status.adoption.phase}. */
public enum AdoptionPhase {
  /** Ferry's pods start beside the adopted ones, gates closed, and must join the cluster. */
  @JsonProperty("Provisioning")
  PROVISIONING,

  /** Ferry's gates open, then the Service's selector gains ferry.dev/deployment. */
  @JsonProperty("Switching")
  SWITCHING,

  /** After the switch: waiting initialDelaySeconds for proxies to catch up. */
  @JsonProperty("Settling")
  SETTLING,

  /** The adopted pods are drained one at a time and removed by their controller. */
  @JsonProperty("Draining")
  DRAINING,

  /** The workload is at zero replicas (or deleted); Ferry's revision set serves. */
  @JsonProperty("Completed")
  COMPLETED,

  /** The clients are going back to the adopted pods; the user's objects are being restored. */
  @JsonProperty("RollingBack")
  ROLLING_BACK,

  /** The adopted workload serves as before and its objects are as they were. */
  @JsonProperty("RolledBack")
  ROLLED_BACK;

  /** Still running: a finalizer holds the LosslessDeployment's deletion until it is over. */
  public boolean running() {
    return this != COMPLETED && this != ROLLED_BACK;
  }
}
