package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
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
public class RebalanceSpec {

  /**
   * A relative threshold greater than 1 (such as "1.1"), written as a string because floats in CRDs
   * behave differently across languages. Alternatives: 1.x with a non-zero fraction; 2 to 9...; 10 and up.
   */
  public static final String RELATIVE_THRESHOLD_PATTERN =
      "^(1\\.[0-9]*[1-9][0-9]*|[2-9][0-9]*(\\.[0-9]+)?|1[0-9]+(\\.[0-9]+)?)$";

  @JsonPropertyDescription("The LosslessDeployment whose pods are rebalanced. It must be Healthy with no "
      + "release in progress; until it is, the Rebalance waits in phase Pending.")
  @Required
  private TargetReference targetRef;

  @JsonPropertyDescription("Connections per second the rebalance may disconnect, across the cluster: Ferry "
      + "asks each of the broker's donors for its share (EMQX's conn_evict_rate is per donor, taken in one burst "
      + "a second), less when what is left to move is smaller, so that no tick overshoots.")
  @Required
  @Min(1)
  private Integer connEvictRate;

  @JsonPropertyDescription("Sessions per second moved off a donor once waitTakeover has passed (EMQX "
      + "sess_evict_rate). Defaults to 500.")
  @Min(1)
  @Default("500")
  private Integer sessEvictRate = 500;

  @JsonPropertyDescription("Seconds disconnected clients get to reconnect and take their sessions over "
      + "before the remaining sessions are moved (EMQX wait_takeover). Defaults to 60.")
  @Min(0)
  @Default("60")
  private Integer waitTakeover = 60;

  @JsonPropertyDescription("Seconds the broker waits, once the donors are out of the endpoints, before it "
      + "starts evicting, for load balancers that health-check (EMQX wait_health_check). Defaults to 60.")
  @Min(0)
  @Default("60")
  private Integer waitHealthCheck = 60;

  @JsonPropertyDescription("Absolute connection threshold: the load counts as balanced when a donor has at "
      + "most this many more connections than the average (EMQX abs_conn_threshold). Defaults to 1000.")
  @Min(1)
  @Default("1000")
  private Integer absConnThreshold = 1000;

  @JsonPropertyDescription("Absolute session threshold, as absConnThreshold for sessions (EMQX "
      + "abs_sess_threshold). Defaults to 1000.")
  @Min(1)
  @Default("1000")
  private Integer absSessThreshold = 1000;

  @JsonPropertyDescription("Relative connection threshold, a decimal greater than 1 written as a string: "
      + "the load counts as balanced when a donor has at most this times the average connections (EMQX "
      + "rel_conn_threshold). Defaults to \"1.1\".")
  @Pattern(RELATIVE_THRESHOLD_PATTERN)
  @Size(max = 16)
  @Default("\"1.1\"")
  private String relConnThreshold = "1.1";

  @JsonPropertyDescription("Relative session threshold, as relConnThreshold for sessions (EMQX "
      + "rel_sess_threshold). Defaults to \"1.1\".")
  @Pattern(RELATIVE_THRESHOLD_PATTERN)
  @Size(max = 16)
  @Default("\"1.1\"")
  private String relSessThreshold = "1.1";

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

  public Integer getSessEvictRate() {
    return sessEvictRate;
  }

  public void setSessEvictRate(Integer sessEvictRate) {
    this.sessEvictRate = sessEvictRate;
  }

  public Integer getWaitTakeover() {
    return waitTakeover;
  }

  public void setWaitTakeover(Integer waitTakeover) {
    this.waitTakeover = waitTakeover;
  }

  public Integer getWaitHealthCheck() {
    return waitHealthCheck;
  }

  public void setWaitHealthCheck(Integer waitHealthCheck) {
    this.waitHealthCheck = waitHealthCheck;
  }

  public Integer getAbsConnThreshold() {
    return absConnThreshold;
  }

  public void setAbsConnThreshold(Integer absConnThreshold) {
    this.absConnThreshold = absConnThreshold;
  }

  public Integer getAbsSessThreshold() {
    return absSessThreshold;
  }

  public void setAbsSessThreshold(Integer absSessThreshold) {
    this.absSessThreshold = absSessThreshold;
  }

  public String getRelConnThreshold() {
    return relConnThreshold;
  }

  public void setRelConnThreshold(String relConnThreshold) {
    this.relConnThreshold = relConnThreshold;
  }

  public String getRelSessThreshold() {
    return relSessThreshold;
  }

  public void setRelSessThreshold(String relSessThreshold) {
    this.relSessThreshold = relSessThreshold;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RebalanceSpec that
        && Objects.equals(targetRef, that.targetRef)
        && Objects.equals(connEvictRate, that.connEvictRate)
        && Objects.equals(sessEvictRate, that.sessEvictRate)
        && Objects.equals(waitTakeover, that.waitTakeover)
        && Objects.equals(waitHealthCheck, that.waitHealthCheck)
        && Objects.equals(absConnThreshold, that.absConnThreshold)
        && Objects.equals(absSessThreshold, that.absSessThreshold)
        && Objects.equals(relConnThreshold, that.relConnThreshold)
        && Objects.equals(relSessThreshold, that.relSessThreshold);
  }

  @Override
  public int hashCode() {
    return Objects.hash(targetRef, connEvictRate, sessEvictRate, waitTakeover, waitHealthCheck, absConnThreshold,
        absSessThreshold, relConnThreshold, relSessThreshold);
  }

  @Override
  public String toString() {
    return "RebalanceSpec{targetRef=" + targetRef + ", connEvictRate=" + connEvictRate + ", sessEvictRate="
        + sessEvictRate + ", waitTakeover=" + waitTakeover + ", waitHealthCheck=" + waitHealthCheck
        + ", absConnThreshold=" + absConnThreshold + ", absSessThreshold=" + absSessThreshold
        + ", relConnThreshold=" + relConnThreshold + ", relSessThreshold=" + relSessThreshold + "}";
  }
}
