package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** {@code status.schema}: the database schema as far as the migrations are concerned. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SchemaStatus {

  @JsonPropertyDescription("The schema version whose expand migration last succeeded "
      + "(spec.migrations.schemaVersion at that time).")
  private String version;

  @JsonPropertyDescription("Expanding, Expanded, Contracting, Contracted or Failed.")
  private SchemaPhase phase;

  public SchemaStatus() {}

  public SchemaStatus(String version, SchemaPhase phase) {
    this.version = version;
    this.phase = phase;
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public SchemaPhase getPhase() {
    return phase;
  }

  public void setPhase(SchemaPhase phase) {
    this.phase = phase;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SchemaStatus that && Objects.equals(version, that.version) && phase == that.phase;
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, phase);
  }

  @Override
  public String toString() {
    return "SchemaStatus{version=" + version + ", phase=" + phase + "}";
  }
}
