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
 * LosslessDeployment. The revision label is added per revision set, after hashing.
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
    return t;
  }

  /** The template of one revision set: the rendered one with the revision label. */
  public static PodTemplateSpec forRevision(PodTemplateSpec rendered, String revision) {
    PodTemplateSpec t = Serialization.clone(rendered);
    t.getMetadata().getLabels().put(FerryNames.REVISION_LABEL, revision);
    return t;
  }
}
