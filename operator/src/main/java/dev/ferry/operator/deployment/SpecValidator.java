package dev.ferry.operator.deployment;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.DrainSpec;
import dev.ferry.api.v1alpha1.DrainType;
import dev.ferry.api.v1alpha1.LosslessDeploymentSpec;
import dev.ferry.api.v1alpha1.StrategyType;
import dev.ferry.core.rolling.Fenceposts;
import dev.ferry.core.rolling.IntOrPercent;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Checks what the CRD schema cannot: cross-field rules, and what exists in the cluster (the API
 * key Secret). An invalid spec is reported with each field and why, and nothing is touched. The
 * schema's own checks (minimums, enums, required) are repeated here too, since not every API server
 * a user runs enforces them the same way and the mock server enforces none.
 */
public final class SpecValidator {
  private SpecValidator() {}

  /**
   * @param secrets looks a Secret up by name in the resource's namespace (null when missing)
   */
  public static List<SpecProblem> validate(LosslessDeploymentSpec spec, Function<String, Secret> secrets) {
    List<SpecProblem> p = new ArrayList<>();
    if (spec == null) {
      p.add(new SpecProblem("spec", "is missing"));
      return p;
    }
    if (spec.getReplicas() == null || spec.getReplicas() < 0) {
      p.add(new SpecProblem("spec.replicas", "must be 0 or more, was " + spec.getReplicas()));
    }
    if (spec.getRevisionHistoryLimit() != null && spec.getRevisionHistoryLimit() < 0) {
      p.add(new SpecProblem("spec.revisionHistoryLimit", "must be 0 or more"));
    }
    if (spec.getTemplate() == null || spec.getTemplate().getSpec() == null
        || spec.getTemplate().getSpec().getContainers() == null
        || spec.getTemplate().getSpec().getContainers().isEmpty()) {
      p.add(new SpecProblem("spec.template.spec.containers", "a pod template with at least one container is required"));
    }
    selector(spec, p);
    strategy(spec, p);
    drain(spec.drainOrDefaults(), secrets, p);
    Integer parallel = spec.drainOrDefaults().getParallel();
    if (parallel != null && parallel > 1 && spec.getStrategy() != null
        && spec.getStrategy().getType() == StrategyType.ROLLING) {
      p.add(new SpecProblem("spec.drain.parallel", "is only for BlueGreen releases (Rolling drains one emqx pod at a time)"));
    }
    lifecycle(spec, p);
    autoRebalance(spec, p);
    migrations(spec.getMigrations(), p);
    AdoptionCheck.spec(spec, p);
    if (spec.getMigrations() != null && spec.getMigrations().getContract() != null
        && spec.getRevisionHistoryLimit() != null && spec.getRevisionHistoryLimit() == 0) {
      p.add(new SpecProblem("spec.revisionHistoryLimit", "must be at least 1 with a contract migration: the "
          + "versions a contract retires are read from the replaced revisions' ReplicaSets"));
    }
    if (spec.getService() != null && spec.getService().getName() != null
        && !spec.getService().getName().matches("[a-z]([-a-z0-9]{0,61}[a-z0-9])?")) {
      p.add(new SpecProblem("spec.service.name", "must be a DNS-1035 label, was '" + spec.getService().getName() + "'"));
    }
    return p;
  }

  /** An automatic rebalance asks the brokers their load and runs EMQX's rebalance: only the emqx drainer knows how. */
  private static void autoRebalance(LosslessDeploymentSpec spec, List<SpecProblem> p) {
    if (spec.autoRebalance() && spec.drainOrDefaults().getType() != dev.ferry.api.v1alpha1.DrainType.EMQX) {
      p.add(new SpecProblem("spec.rebalance.auto", "needs spec.drain.type emqx: only EMQX brokers can be rebalanced"));
    }
    Integer settle = spec.getRebalance() == null ? null : spec.getRebalance().getSettleSeconds();
    if (settle != null && settle < 0) {
      p.add(new SpecProblem("spec.rebalance.settleSeconds", "must be 0 or more, was " + settle));
    }
  }

