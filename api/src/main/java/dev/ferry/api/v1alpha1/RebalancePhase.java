package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where a {@link Rebalance} stands; {@code status.phase}. */
public enum RebalancePhase {
  /**
   * Accepted but not started: the target is not Healthy or a release is in progress. Its own phase
   * (the EMQX Operator has none) so that {@code kubectl get rb} never shows Processing while nothing
   * moves and no pod has been taken out of the endpoints.
   */
  @JsonProperty("Pending")
  PENDING,

  /** The broker's rebalance runs; the donors are out of the endpoints. */
  @JsonProperty("Processing")
  PROCESSING,

  /** Done: the load is within the thresholds and the donors serve again. */
  @JsonProperty("Completed")
  COMPLETED,

  /** Given up; status.message and the Failed condition say why. */
  @JsonProperty("Failed")
  FAILED
}
