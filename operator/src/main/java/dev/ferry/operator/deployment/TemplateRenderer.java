package dev.ferry.operator.deployment;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;

/**
 * The pod template Ferry runs: the user's, plus what every Ferry pod needs — the serving readiness
 * gate (a pod is in the Service only while the operator says so) and the label that ties it to its
 * LosslessDeployment. With {@code spec.lifecycle}, also what lossless offline needs, so that users
 * need not hand-write it:
 *
 * <ul>
 *   <li>a preStop hook on every container that has none: call {@code offlineUrl} first when set (a
 *       Dubbo QoS {@code offline}, a registry agent, the app's own), then sleep
 *       {@code preStopSleepSeconds}, so the pod keeps serving while endpoints and proxies catch up
 *       and only then gets SIGTERM; a container's own preStop is left as it is;
 *   <li>a {@code terminationGracePeriodSeconds} that covers preStop plus the app's own shutdown,
 *       when the template sets none (one that is too short is an invalid spec);
 *   <li>the {@code ferry.dev/warmup-seconds} annotation for weight-aware proxies.
 * </ul>
 *
 * With {@code spec.migrations.schemaVersion}, the {@code ferry.dev/schema-version} annotation: the
 * schema version the revision needs, which the migrations, the lab and people read.
 *
 * The revision label is added per revision set, after hashing.
 */
public final class TemplateRenderer {
  private TemplateRenderer() {}

  public static PodTemplateSpec render(LosslessDeployment ld) {
    PodTemplateSpec t = Serialization.clone(ld.getSpec().getTemplate());
    if (t.getMetadata() == null) {
      t.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    }
    var labels = new LinkedHashMap<String, String>();
    if (t.getMetadata().getLabels() != null) {
      labels.putAll(t.getMetadata().getLabels());
    }
    labels.put(FerryNames.DEPLOYMENT_LABEL, ld.getMetadata().getName());
    t.getMetadata().setLabels(labels);
    var gates = new ArrayList<PodReadinessGate>();
    if (t.getSpec().getReadinessGates() != null) {
      gates.addAll(t.getSpec().getReadinessGates());
    }
    if (gates.stream().noneMatch(g -> FerryNames.SERVING_CONDITION.equals(g.getConditionType()))) {
      gates.add(new PodReadinessGate(FerryNames.SERVING_CONDITION));
    }
    t.getSpec().setReadinessGates(gates);
    if (ld.getSpec().getLifecycle() != null) {
      lifecycle(t, ld.getSpec().getLifecycle());
    }
    if (SchemaMigrations.enabled(ld)) {
      // Part of the template, so part of the revision hash: one revision, one schema version.
      var annotations = new LinkedHashMap<String, String>();
      if (t.getMetadata().getAnnotations() != null) {
        annotations.putAll(t.getMetadata().getAnnotations());
      }
      annotations.put(FerryNames.SCHEMA_VERSION_ANNOTATION, ld.getSpec().getMigrations().getSchemaVersion());
      t.getMetadata().setAnnotations(annotations);
    }
    return t;
  }

  /** The offline call may take this long before the sleep starts. */
  static final int OFFLINE_CALL_SECONDS = 5;

  /** Seconds the pod needs between deletion and SIGKILL: preStop plus the app's own shutdown. */
  public static int graceNeeded(dev.ferry.api.v1alpha1.LifecycleSpec l) {
    return preStopSeconds(l) + (l.getShutdownSeconds() == null ? 0 : l.getShutdownSeconds());
  }

  static int preStopSeconds(dev.ferry.api.v1alpha1.LifecycleSpec l) {
    int sleep = l.getPreStopSleepSeconds() == null ? 0 : l.getPreStopSleepSeconds();
    return sleep + (l.getOfflineUrl() == null ? 0 : OFFLINE_CALL_SECONDS);
  }

  private static void lifecycle(PodTemplateSpec t, dev.ferry.api.v1alpha1.LifecycleSpec l) {
    int sleep = l.getPreStopSleepSeconds() == null ? 0 : l.getPreStopSleepSeconds();
    io.fabric8.kubernetes.api.model.LifecycleHandler handler = null;
    if (l.getOfflineUrl() != null) {
      // wget or curl, whichever the image has; a failed call must not skip the sleep.
      String url = l.getOfflineUrl();
      String script = "wget -q -T " + OFFLINE_CALL_SECONDS + " -O /dev/null '" + url + "' 2>/dev/null"
          + " || curl -fsS -m " + OFFLINE_CALL_SECONDS + " -o /dev/null '" + url + "' 2>/dev/null; sleep " + sleep;
      handler = new io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder()
          .withNewExec().withCommand("sh", "-c", script).endExec().build();
    } else if (sleep > 0) {
      handler = new io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder()
          .withNewSleep().withSeconds((long) sleep).endSleep().build();
    }
    if (handler != null) {
      for (var c : t.getSpec().getContainers()) {
        if (c.getLifecycle() == null) {
          c.setLifecycle(new io.fabric8.kubernetes.api.model.Lifecycle());
        }
        if (c.getLifecycle().getPreStop() == null) {
          c.getLifecycle().setPreStop(handler);
        }
      }
    }
    if (t.getSpec().getTerminationGracePeriodSeconds() == null) {
      t.getSpec().setTerminationGracePeriodSeconds((long) graceNeeded(l));
    }
    if (l.getWarmupSeconds() != null && l.getWarmupSeconds() > 0) {
      var annotations = new LinkedHashMap<String, String>();
      if (t.getMetadata().getAnnotations() != null) {
        annotations.putAll(t.getMetadata().getAnnotations());
      }
      annotations.put(FerryNames.WARMUP_SECONDS_ANNOTATION, String.valueOf(l.getWarmupSeconds()));
      t.getMetadata().setAnnotations(annotations);
    }
  }

  /** The template of one revision set: the rendered one with the revision label. */
  public static PodTemplateSpec forRevision(PodTemplateSpec rendered, String revision) {
    PodTemplateSpec t = Serialization.clone(rendered);
    t.getMetadata().getLabels().put(FerryNames.REVISION_LABEL, revision);
    return t;
  }
}
