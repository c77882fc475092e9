package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * {@code spec.drain}: how one pod is emptied before it is deleted. The rate and wait names are the
 * EMQX Operator's (and EMQX's own), so its users feel at home.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(value = "self.type != 'emqx' || has(self.emqx)",
    message = "drain.emqx is required when drain.type is emqx")
@ValidationRule(value = "self.type != 'http' || has(self.http)",
    message = "drain.http is required when drain.type is http")
public class DrainSpec {

  @JsonPropertyDescription("emqx: EMQX 5 node evacuation through its REST API, with the new pods as "
      + "targets. http: Ferry's HTTP drain protocol, for any service that implements it. none: no drain "
      + "call; the pod is taken out of the endpoints and deleted waitTakeover seconds later.")
  @Required
  private DrainType type;

  @JsonPropertyDescription("Connections per second the drained pod may disconnect (EMQX conn_evict_rate). "
      + "This bounds the reconnect rate the other pods see. Defaults to 1000.")
  @Min(1)
  @Default("1000")
  private Integer connEvictRate = 1000;

  @JsonPropertyDescription("Sessions per second moved off the drained pod once its connections are gone "
      + "and waitTakeover has passed (EMQX sess_evict_rate). Defaults to 1000.")
  @Min(1)
  @Default("1000")
  private Integer sessEvictRate = 1000;

  @JsonPropertyDescription("Seconds the disconnected clients get to reconnect elsewhere and take their "
      + "sessions over before the remaining sessions are moved (EMQX wait_takeover); with EMQX 5 the pod "
      + "goes as soon as every client has taken its session over, so a long wait costs nothing when "
      + "clients come back quickly. With type none: "
      + "the wait between taking the pod out of the endpoints and deleting it. Defaults to 10.")
  @Min(0)
  @Default("10")
  private Integer waitTakeover = 10;

  @JsonPropertyDescription("Seconds the drainer waits before it starts evicting, for load balancers that "
      + "health-check the pod rather than follow the endpoints (EMQX wait_health_check). Ferry has "
      + "already taken the pod out of the endpoints by then. Defaults to 0.")
  @Min(0)
  @Default("0")
  private Integer waitHealthCheck = 0;

  @JsonPropertyDescription("Seconds a drain of one pod may take; after it the pod is deleted with what it "
      + "still holds, reported as DrainTimedOut (Warning event and condition). http: requests in flight, any drain "
      + "past it. emqx: connections and sessions, and only a drain that has also stopped progressing "
      + "(DrainStalled): a slow drain that moves is never cut short. Unset: emqx never deletes a pod that still "
      + "holds sessions, http uses 3600.")
  @Min(1)
  private Integer timeoutSeconds;

  @JsonPropertyDescription("How many old pods a blue-green release evicts clients from at once (emqx). Each drains "
      + "at connEvictRate/parallel and sessEvictRate/parallel, 1/parallel of a second from the others in EMQX's "
      + "once-a-second ticks, so that the eviction bursts interleave: clients still come back at connEvictRate per "
      + "second, in smaller bursts. A drain that has sent its last client away (waiting for its takeovers, or done) "
      + "no longer counts: the next starts beside it. Defaults to 1.")
  @Min(1)
  @Max(10)
  @Default("1")
  private Integer parallel = 1;

  /** What an http drain may take when {@code timeoutSeconds} is unset. */
  public static final int DEFAULT_HTTP_TIMEOUT_SECONDS = 3600;

  @JsonPropertyDescription("Settings of the emqx drainer; required when type is emqx.")
  private EmqxDrain emqx;

  @JsonPropertyDescription("Settings of the http drainer; required when type is http.")
  private HttpDrain http;

  public DrainSpec() {}

  public DrainSpec(DrainType type) {
    this.type = type;
  }

  /** The drain of a LosslessDeployment without {@code spec.drain}. */
  public static DrainSpec none() {
    return new DrainSpec(DrainType.NONE);
  }

  public DrainType getType() {
    return type;
  }

  public void setType(DrainType type) {
    this.type = type;
  }

  /**
   * Reads {@code type} leniently: a value this version does not know becomes null, so that the
   * operator reports the field in a condition instead of failing to read the whole resource (API
   * servers that enforce the CRD's enum never let such a value in).
   */
  @com.fasterxml.jackson.annotation.JsonSetter("type")
  void readType(String raw) {
    this.type = null;
    for (DrainType t : DrainType.values()) {
      if (t.wireName().equals(raw)) {
        this.type = t;
      }
    }
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

  public Integer getTimeoutSeconds() {
    return timeoutSeconds;
  }

  public void setTimeoutSeconds(Integer timeoutSeconds) {
    this.timeoutSeconds = timeoutSeconds;
  }

  public Integer getParallel() {
    return parallel;
  }

  public void setParallel(Integer parallel) {
    this.parallel = parallel;
  }

  public EmqxDrain getEmqx() {
    return emqx;
  }

  public void setEmqx(EmqxDrain emqx) {
    this.emqx = emqx;
  }

  public HttpDrain getHttp() {
    return http;
  }

  public void setHttp(HttpDrain http) {
    this.http = http;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DrainSpec that
        && type == that.type
        && Objects.equals(connEvictRate, that.connEvictRate)
        && Objects.equals(sessEvictRate, that.sessEvictRate)
        && Objects.equals(waitTakeover, that.waitTakeover)
        && Objects.equals(waitHealthCheck, that.waitHealthCheck)
        && Objects.equals(timeoutSeconds, that.timeoutSeconds)
        && Objects.equals(parallel, that.parallel)
        && Objects.equals(emqx, that.emqx)
        && Objects.equals(http, that.http);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, connEvictRate, sessEvictRate, waitTakeover, waitHealthCheck, timeoutSeconds, parallel, emqx,
        http);
  }

  @Override
  public String toString() {
    return "DrainSpec{type=" + type + ", connEvictRate=" + connEvictRate + ", sessEvictRate=" + sessEvictRate
        + ", waitTakeover=" + waitTakeover + ", waitHealthCheck=" + waitHealthCheck + ", timeoutSeconds="
        + timeoutSeconds + ", parallel=" + parallel + ", emqx=" + emqx + ", http=" + http + "}";
  }
}
