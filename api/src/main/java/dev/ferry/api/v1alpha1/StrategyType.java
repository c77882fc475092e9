package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a new revision of a {@link LosslessDeployment} replaces the serving one. */
public enum StrategyType {
  /**
   * Start a complete new set of pods, switch new connections to it in one step, then drain and delete
   * the old pods one at a time.
   */
  @JsonProperty("BlueGreen")
  BLUE_GREEN,

  /** Replace pods a few at a time, like a Deployment, draining every old pod before it is deleted. */
  @JsonProperty("Rolling")
  ROLLING
}
