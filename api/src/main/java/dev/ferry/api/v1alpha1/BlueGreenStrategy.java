package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** {@code spec.strategy.blueGreen}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class BlueGreenStrategy {

  @JsonPropertyDescription("Seconds to wait after the switch before the first old pod is drained, so that "
      + "load balancers and proxies catch up with the new endpoints. Defaults to 10.")
  @Min(0)
  @Default("10")
  private Integer initialDelaySeconds = 10;

  @JsonPropertyDescription("Switch to the new pods as soon as they are all ready. When false, the release "
      + "waits in phase AwaitingPromotion until it is promoted (ferry promote, which sets the annotation "
      + "ferry.dev/promote). Defaults to true.")
  @Default("true")
  private Boolean autoPromote = true;

  @JsonPropertyDescription("Seconds the new pods get to become ready. When they are not all ready in time "
      + "the release is Aborted: the old pods keep serving and the new set is scaled to zero. Defaults to "
      + "600.")
  @Min(1)
  @Default("600")
  private Integer progressDeadlineSeconds = 600;

  public Integer getInitialDelaySeconds() {
    return initialDelaySeconds;
  }

  public void setInitialDelaySeconds(Integer initialDelaySeconds) {
    this.initialDelaySeconds = initialDelaySeconds;
  }

  public Boolean getAutoPromote() {
    return autoPromote;
  }

  public void setAutoPromote(Boolean autoPromote) {
    this.autoPromote = autoPromote;
  }

  public Integer getProgressDeadlineSeconds() {
    return progressDeadlineSeconds;
  }

  public void setProgressDeadlineSeconds(Integer progressDeadlineSeconds) {
    this.progressDeadlineSeconds = progressDeadlineSeconds;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlueGreenStrategy that
        && Objects.equals(initialDelaySeconds, that.initialDelaySeconds)
        && Objects.equals(autoPromote, that.autoPromote)
        && Objects.equals(progressDeadlineSeconds, that.progressDeadlineSeconds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(initialDelaySeconds, autoPromote, progressDeadlineSeconds);
  }

  @Override
  public String toString() {
    return "BlueGreenStrategy{initialDelaySeconds=" + initialDelaySeconds + ", autoPromote=" + autoPromote
        + ", progressDeadlineSeconds=" + progressDeadlineSeconds + "}";
  }
}
