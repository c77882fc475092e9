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
 * A set of pods, like a Deployment, that Ferry releases without losing connections, messages or
 * requests: blue-green with controlled evacuation, or rolling with a drain before every deletion.
 */
@Group(FerryNames.GROUP)
@Version(FerryNames.VERSION_V1ALPHA1)
@ShortNames("ld")
@Categories("ferry")
// In this order in the CRD (GenerateCrds), as `kubectl get deploy` reads: READY first, AGE last.
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.ready", type = Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = Type.STRING)
@AdditionalPrinterColumn(name = "Current", jsonPath = ".status.currentRevision", type = Type.STRING)
@AdditionalPrinterColumn(name = "Update", jsonPath = ".status.updateRevision", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class LosslessDeployment extends CustomResource<LosslessDeploymentSpec, LosslessDeploymentStatus>
    implements Namespaced {

  // Overridden only to describe spec and status in the CRD (kubectl explain); the generator reads
  // descriptions from the property, and CustomResource declares none.
  @Override
  @JsonPropertyDescription("What to run and how to release it: the pod template and its size, the release "
      + "strategy, how a pod is drained, lossless online/offline and schema migrations.")
  public LosslessDeploymentSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Where the release stands, written by the operator.")
  public LosslessDeploymentStatus getStatus() {
    return super.getStatus();
  }
}
