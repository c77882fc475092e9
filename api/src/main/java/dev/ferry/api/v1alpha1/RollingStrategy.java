package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Objects;

/** {@code spec.strategy.rolling}: the same knobs as a Deployment's rolling update. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RollingStrategy {

  @JsonPropertyDescription("How many pods may exist above spec.replicas during the release: a number, or a "
      + "percentage of spec.replicas rounded up. Defaults to 25%.")
  @Default("25%")
  private IntOrString maxSurge = new IntOrString("25%");

  @JsonPropertyDescription("How many of spec.replicas may be not serving during the release: a number, or a "
      + "percentage of spec.replicas rounded down. Defaults to 0, so serving capacity never drops; it "
      + "cannot be 0 when maxSurge is 0.")
  @Default("0")
  private IntOrString maxUnavailable = new IntOrString(0);

  public IntOrString getMaxSurge() {
    return maxSurge;
  }

  public void setMaxSurge(IntOrString maxSurge) {
    this.maxSurge = maxSurge;
  }

  public IntOrString getMaxUnavailable() {
    return maxUnavailable;
  }

  public void setMaxUnavailable(IntOrString maxUnavailable) {
    this.maxUnavailable = maxUnavailable;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RollingStrategy that
        && Objects.equals(maxSurge, that.maxSurge)
        && Objects.equals(maxUnavailable, that.maxUnavailable);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxSurge, maxUnavailable);
  }

  @Override
  public String toString() {
    return "RollingStrategy{maxSurge=" + maxSurge + ", maxUnavailable=" + maxUnavailable + "}";
  }
}
