package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Objects;

/** {@code spec.strategy.rolling}: the same knobs as a Deployment's rolling update. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
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

  @JsonPropertyDescription("Seconds the release may go without progress (a new pod becoming ready) before "
      + "it is reported as stalled. Defaults to 600.")
  @Min(1)
  @Default("600")
  private Integer progressDeadlineSeconds = 600;

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

  public Integer getProgressDeadlineSeconds() {
    return progressDeadlineSeconds;
  }

  public void setProgressDeadlineSeconds(Integer progressDeadlineSeconds) {
    this.progressDeadlineSeconds = progressDeadlineSeconds;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RollingStrategy that
        && Objects.equals(maxSurge, that.maxSurge)
        && Objects.equals(maxUnavailable, that.maxUnavailable)
        && Objects.equals(progressDeadlineSeconds, that.progressDeadlineSeconds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxSurge, maxUnavailable, progressDeadlineSeconds);
  }

  @Override
  public String toString() {
    return "RollingStrategy{maxSurge=" + maxSurge + ", maxUnavailable=" + maxUnavailable
        + ", progressDeadlineSeconds=" + progressDeadlineSeconds + "}";
  }
}
