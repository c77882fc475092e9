package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/**
 * A running StatefulSet or Deployment (and the Service of {@code spec.service}) that the first
 * release takes over without a restart (docs/adopt.md).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class AdoptSpec {

  /** On the workload: its replicas before the adoption changed them (restored by a rollback). */
  public static final String ADOPTED_REPLICAS_ANNOTATION = "ferry.dev/adopted-replicas";
  /** On the Service: its selector (JSON) before the adoption added ferry.dev/deployment to it. */
  public static final String ADOPTED_SELECTOR_ANNOTATION = "ferry.dev/adopted-selector";
  /** Holds the LosslessDeployment's deletion until a running adoption is rolled back. */
  public static final String ADOPTION_FINALIZER = "ferry.dev/adoption";

  @JsonPropertyDescription("StatefulSet or Deployment.")
  @Required
  private AdoptKind kind;

  @JsonPropertyDescription("Name of the workload, in the same namespace. Its pods must match spec.selector "
      + "and be selected by the Service of spec.service.")
  @Required
  private String name;

  @JsonPropertyDescription("What becomes of the workload once its last pod is drained: ScaleToZero leaves it "
      + "at zero replicas, Delete deletes it. Defaults to ScaleToZero.")
  @Default("ScaleToZero")
  private AdoptAfterwards afterwards = AdoptAfterwards.SCALE_TO_ZERO;

  public AdoptKind getKind() {
    return kind;
  }

  public void setKind(AdoptKind kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public AdoptAfterwards getAfterwards() {
    return afterwards;
  }

  public void setAfterwards(AdoptAfterwards afterwards) {
    this.afterwards = afterwards;
  }

  /** {@code afterwards}, ScaleToZero when unset. */
  public AdoptAfterwards afterwardsOrDefault() {
    return afterwards == null ? AdoptAfterwards.SCALE_TO_ZERO : afterwards;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AdoptSpec that && kind == that.kind && Objects.equals(name, that.name)
        && afterwards == that.afterwards;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name, afterwards);
  }

  @Override
  public String toString() {
    return "AdoptSpec{kind=" + kind + ", name=" + name + ", afterwards=" + afterwards + "}";
  }
}
