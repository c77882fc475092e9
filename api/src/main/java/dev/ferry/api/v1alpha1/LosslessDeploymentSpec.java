package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.Objects;

/** What a {@link LosslessDeployment} should run, and how a new revision replaces the serving one. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class LosslessDeploymentSpec {

  @JsonPropertyDescription("Number of pods that serve. A blue-green release starts the new revision at "
      + "this full size next to the old one, so serving capacity never drops. Defaults to 1.")
  @Min(0)
  @Default("1")
  @SpecReplicas
  private Integer replicas = 1;

  @JsonPropertyDescription("Label query over the pods this LosslessDeployment manages. It must match the "
      + "labels of the template. As with a Deployment, changing it after creation is not supported.")
  @Required
  private LabelSelector selector;

  @JsonPropertyDescription("The pod template, as in a Deployment. Ferry adds to the pods it creates the "
      + "readiness gate ferry.dev/serving, the label ferry.dev/revision and, when spec.lifecycle is set, a "
      + "preStop hook and a termination grace period that covers it.")
  @Required
  private PodTemplateSpec template;

  @JsonPropertyDescription("The Service whose endpoints the serving gate controls. Its selector is never "
      + "changed: pods enter and leave its endpoints through the readiness gate ferry.dev/serving.")
  private ServiceReference service;

  @JsonPropertyDescription("How many old revision sets (ReplicaSets scaled to zero) are kept for rollback. "
      + "Defaults to 10.")
  @Min(0)
  @Default("10")
  private Integer revisionHistoryLimit = 10;

  @JsonPropertyDescription("How a new revision replaces the serving one.")
  @Required
  private DeploymentStrategy strategy;

  @JsonPropertyDescription("How one pod is emptied of its connections and sessions before it is deleted. "
      + "Unset: as type none with its defaults.")
  private DrainSpec drain;

  @JsonPropertyDescription("Lossless online and offline for request/response services: delayed "
      + "registration, warmup, and a preStop hook that takes the pod offline before it gets SIGTERM. "
      + "Unset: every field at its default.")
  private LifecycleSpec lifecycle;

  @JsonPropertyDescription("Database schema changes tied to the release: expand before the new revision "
      + "starts, contract once no old revision is left and the rollback window has closed.")
  private MigrationsSpec migrations;

  @JsonPropertyDescription("Holds a release between steps, as a paused Deployment holds its rollout: no new "
      + "step starts, a drain that runs is stopped (and started again on resume), and the progress deadline "
      + "does not run. A template changed while paused is released on resume. Scaling and a first "
      + "deployment are not held. `ferry pause` and `ferry resume` set it.")
  private Boolean paused;

  @JsonPropertyDescription("Automatic rebalance after new pods joined outside a release (a scale-out, a pod "
      + "replaced): the operator judges the brokers' load once it has settled and, when it is outside the "
      + "thresholds either way, runs a Rebalance of its own with these settings. Needs spec.drain.type emqx.")
  private AutoRebalanceSpec rebalance;

  @JsonPropertyDescription("A running StatefulSet or Deployment and the Service of spec.service to take over "
      + "without a restart: Ferry's pods start beside the adopted ones, the Service's selector gains "
      + "ferry.dev/deployment once, and the adopted pods are drained one at a time (docs/adopt.md).")
  private AdoptSpec adopt;

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public LabelSelector getSelector() {
    return selector;
  }

  public void setSelector(LabelSelector selector) {
    this.selector = selector;
  }

  public PodTemplateSpec getTemplate() {
    return template;
  }

  public void setTemplate(PodTemplateSpec template) {
    this.template = template;
  }

  public ServiceReference getService() {
    return service;
  }

  public void setService(ServiceReference service) {
    this.service = service;
  }

  public Integer getRevisionHistoryLimit() {
    return revisionHistoryLimit;
  }

  public void setRevisionHistoryLimit(Integer revisionHistoryLimit) {
    this.revisionHistoryLimit = revisionHistoryLimit;
  }

  public DeploymentStrategy getStrategy() {
    return strategy;
  }

  public void setStrategy(DeploymentStrategy strategy) {
    this.strategy = strategy;
  }

  public DrainSpec getDrain() {
    return drain;
  }

  public void setDrain(DrainSpec drain) {
    this.drain = drain;
  }

  /** The drain settings, or those of an unset {@code drain} (type none, all defaults). */
  public DrainSpec drainOrDefaults() {
    return drain != null ? drain : DrainSpec.none();
  }

  public LifecycleSpec getLifecycle() {
    return lifecycle;
  }

  public void setLifecycle(LifecycleSpec lifecycle) {
    this.lifecycle = lifecycle;
  }

  /** The lifecycle settings, or those of an unset {@code lifecycle} (all defaults). */
  public LifecycleSpec lifecycleOrDefaults() {
    return lifecycle != null ? lifecycle : new LifecycleSpec();
  }

  public MigrationsSpec getMigrations() {
    return migrations;
  }

  public void setMigrations(MigrationsSpec migrations) {
    this.migrations = migrations;
  }

  public Boolean getPaused() {
    return paused;
  }

  public void setPaused(Boolean paused) {
    this.paused = paused;
  }

  /** Whether releases are held ({@code spec.paused: true}). */
  public boolean paused() {
    return Boolean.TRUE.equals(paused);
  }

  public AutoRebalanceSpec getRebalance() {
    return rebalance;
  }

  public void setRebalance(AutoRebalanceSpec rebalance) {
    this.rebalance = rebalance;
  }

  /** Whether the operator rebalances on its own ({@code spec.rebalance.auto: true}). */
  public boolean autoRebalance() {
    return rebalance != null && rebalance.auto();
  }

  public AdoptSpec getAdopt() {
    return adopt;
  }

  public void setAdopt(AdoptSpec adopt) {
    this.adopt = adopt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LosslessDeploymentSpec that
        && Objects.equals(replicas, that.replicas)
        && Objects.equals(selector, that.selector)
        && Objects.equals(template, that.template)
        && Objects.equals(service, that.service)
        && Objects.equals(revisionHistoryLimit, that.revisionHistoryLimit)
        && Objects.equals(strategy, that.strategy)
        && Objects.equals(drain, that.drain)
        && Objects.equals(lifecycle, that.lifecycle)
        && Objects.equals(migrations, that.migrations)
        && Objects.equals(paused, that.paused)
        && Objects.equals(rebalance, that.rebalance)
        && Objects.equals(adopt, that.adopt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(replicas, selector, template, service, revisionHistoryLimit, strategy, drain,
        lifecycle, migrations, paused, rebalance, adopt);
  }

  @Override
  public String toString() {
    return "LosslessDeploymentSpec{replicas=" + replicas + ", selector=" + selector + ", template=" + template
        + ", service=" + service + ", revisionHistoryLimit=" + revisionHistoryLimit + ", strategy=" + strategy
        + ", drain=" + drain + ", lifecycle=" + lifecycle + ", migrations=" + migrations + ", paused=" + paused
        + ", rebalance=" + rebalance + ", adopt=" + adopt + "}";
  }
}
