package dev.ferry.operator.deployment;

import dev.ferry.api.v1alpha1.AdoptKind;
import dev.ferry.api.v1alpha1.AdoptSpec;
import dev.ferry.api.v1alpha1.LosslessDeploymentSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What must hold before an adoption changes anything (docs/adopt.md, step 1). Each problem names
 * the field to look at; nothing is changed while any is found. Only checked before the adoption
 * starts: once it runs, the Service's selector and the workload's replicas are Ferry's to change.
 */
final class AdoptionCheck {
  private AdoptionCheck() {}

  /** The checks on the spec alone, part of {@link SpecValidator}. */
  static void spec(LosslessDeploymentSpec spec, List<SpecProblem> p) {
    AdoptSpec a = spec.getAdopt();
    if (a == null) {
      return;
    }
    if (a.getKind() == null) {
      p.add(new SpecProblem("spec.adopt.kind", "must be StatefulSet or Deployment"));
    }
    if (a.getName() == null || !a.getName().matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
      p.add(new SpecProblem("spec.adopt.name", "must name the workload to take over, was '" + a.getName() + "'"));
    }
    if (spec.getService() == null || spec.getService().getName() == null) {
      p.add(new SpecProblem("spec.service", "is required with spec.adopt: it is the Service whose clients move"));
    }
    if (spec.getReplicas() == null || spec.getReplicas() < 1) {
      p.add(new SpecProblem("spec.replicas", "must be at least 1 with spec.adopt: Ferry's pods take the clients over"));
    }
  }

  /**
   * The workload as found in the cluster (either may be null when missing).
   *
   * @param statefulSet the StatefulSet of spec.adopt (kind StatefulSet)
   * @param deployment the Deployment of spec.adopt (kind Deployment)
   * @param service the Service of spec.service
   */
  static List<SpecProblem> cluster(
      LosslessDeploymentSpec spec, StatefulSet statefulSet, Deployment deployment, Service service) {
    AdoptSpec a = spec.getAdopt();
    String what = a.getKind().kindName() + " " + a.getName();
    boolean sts = a.getKind() == AdoptKind.STATEFUL_SET;
    if (sts ? statefulSet == null : deployment == null) {
      return List.of(new SpecProblem("spec.adopt.name", what + " is not in the namespace"));
    }
    PodTemplateSpec template = sts ? statefulSet.getSpec().getTemplate() : deployment.getSpec().getTemplate();
    Map<String, String> labels = template.getMetadata() == null || template.getMetadata().getLabels() == null
        ? Map.of() : template.getMetadata().getLabels();
    String rolling = sts ? rollingOut(statefulSet) : rollingOut(deployment);
    if (rolling != null) {
      return List.of(new SpecProblem("spec.adopt.name", what + " " + rolling + "; it is adopted once it is steady"));
    }
    Map<String, String> wanted = spec.getSelector().getMatchLabels() == null ? Map.of() : spec.getSelector().getMatchLabels();
    if (!contains(labels, wanted)) {
      return List.of(new SpecProblem("spec.selector", "does not select the pods of " + what + " (their labels: "
          + labels + "): Ferry's pods must carry the labels the Service and the cluster discovery select"));
    }
    if (service == null) {
      return List.of(new SpecProblem("spec.service.name", "Service " + spec.getService().getName()
          + " is not in the namespace: the adopted clients come through it"));
    }
    Map<String, String> selector = service.getSpec().getSelector();
    if (selector == null || selector.isEmpty() || !contains(labels, selector)) {
      return List.of(new SpecProblem("spec.service.name", "Service " + service.getMetadata().getName()
          + " does not select the pods of " + what + " (its selector: " + selector + ")"));
    }
    return List.of();
  }

  private static boolean contains(Map<String, String> labels, Map<String, String> selector) {
    return selector.entrySet().stream().allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
  }

  /** Why the StatefulSet is not steady, or null when every pod runs its current revision and is ready. */
  static String rollingOut(StatefulSet s) {
    int replicas = s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
    var st = s.getStatus();
    if (st == null || behind(s.getMetadata().getGeneration(), st.getObservedGeneration())) {
      return "is not observed by its controller yet";
    }
    if (st.getUpdateRevision() != null && !st.getUpdateRevision().equals(st.getCurrentRevision())) {
      return "is being rolled out (" + st.getCurrentRevision() + " to " + st.getUpdateRevision() + ")";
    }
    int ready = st.getReadyReplicas() == null ? 0 : st.getReadyReplicas();
    int have = st.getReplicas() == null ? 0 : st.getReplicas();
    return ready == replicas && have == replicas ? null : "has " + ready + "/" + replicas + " pods ready";
  }

  /** Why the Deployment is not steady, or null when all its pods are updated and ready. */
  static String rollingOut(Deployment d) {
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    var st = d.getStatus();
    if (st == null || behind(d.getMetadata().getGeneration(), st.getObservedGeneration())) {
      return "is not observed by its controller yet";
    }
    int updated = st.getUpdatedReplicas() == null ? 0 : st.getUpdatedReplicas();
    int ready = st.getReadyReplicas() == null ? 0 : st.getReadyReplicas();
    int have = st.getReplicas() == null ? 0 : st.getReplicas();
    if (updated != replicas || have != replicas) {
      return "is being rolled out (" + updated + "/" + replicas + " updated, " + have + " pods)";
    }
    return ready == replicas ? null : "has " + ready + "/" + replicas + " pods ready";
  }

  private static boolean behind(Long generation, Long observed) {
    return generation != null && (observed == null || observed < generation);
  }
}
