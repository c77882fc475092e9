package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/**
 * How a rebalance runs, whoever asks for it: a {@link RebalanceSpec} written by hand, or a
 * LosslessDeployment's {@code spec.rebalance} after a scale-out. Names and defaults are EMQX's
 * rebalance API's (and the EMQX Operator's), so their users feel at home.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RebalanceSettings {

  /**
   * A relative threshold greater than 1 (such as "1.1"), written as a string because floats in CRDs
   * behave differently across languages. Alternatives: 1.x with a non-zero fraction; 2 to 9...; 10 and up.
   */
  public static final String RELATIVE_THRESHOLD_PATTERN =
      "^(1\\.[0-9]*[1-9][0-9]*|[2-9][0-9]*(\\.[0-9]+)?|1[0-9]+(\\.[0-9]+)?)$";

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

  /** Copies these settings onto {@code to}. */
  public <T extends RebalanceSettings> T copyTo(T to) {
    to.setSessEvictRate(sessEvictRate);
    to.setWaitTakeover(waitTakeover);
    to.setWaitHealthCheck(waitHealthCheck);
    to.setAbsConnThreshold(absConnThreshold);
    to.setAbsSessThreshold(absSessThreshold);
    to.setRelConnThreshold(relConnThreshold);
    to.setRelSessThreshold(relSessThreshold);
    return to;
  }

  /** Whether the settings of this class equal {@code that}'s. */
  protected boolean sameSettings(RebalanceSettings that) {
    return Objects.equals(sessEvictRate, that.sessEvictRate)
        && Objects.equals(waitTakeover, that.waitTakeover)
        && Objects.equals(waitHealthCheck, that.waitHealthCheck)
        && Objects.equals(absConnThreshold, that.absConnThreshold)
        && Objects.equals(absSessThreshold, that.absSessThreshold)
        && Objects.equals(relConnThreshold, that.relConnThreshold)
        && Objects.equals(relSessThreshold, that.relSessThreshold);
  }

  protected int settingsHash() {
    return Objects.hash(sessEvictRate, waitTakeover, waitHealthCheck, absConnThreshold, absSessThreshold,
        relConnThreshold, relSessThreshold);
  }

  protected String settingsString() {
    return "sessEvictRate=" + sessEvictRate + ", waitTakeover=" + waitTakeover + ", waitHealthCheck="
        + waitHealthCheck + ", absConnThreshold=" + absConnThreshold + ", absSessThreshold=" + absSessThreshold
        + ", relConnThreshold=" + relConnThreshold + ", relSessThreshold=" + relSessThreshold;
  }
}