  private static void selector(LosslessDeploymentSpec spec, List<SpecProblem> p) {
    LabelSelector s = spec.getSelector();
    boolean empty = s == null
        || ((s.getMatchLabels() == null || s.getMatchLabels().isEmpty())
            && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty()));
    if (empty) {
      p.add(new SpecProblem("spec.selector", "must select something (matchLabels or matchExpressions)"));
      return;
    }
    Map<String, String> labels =
        spec.getTemplate() == null || spec.getTemplate().getMetadata() == null
                || spec.getTemplate().getMetadata().getLabels() == null
            ? Map.of() : spec.getTemplate().getMetadata().getLabels();
    if (!matches(s, labels)) {
      p.add(new SpecProblem("spec.selector", "does not match spec.template.metadata.labels " + labels
          + ": the pods would not belong to this LosslessDeployment"));
    }
  }

  /** Kubernetes' label selector semantics. */
  static boolean matches(LabelSelector s, Map<String, String> labels) {
    if (s.getMatchLabels() != null) {
      for (var e : s.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (s.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : s.getMatchExpressions()) {
        String v = labels.get(r.getKey());
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        boolean ok = switch (r.getOperator()) {
          case "In" -> v != null && values.contains(v);
          case "NotIn" -> v == null || !values.contains(v);
          case "Exists" -> v != null;
          case "DoesNotExist" -> v == null;
          default -> false;
        };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  private static void strategy(LosslessDeploymentSpec spec, List<SpecProblem> p) {
    if (spec.getStrategy() == null || spec.getStrategy().getType() == null) {
      p.add(new SpecProblem("spec.strategy.type", "is required: BlueGreen or Rolling"));
      return;
    }
    if (spec.getStrategy().getType() == StrategyType.BLUE_GREEN) {
      var bg = spec.getStrategy().blueGreenOrDefaults();
      if (bg.getProgressDeadlineSeconds() == null || bg.getProgressDeadlineSeconds() < 1) {
        p.add(new SpecProblem("spec.strategy.blueGreen.progressDeadlineSeconds", "must be at least 1"));
      }
      if (bg.getInitialDelaySeconds() == null || bg.getInitialDelaySeconds() < 0) {
        p.add(new SpecProblem("spec.strategy.blueGreen.initialDelaySeconds", "must be 0 or more"));
      }
    } else {
      var r = spec.getStrategy().rollingOrDefaults();
      try {
        Fenceposts.resolve(intOrPercent(r.getMaxSurge(), "maxSurge"), intOrPercent(r.getMaxUnavailable(), "maxUnavailable"),
            spec.getReplicas() == null ? 0 : spec.getReplicas());
      } catch (IllegalArgumentException e) {
        p.add(new SpecProblem("spec.strategy.rolling", e.getMessage()));
      }
    }
  }

  static IntOrPercent intOrPercent(IntOrString v, String field) {
    if (v == null) {
      throw new IllegalArgumentException(field + " is required");
    }
    try {
      return v.getIntVal() != null ? IntOrPercent.of(v.getIntVal()) : IntOrPercent.parse(v.getStrVal());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " " + e.getMessage(), e);
    }
  }

  private static void drain(DrainSpec d, Function<String, Secret> secrets, List<SpecProblem> p) {
    if (d.getType() == null) {
      p.add(new SpecProblem("spec.drain.type", "missing or unknown: must be emqx, http or none"));
      return;
    }
    positive(d.getConnEvictRate(), "spec.drain.connEvictRate", "a rate of 0 would never empty a pod", p);
    positive(d.getSessEvictRate(), "spec.drain.sessEvictRate", "a rate of 0 would never move a session", p);
    if (d.getTimeoutSeconds() != null && d.getTimeoutSeconds() < 1) {
      p.add(new SpecProblem("spec.drain.timeoutSeconds", "must be at least 1 (or unset: no timeout for emqx, "
          + DrainSpec.DEFAULT_HTTP_TIMEOUT_SECONDS + "s for http)"));
    }
    if (d.getWaitTakeover() == null || d.getWaitTakeover() < 0) {
      p.add(new SpecProblem("spec.drain.waitTakeover", "must be 0 or more"));
    }
    parallel(d, p);
    if (d.getWaitHealthCheck() != null && d.getWaitHealthCheck() < 0) {
      p.add(new SpecProblem("spec.drain.waitHealthCheck", "must be 0 or more"));
    }
    if (d.getType() == DrainType.EMQX) {
      if (d.getEmqx() == null) {
        p.add(new SpecProblem("spec.drain.emqx", "is required with drain type emqx"));
        return;
      }
      emqx(d.getEmqx(), secrets, p);
    }
    if (d.getType() == DrainType.HTTP) {
      http(d, p);
    }
  }

  /** Drains side by side share the rates, so each rate must leave every drain at least 1 a second. */
  private static void parallel(DrainSpec d, List<SpecProblem> p) {
    Integer k = d.getParallel();
    if (k == null || k == 1) {
      return;
    }
    if (k < 1 || k > 10) {
      p.add(new SpecProblem("spec.drain.parallel", "must be between 1 and 10, was " + k));
    } else if (d.getType() != DrainType.EMQX) {
      p.add(new SpecProblem("spec.drain.parallel", "is only for the emqx drainer (drain type " + d.getType().wireName()
          + " drains as its strategy says)"));
    } else if ((d.getConnEvictRate() != null && d.getConnEvictRate() < k)
        || (d.getSessEvictRate() != null && d.getSessEvictRate() < k)) {
      p.add(new SpecProblem("spec.drain.parallel", "each of " + k + " drains needs at least 1 connection and 1 session "
          + "per second: connEvictRate " + d.getConnEvictRate() + " and sessEvictRate " + d.getSessEvictRate()
          + " must be at least " + k));
    }
  }

  private static boolean pem(Secret s) {
    try {
      return dev.ferry.operator.kube.Secrets.value(s, FerryNames.CA_CERT_SECRET_KEY).contains("-----BEGIN CERTIFICATE-----");
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private static void emqx(dev.ferry.api.v1alpha1.EmqxDrain e, Function<String, Secret> secrets, List<SpecProblem> p) {
    if (e.getPort() != null && (e.getPort() < 1 || e.getPort() > 65535)) {
      p.add(new SpecProblem("spec.drain.emqx.port", "must be a port number, was " + e.getPort()));
    }
    if (e.getApiVersion() == null) {
      p.add(new SpecProblem("spec.drain.emqx.apiVersion", "unknown: must be auto, v4 or v5"));
    }
    boolean https = "https".equals(e.getScheme());
    if (!https && !"http".equals(e.getScheme())) {
      p.add(new SpecProblem("spec.drain.emqx.scheme", "must be http or https, was " + e.getScheme()));
    }
    if (!https && e.getCaSecret() != null) {
      p.add(new SpecProblem("spec.drain.emqx.caSecret", "is only used with scheme https"));
    }
    if (!https && e.getServerName() != null) {
      p.add(new SpecProblem("spec.drain.emqx.serverName", "is only used with scheme https"));
    }
    if (e.getCaSecret() != null) {
      Secret ca = secrets.apply(e.getCaSecret());
      if (ca == null) {
        p.add(new SpecProblem("spec.drain.emqx.caSecret", "Secret '" + e.getCaSecret() + "' not found"));
      } else if (!has(ca, FerryNames.CA_CERT_SECRET_KEY)) {
        p.add(new SpecProblem("spec.drain.emqx.caSecret", "Secret '" + e.getCaSecret() + "' must hold the key '"
            + FerryNames.CA_CERT_SECRET_KEY + "' (PEM certificates)"));
      } else if (!pem(ca)) {
        p.add(new SpecProblem("spec.drain.emqx.caSecret", "Secret '" + e.getCaSecret() + "' key '"
            + FerryNames.CA_CERT_SECRET_KEY + "' holds no PEM certificate"));
      }
    }
    String name = e.getApiKeySecret();
    if (name == null || name.isEmpty()) {
      p.add(new SpecProblem("spec.drain.emqx.apiKeySecret", "is required: the Secret with the EMQX API key"));
      return;
    }
    Secret s = secrets.apply(name);
    if (s == null) {
      p.add(new SpecProblem("spec.drain.emqx.apiKeySecret", "Secret '" + name + "' not found"));
    } else if (!has(s, FerryNames.EMQX_API_KEY_SECRET_KEY) || !has(s, FerryNames.EMQX_API_SECRET_SECRET_KEY)) {
      p.add(new SpecProblem("spec.drain.emqx.apiKeySecret", "Secret '" + name + "' must hold the keys '"
          + FerryNames.EMQX_API_KEY_SECRET_KEY + "' and '" + FerryNames.EMQX_API_SECRET_SECRET_KEY + "'"));
    }
  }

  private static void http(DrainSpec d, List<SpecProblem> p) {
    if (d.getHttp() == null) {
      p.add(new SpecProblem("spec.drain.http", "is required with drain type http (at least its port)"));
      return;
    }
    if (d.getHttp().getPort() == null || d.getHttp().getPort() < 1 || d.getHttp().getPort() > 65535) {
      p.add(new SpecProblem("spec.drain.http.port", "must be a port number, was " + d.getHttp().getPort()));
    }
    String path = d.getHttp().getPath();
    if (path != null && !path.matches("/[\\x21-\\x7e]*")) {
      p.add(new SpecProblem("spec.drain.http.path", "must be a URL path starting with / without spaces, was '"
          + path + "'"));
    }
  }

  private static void lifecycle(LosslessDeploymentSpec spec, List<SpecProblem> p) {
    var l = spec.getLifecycle();
    if (l == null) {
      return;
    }
    for (var e : new Object[][] {
        {"preStopSleepSeconds", l.getPreStopSleepSeconds()}, {"warmupSeconds", l.getWarmupSeconds()},
        {"delayOnlineSeconds", l.getDelayOnlineSeconds()}, {"propagationSeconds", l.getPropagationSeconds()},
        {"shutdownSeconds", l.getShutdownSeconds()}}) {
      if (e[1] != null && (Integer) e[1] < 0) {
        p.add(new SpecProblem("spec.lifecycle." + e[0], "must be 0 or more"));
      }
    }
    if (l.getOfflineUrl() != null && !l.getOfflineUrl().matches("https?://[^'\\s]+")) {
      p.add(new SpecProblem("spec.lifecycle.offlineUrl",
          "must be an http(s) URL without quotes or spaces, was '" + l.getOfflineUrl() + "'"));
    }
    Long grace = spec.getTemplate() == null || spec.getTemplate().getSpec() == null ? null
        : spec.getTemplate().getSpec().getTerminationGracePeriodSeconds();
    int needed = TemplateRenderer.graceNeeded(l);
    if (grace != null && grace < needed) {
      p.add(new SpecProblem("spec.template.spec.terminationGracePeriodSeconds",
          grace + "s cannot cover preStop (" + TemplateRenderer.preStopSeconds(l) + "s) plus the app's shutdown ("
              + l.getShutdownSeconds() + "s) = " + needed + "s: the pod would be killed mid-request"));
    }
  }

  /** A label value: the schema version labels the migration Jobs and names them. */
  private static final String LABEL_VALUE = "([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]";

  /** An hour: longer than an operator restart or an upgrade of it takes. */
  static final int MIN_MIGRATION_JOB_TTL_SECONDS = 3600;

  private static void migrations(dev.ferry.api.v1alpha1.MigrationsSpec m, List<SpecProblem> p) {
    if (m == null) {
      return;
    }
    String version = m.getSchemaVersion();
    boolean jobs = m.getExpand() != null || m.getContract() != null;
    if (version == null || version.isBlank()) {
      if (jobs) {
        p.add(new SpecProblem("spec.migrations.schemaVersion", "is required with an expand or contract migration: "
            + "it ties each revision to the schema it needs"));
      }
    } else if (!version.matches(LABEL_VALUE)) {
      p.add(new SpecProblem("spec.migrations.schemaVersion", "must be at most 63 letters, digits, '-', '_' or '.', "
          + "starting and ending with a letter or digit (it labels the migration Jobs), was '" + version + "'"));
    }
    if (m.getRollbackWindowSeconds() != null && m.getRollbackWindowSeconds() < 0) {
      p.add(new SpecProblem("spec.migrations.rollbackWindowSeconds", "must be 0 or more, was "
          + m.getRollbackWindowSeconds()));
    }
    if (m.getContract() != null && m.getExpand() == null) {
      p.add(new SpecProblem("spec.migrations.contract", "needs an expand migration: a contract runs only for a "
          + "schema version its expand brought in"));
    }
    for (var e : new Object[][] {{"expand", m.getExpand()}, {"contract", m.getContract()}}) {
      var t = (io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec) e[1];
      if (t != null && (t.getSpec() == null || t.getSpec().getTemplate() == null
          || t.getSpec().getTemplate().getSpec() == null || t.getSpec().getTemplate().getSpec().getContainers() == null
          || t.getSpec().getTemplate().getSpec().getContainers().isEmpty())) {
        p.add(new SpecProblem("spec.migrations." + e[0] + ".spec.template.spec.containers",
            "a Job template with at least one container is required"));
      }
      // The outcome of a migration Job is read from the Job: one deleted before the operator saw it
      // finish (an operator down for a while) would be taken for one never run, and run again.
      Integer ttl = t == null || t.getSpec() == null ? null : t.getSpec().getTtlSecondsAfterFinished();
      if (ttl != null && ttl < MIN_MIGRATION_JOB_TTL_SECONDS) {
        p.add(new SpecProblem("spec.migrations." + e[0] + ".spec.ttlSecondsAfterFinished",
            "must be unset or at least " + MIN_MIGRATION_JOB_TTL_SECONDS + " (the operator reads the Job's outcome "
                + "from the Job; one deleted before it saw it would run again), was " + ttl));
      }
    }
    var check = m.getSessionCheck();
    if (check != null) {
      var pg = check.getPostgres();
      if (pg == null) {
        p.add(new SpecProblem("spec.migrations.sessionCheck.postgres", "is required: the only kind of session check"));
        return;
      }
      if (pg.getSecretName() == null || pg.getSecretName().isBlank()) {
        p.add(new SpecProblem("spec.migrations.sessionCheck.postgres.secretName",
            "is required: the Secret with the database's url, username and password"));
      }
      if (pg.getApplicationNamePrefix() == null || pg.getApplicationNamePrefix().isEmpty()) {
        p.add(new SpecProblem("spec.migrations.sessionCheck.postgres.applicationNamePrefix",
            "is required: what the application puts before its schema version in application_name"));
      }
    }
  }

  static boolean has(Secret s, String key) {
    return (s.getData() != null && s.getData().get(key) != null && !s.getData().get(key).isEmpty())
        || (s.getStringData() != null && s.getStringData().get(key) != null && !s.getStringData().get(key).isEmpty());
  }

  private static void positive(Integer v, String field, String why, List<SpecProblem> p) {
    if (v == null || v < 1) {
      p.add(new SpecProblem(field, "must be at least 1, was " + v + ": " + why));
    }
  }
}
