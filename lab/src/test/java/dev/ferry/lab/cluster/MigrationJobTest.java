package dev.ferry.lab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.lab.db.LabPostgres;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The people example's migration image run as a Job on the lab's cluster against a real (embedded)
 * PostgreSQL, with its credentials from a Secret: a step that succeeds completes the Job and changes
 * the schema; a step the migration refuses fails the Job after its back-off limit, and why is where
 * Kubernetes shows it (the pods' terminated state).
 */
@Timeout(90)
class MigrationJobTest {

  static LabPostgres postgres;
  static LabPostgres.Database db;
  static EmbeddedCluster cluster;

  @BeforeAll
  static void start() {
    postgres = LabPostgres.embedded();
    db = postgres.freshDatabase("migration_job_test");
    cluster = EmbeddedCluster.start(ClusterConfig.builder().syncPeriod(Duration.ofMillis(50))
        .jobBackoff(Duration.ofMillis(200)).build());
    cluster.createSecret("db", Map.of("url", db.jdbcUrl(), "username", db.user(), "password", db.password()));
  }

  @AfterAll
  static void stop() {
    cluster.close();
    postgres.close();
  }

  static Job migration(String name, String version, String step, int backoffLimit) {
    return new JobBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withBackoffLimit(backoffLimit)
          .withNewTemplate().withNewSpec().withRestartPolicy("Never")
            .addNewContainer().withName("migrate").withImage("people-migrate:" + version).withArgs(step)
              .withEnv(List.of(
                  new EnvVarBuilder().withName("JDBC_URL").withNewValueFrom().withNewSecretKeyRef("url", "db", false).endValueFrom().build(),
                  new EnvVarBuilder().withName("DB_USER").withNewValueFrom().withNewSecretKeyRef("username", "db", false).endValueFrom().build(),
                  new EnvVarBuilder().withName("DB_PASSWORD").withNewValueFrom().withNewSecretKeyRef("password", "db", false).endValueFrom().build()))
            .endContainer()
          .endSpec().endTemplate()
        .endSpec()
        .build();
  }

  static boolean tableExists(String table) throws Exception {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         ResultSet rs = c.createStatement().executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  @Test
  void aMigrationJobChangesTheSchemaAndARefusedOneFailsWithItsReasonOnThePod() throws Exception {
    cluster.create(migration("expand-1-0", "1.0", "expand", 0));
    assertThat(cluster.awaitJobFinished("expand-1-0", Duration.ofSeconds(30))).isEqualTo("Complete");
    cluster.create(migration("bigbang", "2.3", "bigbang", 0));
    assertThat(cluster.awaitJobFinished("bigbang", Duration.ofSeconds(30))).isEqualTo("Complete");
    assertThat(tableExists("address")).isTrue();

    // 2.2 reads PERSON.street, which the big bang dropped: its expand refuses, every time.
    cluster.create(migration("expand-2-2", "2.2", "expand", 1));
    assertThat(cluster.awaitJobFinished("expand-2-2", Duration.ofSeconds(30))).isEqualTo("Failed");
    Job j = cluster.job("expand-2-2");
    var failed = j.getStatus().getConditions().stream().filter(c -> "Failed".equals(c.getType())).findFirst().orElseThrow();
    assertThat(failed.getReason()).isEqualTo("BackoffLimitExceeded");
    assertThat(j.getStatus().getFailed()).isEqualTo(2);
    List<Pod> pods = cluster.pods().stream().filter(p -> "expand-2-2".equals(p.getMetadata().getLabels().get("job-name"))).toList();
    assertThat(pods).hasSize(2).allSatisfy(p -> {
      var t = p.getStatus().getContainerStatuses().get(0).getState().getTerminated();
      assertThat(t.getExitCode()).isEqualTo(1);
      assertThat(t.getMessage()).contains("expand of people 2.2 refused").contains("PERSON.street/city were dropped");
      assertThat(t.getMessage()).doesNotContain(db.password());
    });
  }
}
