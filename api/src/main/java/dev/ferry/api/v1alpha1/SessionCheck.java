package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * {@code spec.migrations.sessionCheck}: how Ferry verifies that no database session of an old
 * schema version is left before it contracts. Exactly one kind is set.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SessionCheck {

  @JsonPropertyDescription("Count the sessions in PostgreSQL's pg_stat_activity whose application_name "
      + "names an old schema version.")
  private PostgresSessionCheck postgres;

  public PostgresSessionCheck getPostgres() {
    return postgres;
  }

  public void setPostgres(PostgresSessionCheck postgres) {
    this.postgres = postgres;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SessionCheck that && Objects.equals(postgres, that.postgres);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(postgres);
  }

  @Override
  public String toString() {
    return "SessionCheck{postgres=" + postgres + "}";
  }
}
