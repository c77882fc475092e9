package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.lab.db.LabPostgres;
import dev.ferry.lab.report.ScenarioReport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The schema-migration scenarios on a real (embedded) PostgreSQL, small: Ferry's expand/contract
 * release with a rollback in the middle of each step loses no request and no row, and refuses the
 * rollback after the last contract; the big-bang baseline fails requests and cannot roll back.
 * Counts and outcomes, not timing.
 */
class SchemaScenarioTest {

  /** 2 pods, 40 requests/s over 50 people, 0.5 s start-up and propagation, rollback window 2 s. */
  static final SchemaSettings SMALL = new SchemaSettings(2, 40, 50, Duration.ofMillis(500), Duration.ofMillis(500), 2,
      Duration.ofSeconds(1), Duration.ofSeconds(60));

  static LabPostgres postgres;

  @BeforeAll
  static void start() {
    postgres = LabPostgres.embedded();
  }

  @AfterAll
  static void stop() {
    postgres.close();
  }

  static ScenarioReport run(Scenario scenario) {
    ScenarioReport r = SchemaScenarioRunner.run(scenario, SMALL, postgres, System.out::println);
    System.out.println(scenario.id() + ": " + r.schema());
    return r;
  }

  @Test
  @Timeout(150)
  void ferryExpandContractLosesNoRequestAndNoRowAndRollsBackBeforeTheContract() {
    ScenarioReport r = run(Scenario.SCHEMA);
    ScenarioReport.Schema s = r.schema();
    assertThat(s.requestsTotal()).isGreaterThan(500);
    assertThat(s.acknowledgedWrites()).isGreaterThan(0);
    assertThat(s.requestsFailed()).as("failed requests: " + s.failedByKind() + " " + s.failedDetails()).isZero();
    assertThat(s.inconsistentRows()).isZero();
    assertThat(s.lostRows()).isZero();
    assertThat(s.steps()).extracting(ScenarioReport.Step::to).containsExactly("2.1", "2.2", "2.3");
    List<ScenarioReport.Rollback> mid = s.rollbacks().stream()
        .filter(b -> b.when().equals(ScenarioReport.Rollback.MID_RELEASE)).toList();
    assertThat(mid).extracting(ScenarioReport.Rollback::to).containsExactly("1.0", "2.1", "2.2");
    assertThat(mid).allSatisfy(b -> assertThat(b.outcome()).as(b.toString()).isEqualTo(ScenarioReport.Rollback.SUCCEEDED));
    List<ScenarioReport.Rollback> after = s.rollbacks().stream()
        .filter(b -> b.when().equals(ScenarioReport.Rollback.AFTER_CONTRACT)).toList();
    assertThat(after).hasSize(1);
    assertThat(after.get(0).from()).isEqualTo("2.3");
    assertThat(after.get(0).to()).isEqualTo("2.2");
    assertThat(after.get(0).outcome()).as(after.get(0).detail()).isEqualTo(ScenarioReport.Rollback.REFUSED);
  }

  @Test
  @Timeout(120)
  void theBigBangBaselineFailsRequestsAndCannotRollBack() {
    ScenarioReport r = run(Scenario.SCHEMA_BIGBANG);
    ScenarioReport.Schema s = r.schema();
    assertThat(s.requestsTotal()).isGreaterThan(200);
    assertThat(s.requestsFailed()).isGreaterThan(0);
    assertThat(s.rollbacks()).hasSize(1);
    assertThat(s.rollbacks().get(0).to()).isEqualTo("1.0");
    assertThat(s.rollbacks().get(0).outcome()).isEqualTo(ScenarioReport.Rollback.FAILED);
  }

  @Test
  void aRollbackSucceedsOnlyBackOnTheOldVersionWithNoFailedRequest() {
    assertThat(SchemaScenarioRunner.rollbackOutcome(true, 0)).isEqualTo(ScenarioReport.Rollback.SUCCEEDED);
    assertThat(SchemaScenarioRunner.rollbackOutcome(true, 1)).isEqualTo(ScenarioReport.Rollback.FAILED);
    assertThat(SchemaScenarioRunner.rollbackOutcome(false, 0)).isEqualTo(ScenarioReport.Rollback.FAILED);
  }

  @Test
  void theMigrationsSpecOfEachVersion() {
    var m = SchemaScenarioRunner.migrations("2.2", SMALL);
    assertThat(m.getSchemaVersion()).isEqualTo("2.2");
    assertThat(m.getExpand().getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("people-migrate:2.2");
    assertThat(m.getExpand().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).containsExactly("expand");
    assertThat(m.getContract().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).containsExactly("contract");
    assertThat(m.getRollbackWindowSeconds()).isEqualTo(2);
    assertThat(m.getSessionCheck().getPostgres().getApplicationNamePrefix()).isEqualTo("people-");
    assertThat(SchemaScenarioRunner.migrations("1.0", SMALL).getContract()).isNull();
    // The password comes from the Secret, never as a literal in a template.
    assertThat(m.getExpand().getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .allSatisfy(e -> assertThat(e.getValue()).isNull());
  }
}
