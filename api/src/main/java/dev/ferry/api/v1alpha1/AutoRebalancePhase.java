package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where a LosslessDeployment's automatic rebalance stands; {@code status.rebalance.phase}. */
public enum AutoRebalancePhase {
  /** Nothing to do: no new pods since the last look. */
  @JsonProperty("Idle")
  IDLE,

  /** New pods were seen; the load is judged once the settle delay has passed. */
  @JsonProperty("Settling")
  SETTLING,

  /** The load is to be judged but cannot be now; the message says why (a release, a broker silent). */
  @JsonProperty("Waiting")
  WAITING,

  /** The operator's Rebalance runs. */
  @JsonProperty("Running")
  RUNNING,

  /** The operator's Rebalance completed. */
  @JsonProperty("Completed")
  COMPLETED,

  /** The operator's Rebalance failed, or was deleted before it ended; not tried again until the pods change. */
  @JsonProperty("Failed")
  FAILED,

  /** The load was within the thresholds both ways: no Rebalance was needed. */
  @JsonProperty("Balanced")
  BALANCED
}
