package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** {@code spec.migrations.sessionCheck.postgres}: sessions counted in {@code pg_stat_activity}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class PostgresSessionCheck {

  @JsonPropertyDescription("Name of a Secret in the same namespace with the JDBC URL under data key 'url' "
      + "and the credentials of a role that may read pg_stat_activity under 'username' and 'password'.")
  @Required
  private String secretName;

  @JsonPropertyDescription("The application connects with application_name set to this prefix followed by "
      + "its schema version (e.g. prefix 'orders-' and version '2.1' give 'orders-2.1'); sessions whose "
      + "name starts with the prefix but names another version than the target's are old sessions.")
  @Required
  private String applicationNamePrefix;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public String getApplicationNamePrefix() {
    return applicationNamePrefix;
  }

  public void setApplicationNamePrefix(String applicationNamePrefix) {
    this.applicationNamePrefix = applicationNamePrefix;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PostgresSessionCheck that
        && Objects.equals(secretName, that.secretName)
        && Objects.equals(applicationNamePrefix, that.applicationNamePrefix);
  }

  @Override
  public int hashCode() {
    return Objects.hash(secretName, applicationNamePrefix);
  }

  @Override
  public String toString() {
    return "PostgresSessionCheck{secretName=" + secretName + ", applicationNamePrefix=" + applicationNamePrefix
        + "}";
  }
}
