package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * The rebalance task. Names and defaults are the EMQX Operator's (and EMQX's rebalance API's), so its
 * users feel at home. A Rebalance runs once; like the EMQX Operator's, its spec cannot be changed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(value = "self == oldSelf",
    message = "spec is immutable: a Rebalance runs once; delete it and create a new one")
public class RebalanceSpec extends RebalanceSettings {

  @JsonPropertyDescription("The LosslessDeployment whose pods are rebalanced. It must be Healthy with no "
      + "release in progress; until it is, the Rebalance waits in phase Pending.")
  @Required
  private TargetReference targetRef;

  @JsonPropertyDescription("Connections per second the rebalance may disconnect, across the cluster: Ferry "
      + "asks each of the broker's donors for its share of half of it a tick (EMQX's conn_evict_rate is per donor, "
      + "taken in one burst a second, and the clients of two bursts can come back within one second), less when "
      + "what is left to move is smaller, so that no tick overshoots.")
  @Required
  @Min(1)
  private Integer connEvictRate;

  public TargetReference getTargetRef() {
    return targetRef;
  }

  public void setTargetRef(TargetReference targetRef) {
    this.targetRef = targetRef;
  }

  public Integer getConnEvictRate() {
    return connEvictRate;
  }

  public void setConnEvictRate(Integer connEvictRate) {
    this.connEvictRate = connEvictRate;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RebalanceSpec that
        && Objects.equals(targetRef, that.targetRef)
        && Objects.equals(connEvictRate, that.connEvictRate)
        && sameSettings(that);
  }

  @Override
  public int hashCode() {
    return Objects.hash(targetRef, connEvictRate, settingsHash());
  }

  @Override
  public String toString() {
    return "RebalanceSpec{targetRef=" + targetRef + ", connEvictRate=" + connEvictRate + ", " + settingsString() + "}";
  }
}
