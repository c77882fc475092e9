package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import java.util.Objects;

/**
 * {@code spec.migrations}: schema changes split into an additive step that runs before the new
 * revision and a destructive step that runs only when nothing can need the old schema any more.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class MigrationsSpec {

  @JsonPropertyDescription("Job run before the new revision's pods are created. Additive changes only (new "
      + "tables, new nullable columns, dual writes): the old revision keeps running against the result, "
      + "and so does a rollback.")
  private JobTemplateSpec expand;

  @JsonPropertyDescription("Job run once no pod of an old revision is left and rollbackWindowSeconds have "
      + "passed since the release became Healthy: destructive changes (drop columns and tables).")
  private JobTemplateSpec contract;

  @JsonPropertyDescription("Seconds after a release became Healthy during which a rollback stays possible, "
      + "so the contract migration waits at least this long. Defaults to 600.")
  @Min(0)
  @Default("600")
  private Integer rollbackWindowSeconds = 600;

  @JsonPropertyDescription("The schema version the template's revision expects, e.g. \"42\". Reported in "
      + "status.schema.version once its expand migration has succeeded.")
  private String schemaVersion;

  @JsonPropertyDescription("Optional: verify, before contracting, that no database session of an old schema "
      + "version is left. Unset: only the pods and the rollback window are checked.")
  private SessionCheck sessionCheck;

  public JobTemplateSpec getExpand() {
    return expand;
  }

  public void setExpand(JobTemplateSpec expand) {
    this.expand = expand;
  }

  public JobTemplateSpec getContract() {
    return contract;
  }

  public void setContract(JobTemplateSpec contract) {
    this.contract = contract;
  }

  public Integer getRollbackWindowSeconds() {
    return rollbackWindowSeconds;
  }

  public void setRollbackWindowSeconds(Integer rollbackWindowSeconds) {
    this.rollbackWindowSeconds = rollbackWindowSeconds;
  }

  public String getSchemaVersion() {
    return schemaVersion;
  }

  public void setSchemaVersion(String schemaVersion) {
    this.schemaVersion = schemaVersion;
  }

  public SessionCheck getSessionCheck() {
    return sessionCheck;
  }

  public void setSessionCheck(SessionCheck sessionCheck) {
    this.sessionCheck = sessionCheck;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MigrationsSpec that
        && Objects.equals(expand, that.expand)
        && Objects.equals(contract, that.contract)
        && Objects.equals(rollbackWindowSeconds, that.rollbackWindowSeconds)
        && Objects.equals(schemaVersion, that.schemaVersion)
        && Objects.equals(sessionCheck, that.sessionCheck);
  }

  @Override
  public int hashCode() {
    return Objects.hash(expand, contract, rollbackWindowSeconds, schemaVersion, sessionCheck);
  }

  @Override
  public String toString() {
    return "MigrationsSpec{expand=" + expand + ", contract=" + contract + ", rollbackWindowSeconds="
        + rollbackWindowSeconds + ", schemaVersion=" + schemaVersion + ", sessionCheck=" + sessionCheck + "}";
  }
}
