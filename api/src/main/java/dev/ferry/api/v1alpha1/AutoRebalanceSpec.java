package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/**
 * A LosslessDeployment's {@code spec.rebalance}: after new pods joined outside a release (a
 * scale-out, a pod replaced), the operator looks at the brokers' load once the settle delay has
 * passed and, when it is outside the thresholds in either direction, creates a Rebalance of its own
 * with these settings and follows it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class AutoRebalanceSpec extends RebalanceSettings {

  @JsonPropertyDescription("Rebalance on its own after new pods joined outside a release (a scale-out, a "
      + "pod replaced): never during a release, never two at once, and a failed one is not tried again until "
      + "the pods change again. Needs spec.drain.type emqx. Defaults to false.")
  @Default("false")
  private Boolean auto = false;

  @JsonPropertyDescription("Seconds to wait after new pods were first seen, with the deployment Healthy, "
      + "before the load is judged: clients that reconnect on their own settle first. Defaults to 30.")
  @Min(0)
  @Default("30")
  private Integer settleSeconds = 30;

  @JsonPropertyDescription("Connections per second the rebalance may disconnect, across the cluster (as a "
      + "Rebalance's connEvictRate). Unset: spec.drain.connEvictRate.")
  @Min(1)
  private Integer connEvictRate;

  public Boolean getAuto() {
    return auto;
  }

  public void setAuto(Boolean auto) {
    this.auto = auto;
  }

  /** Whether the operator rebalances on its own. */
  public boolean auto() {
    return Boolean.TRUE.equals(auto);
  }

  public Integer getSettleSeconds() {
    return settleSeconds;
  }

  public void setSettleSeconds(Integer settleSeconds) {
    this.settleSeconds = settleSeconds;
  }

  public Integer getConnEvictRate() {
    return connEvictRate;
  }

  public void setConnEvictRate(Integer connEvictRate) {
    this.connEvictRate = connEvictRate;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AutoRebalanceSpec that
        && Objects.equals(auto, that.auto)
        && Objects.equals(settleSeconds, that.settleSeconds)
        && Objects.equals(connEvictRate, that.connEvictRate)
        && sameSettings(that);
  }

  @Override
  public int hashCode() {
    return Objects.hash(auto, settleSeconds, connEvictRate, settingsHash());
  }

  @Override
  public String toString() {
    return "AutoRebalanceSpec{auto=" + auto + ", settleSeconds=" + settleSeconds + ", connEvictRate=" + connEvictRate
        + ", " + settingsString() + "}";
  }
}
