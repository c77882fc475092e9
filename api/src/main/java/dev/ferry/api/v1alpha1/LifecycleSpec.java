package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import java.util.Objects;

/**
 * {@code spec.lifecycle}: lossless online and offline for request/response services. The operator
 * renders these into the pods it creates (preStop hook, termination grace period, warmup annotations)
 * and into when it flips the serving gate.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class LifecycleSpec {

  @JsonPropertyDescription("Seconds the preStop hook sleeps (after calling offlineUrl, when set) before the "
      + "container gets SIGTERM, so that proxies stop sending new requests first, even when the pod is "
      + "deleted by someone other than Ferry (node drain, eviction). Defaults to 5.")
  @Min(0)
  @Default("5")
  private Integer preStopSleepSeconds = 5;

  @JsonPropertyDescription("URL the preStop hook calls first, from inside the pod, to take the instance out "
      + "of service registries, e.g. http://localhost:22222/offline. Unset: no call.")
  @Pattern("^https?://.+")
  private String offlineUrl;

  @JsonPropertyDescription("Seconds over which a new pod's share of traffic grows to a full share once it "
      + "serves. Published on the pod as the annotations ferry.dev/ready-at and ferry.dev/warmup-seconds "
      + "for weight-aware proxies and client libraries. Defaults to 0 (no warmup).")
  @Min(0)
  @Default("0")
  private Integer warmupSeconds = 0;

  @JsonPropertyDescription("Seconds between a new pod's containers becoming ready and Ferry letting it "
      + "serve (setting its ferry.dev/serving condition True): delayed registration, for caches and "
      + "registries that need time after readiness. Defaults to 0.")
  @Min(0)
  @Default("0")
  private Integer delayOnlineSeconds = 0;

  @JsonPropertyDescription("Seconds an endpoint change takes to reach every proxy, load balancer and "
      + "registry. Ferry waits this long after taking a pod out of the endpoints before it drains or "
      + "deletes it. Defaults to 5.")
  @Min(0)
  @Default("5")
  private Integer propagationSeconds = 5;

  @JsonPropertyDescription("Seconds the application needs for its own graceful shutdown after SIGTERM. The "
      + "termination grace period Ferry sets covers the preStop hook plus this. Defaults to 30.")
  @Min(0)
  @Default("30")
  private Integer shutdownSeconds = 30;

  public Integer getPreStopSleepSeconds() {
    return preStopSleepSeconds;
  }

  public void setPreStopSleepSeconds(Integer preStopSleepSeconds) {
    this.preStopSleepSeconds = preStopSleepSeconds;
  }

  public String getOfflineUrl() {
    return offlineUrl;
  }

  public void setOfflineUrl(String offlineUrl) {
    this.offlineUrl = offlineUrl;
  }

  public Integer getWarmupSeconds() {
    return warmupSeconds;
  }

  public void setWarmupSeconds(Integer warmupSeconds) {
    this.warmupSeconds = warmupSeconds;
  }

  public Integer getDelayOnlineSeconds() {
    return delayOnlineSeconds;
  }

  public void setDelayOnlineSeconds(Integer delayOnlineSeconds) {
    this.delayOnlineSeconds = delayOnlineSeconds;
  }

  public Integer getPropagationSeconds() {
    return propagationSeconds;
  }

  public void setPropagationSeconds(Integer propagationSeconds) {
    this.propagationSeconds = propagationSeconds;
  }

  public Integer getShutdownSeconds() {
    return shutdownSeconds;
  }

  public void setShutdownSeconds(Integer shutdownSeconds) {
    this.shutdownSeconds = shutdownSeconds;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LifecycleSpec that
        && Objects.equals(preStopSleepSeconds, that.preStopSleepSeconds)
        && Objects.equals(offlineUrl, that.offlineUrl)
        && Objects.equals(warmupSeconds, that.warmupSeconds)
        && Objects.equals(delayOnlineSeconds, that.delayOnlineSeconds)
        && Objects.equals(propagationSeconds, that.propagationSeconds)
        && Objects.equals(shutdownSeconds, that.shutdownSeconds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(preStopSleepSeconds, offlineUrl, warmupSeconds, delayOnlineSeconds, propagationSeconds,
        shutdownSeconds);
  }

  @Override
  public String toString() {
    return "LifecycleSpec{preStopSleepSeconds=" + preStopSleepSeconds + ", offlineUrl=" + offlineUrl
        + ", warmupSeconds=" + warmupSeconds + ", delayOnlineSeconds=" + delayOnlineSeconds
        + ", propagationSeconds=" + propagationSeconds + ", shutdownSeconds=" + shutdownSeconds + "}";
  }
}
