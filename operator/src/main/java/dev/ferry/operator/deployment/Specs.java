package dev.ferry.operator.deployment;

import dev.ferry.api.v1alpha1.DrainSpec;
import dev.ferry.api.v1alpha1.LosslessDeploymentSpec;
import dev.ferry.core.bluegreen.BlueGreenSpec;
import dev.ferry.core.release.DrainSettings;
import dev.ferry.core.release.DrainType;
import dev.ferry.core.rolling.RollingSpec;
import java.time.Duration;

/** The resource's spec in core's terms. Only called on a spec that passed {@link SpecValidator}. */
public final class Specs {
  private Specs() {}

  public static DrainSettings drain(LosslessDeploymentSpec spec) {
    DrainSpec d = spec.drainOrDefaults();
    DrainType type = switch (d.getType()) {
      case EMQX -> DrainType.EMQX;
      case HTTP -> DrainType.HTTP;
      case NONE -> DrainType.NONE;
    };
    Integer timeout = d.getTimeoutSeconds() != null ? d.getTimeoutSeconds()
        : type == DrainType.HTTP ? Integer.valueOf(DrainSpec.DEFAULT_HTTP_TIMEOUT_SECONDS) : null;
    return new DrainSettings(type, Duration.ofSeconds(d.getWaitTakeover()),
        timeout == null ? null : Duration.ofSeconds(timeout),
        Duration.ofSeconds(d.getWaitHealthCheck() == null ? 0 : d.getWaitHealthCheck()), parallel(d));
  }

  /** How many pods drain at once: only emqx drains of a blue-green release run side by side. */
  static int parallel(DrainSpec d) {
    return d.getType() == dev.ferry.api.v1alpha1.DrainType.EMQX && d.getParallel() != null ? d.getParallel() : 1;
  }

  public static BlueGreenSpec blueGreen(LosslessDeploymentSpec spec) {
    var bg = spec.getStrategy().blueGreenOrDefaults();
    return new BlueGreenSpec(
        spec.getReplicas(), !Boolean.FALSE.equals(bg.getAutoPromote()),
        Duration.ofSeconds(bg.getInitialDelaySeconds()), Duration.ofSeconds(bg.getProgressDeadlineSeconds()),
        drain(spec), historyLimit(spec));
  }

  public static RollingSpec rolling(LosslessDeploymentSpec spec) {
    var r = spec.getStrategy().rollingOrDefaults();
    var life = spec.lifecycleOrDefaults();
    return new RollingSpec(
        spec.getReplicas(),
        SpecValidator.intOrPercent(r.getMaxSurge(), "maxSurge"),
        SpecValidator.intOrPercent(r.getMaxUnavailable(), "maxUnavailable"),
        Duration.ofSeconds(life.getDelayOnlineSeconds() == null ? 0 : life.getDelayOnlineSeconds()),
        Duration.ofSeconds(life.getPropagationSeconds() == null ? 0 : life.getPropagationSeconds()),
        Duration.ofSeconds(r.getProgressDeadlineSeconds() == null ? 600 : r.getProgressDeadlineSeconds()),
        drain(spec), historyLimit(spec));
  }

  static int historyLimit(LosslessDeploymentSpec spec) {
    return spec.getRevisionHistoryLimit() == null ? 10 : spec.getRevisionHistoryLimit();
  }
}
