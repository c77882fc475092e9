package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** {@code spec.strategy}: which release strategy, and its settings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class DeploymentStrategy {

  @JsonPropertyDescription("BlueGreen: start a complete new set of pods, switch new connections to it, "
      + "then drain and delete the old pods one at a time. Rolling: replace pods a few at a time like a "
      + "Deployment, draining every old pod before it is deleted.")
  @Required
  private StrategyType type;

  @JsonPropertyDescription("Settings of the BlueGreen strategy. Unset: every field at its default.")
  private BlueGreenStrategy blueGreen;

  @JsonPropertyDescription("Settings of the Rolling strategy. Unset: every field at its default.")
  private RollingStrategy rolling;

  public DeploymentStrategy() {}

  public DeploymentStrategy(StrategyType type) {
    this.type = type;
  }

  public StrategyType getType() {
    return type;
  }

  public void setType(StrategyType type) {
    this.type = type;
  }

  public BlueGreenStrategy getBlueGreen() {
    return blueGreen;
  }

  public void setBlueGreen(BlueGreenStrategy blueGreen) {
    this.blueGreen = blueGreen;
  }

  /** The blue-green settings, or those of an unset {@code blueGreen} (all defaults). */
  public BlueGreenStrategy blueGreenOrDefaults() {
    return blueGreen != null ? blueGreen : new BlueGreenStrategy();
  }

  public RollingStrategy getRolling() {
    return rolling;
  }

  public void setRolling(RollingStrategy rolling) {
    this.rolling = rolling;
  }

  /** The rolling settings, or those of an unset {@code rolling} (all defaults). */
  public RollingStrategy rollingOrDefaults() {
    return rolling != null ? rolling : new RollingStrategy();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeploymentStrategy that
        && type == that.type
        && Objects.equals(blueGreen, that.blueGreen)
        && Objects.equals(rolling, that.rolling);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, blueGreen, rolling);
  }

  @Override
  public String toString() {
    return "DeploymentStrategy{type=" + type + ", blueGreen=" + blueGreen + ", rolling=" + rolling + "}";
  }
}
