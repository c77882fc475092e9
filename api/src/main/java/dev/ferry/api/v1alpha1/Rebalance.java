package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.ferry.api.FerryNames;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A one-shot task that moves long-lived connections and sessions from overloaded pods of a
 * LosslessDeployment to underloaded ones, at a controlled rate, until the load is within thresholds.
 */
@Group(FerryNames.GROUP)
@Version(FerryNames.VERSION_V1ALPHA1)
@ShortNames("rb")
@Categories("ferry")
// In this order in the CRD (GenerateCrds): AGE last, as kubectl's own resources have it.
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = Type.STRING)
@AdditionalPrinterColumn(name = "Target", jsonPath = ".spec.targetRef.name", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class Rebalance extends CustomResource<RebalanceSpec, RebalanceStatus> implements Namespaced {

  // Overridden only to describe spec and status in the CRD (kubectl explain); the generator reads
  // descriptions from the property, and CustomResource declares none.
  @Override
  @JsonPropertyDescription("Which LosslessDeployment to rebalance, how fast, and when its load counts as "
      + "balanced. Cannot be changed once created.")
  public RebalanceSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Where the rebalance stands, written by the operator.")
  public RebalanceStatus getStatus() {
    return super.getStatus();
  }
}
