package dev.ferry.lab.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LabPostgresTest {

  @Test
  void aPasswordInTheUrlIsNeverShown() {
    assertThat(LabPostgres.redacted("jdbc:postgresql://db:5432/app?user=u&password=s3cret&ssl=true"))
        .isEqualTo("jdbc:postgresql://db:5432/app?user=u&password=***&ssl=true");
    assertThat(LabPostgres.redacted("jdbc:postgresql://db/app?PASSWORD=s3cret")).doesNotContain("s3cret");
    assertThat(LabPostgres.redacted("jdbc:postgresql://db/app?sslpassword=k")).doesNotContain("=k");
    assertThat(LabPostgres.redacted("jdbc:postgresql://db/app")).isEqualTo("jdbc:postgresql://db/app");
  }

  @Test
  void aScenarioDatabaseIsShownWithoutThePasswordOfTheUrlItCameFrom() {
    // What the progress line and report.json's "database" print.
    var db = new LabPostgres.Database("jdbc:postgresql://db/s1?password=s3cret&ssl=true", "u", "p", "s1");
    assertThat(db.toString()).doesNotContain("s3cret").doesNotContain("=p,").contains("password=***");
  }

  @Test
  void anUnreachableServerIsNamedWithoutItsPassword() {
    // Port 1 on loopback: nothing listens, the driver fails at once.
    assertThatThrownBy(() -> LabPostgres.external("jdbc:postgresql://127.0.0.1:1/app?password=s3cret&connectTimeout=2", "u", "p"))
        .hasMessageContaining("cannot connect to jdbc:postgresql://127.0.0.1:1/app?password=***")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> LabPostgres.external("mysql://x?password=s3cret", "u", "p"))
        .hasMessageContaining("not a PostgreSQL JDBC URL")
        .hasMessageNotContaining("s3cret");
  }
}
