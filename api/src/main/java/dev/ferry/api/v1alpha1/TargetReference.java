package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** The workload a {@link Rebalance} works on, in the same namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class TargetReference {

  /** The only kind a Rebalance can target today. */
  public static final String LOSSLESS_DEPLOYMENT = "LosslessDeployment";

  @JsonPropertyDescription("Kind of the target. Only LosslessDeployment is supported. Defaults to "
      + "LosslessDeployment.")
  @Default(LOSSLESS_DEPLOYMENT)
  @Size(max = 63)
  private String kind = LOSSLESS_DEPLOYMENT;

  @JsonPropertyDescription("Name of the target, in the same namespace.")
  @Required
  @Size(min = 1, max = 253)
  private String name;

  public TargetReference() {}

  public TargetReference(String kind, String name) {
    this.kind = kind;
    this.name = name;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TargetReference that && Objects.equals(kind, that.kind) && Objects.equals(name, that.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name);
  }

  @Override
  public String toString() {
    return "TargetReference{kind=" + kind + ", name=" + name + "}";
  }
}
