package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where a {@link LosslessDeployment} is in its release; {@code status.phase}. */
public enum LosslessDeploymentPhase {
  /** One revision serves at full size; nothing to do. */
  @JsonProperty("Healthy")
  HEALTHY,

  /** The new revision set is being created (after the expand migration) and must become ready. */
  @JsonProperty("Provisioning")
  PROVISIONING,

  /** The new pods are ready; the release waits to be promoted ({@code autoPromote: false}). */
  @JsonProperty("AwaitingPromotion")
  AWAITING_PROMOTION,

  /** The serving gates are being flipped from the old pods to the new ones. */
  @JsonProperty("Switching")
  SWITCHING,

  /** After the switch: waiting {@code initialDelaySeconds} for proxies to catch up. */
  @JsonProperty("Settling")
  SETTLING,

  /** Old pods are drained and deleted one at a time. */
  @JsonProperty("Draining")
  DRAINING,

  /** A Rolling release replaces old pods with new ones a few at a time, draining each old one. */
  @JsonProperty("Rolling")
  ROLLING,

  /** The release was given up (e.g. progress deadline exceeded); the old revision keeps serving. */
  @JsonProperty("Aborted")
  ABORTED,

  /** Fewer pods serve than wanted, outside a release, or the spec is invalid; see the conditions. */
  @JsonProperty("Degraded")
  DEGRADED
}
