package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One entry of {@code status.schema.contracted}: a contract migration that succeeded, and the schema
 * versions it made unreadable. A template whose schema version is retired is refused.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ContractedVersion {

  @JsonPropertyDescription("The schema version whose contract migration succeeded.")
  private String version;

  @JsonPropertyDescription("When the contract migration succeeded (RFC 3339): the point of no return for "
      + "the retired versions.")
  private String contractedAt;

  @JsonPropertyDescription("Schema versions that ran before this one and cannot run against the contracted "
      + "schema; a template that returns to one of them is refused.")
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<String> retired = new ArrayList<>();

  public ContractedVersion() {}

  public ContractedVersion(String version, String contractedAt, List<String> retired) {
    this.version = version;
    this.contractedAt = contractedAt;
    this.retired = new ArrayList<>(retired);
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public String getContractedAt() {
    return contractedAt;
  }

  public void setContractedAt(String contractedAt) {
    this.contractedAt = contractedAt;
  }

  public List<String> getRetired() {
    return retired;
  }

  public void setRetired(List<String> retired) {
    this.retired = retired;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ContractedVersion that
        && Objects.equals(version, that.version)
        && Objects.equals(contractedAt, that.contractedAt)
        && Objects.equals(retired, that.retired);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, contractedAt, retired);
  }

  @Override
  public String toString() {
    return "ContractedVersion{version=" + version + ", contractedAt=" + contractedAt + ", retired=" + retired + "}";
  }
}
