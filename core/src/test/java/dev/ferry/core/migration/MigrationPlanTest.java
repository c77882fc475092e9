package dev.ferry.core.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.migration.MigrationPlan.Decision;
import dev.ferry.core.migration.MigrationPlan.JobView;
import dev.ferry.core.migration.MigrationPlan.Observation;
import dev.ferry.core.migration.MigrationPlan.ReleaseStage;
import dev.ferry.core.migration.MigrationPlan.Retirement;
import dev.ferry.core.migration.MigrationPlan.SchemaPhase;
import dev.ferry.core.migration.MigrationPlan.Sessions;
import dev.ferry.core.migration.MigrationPlan.Unmet;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule of the expand/contract plan (issue 8), on the PERSON → ADDRESS example: the release
 * from schema version 1.0 (revision r1) to 2.1 (revision r2).
 */
class MigrationPlanTest {
  static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  static final String EXPAND = MigrationPlan.jobName("people", "expand", "2.1");
  static final String CONTRACT = MigrationPlan.jobName("people", "contract", "2.1");

  /** An observation, changed one field at a time by the tests. */
  record Obs(
      ReleaseStage stage, String targetRevision, String targetVersion, String currentVersion,
      String expandedVersion, JobView expandJob, JobView contractJob, boolean hasExpand, boolean hasContract,
      String otherJobRunning, int oldPods, Sessions sessions, Instant now, Instant releaseCompletedAt,
      long window, Instant targetContractedAt, Retirement retired) {

    /** A release of r2 (2.1) over r1 (1.0) just started; nothing has run. */
    static Obs starting() {
      return new Obs(ReleaseStage.STARTING, "r2", "2.1", "1.0", "1.0", JobView.none(EXPAND),
          JobView.none(CONTRACT), true, true, null, 3, new Sessions.NotChecked(), NOW, null, 600, null, null);
    }

    /**
     * The release of r2 completed 600 s ago with 2.1 expanded; nothing old is left: the contract may
     * run.
     */
    static Obs readyToContract() {
      return starting().stage(ReleaseStage.NO_RELEASE).currentVersion("2.1").expandedVersion("2.1")
          .expandJob(JobView.succeeded(EXPAND)).oldPods(0).releaseCompletedAt(NOW.minusSeconds(600));
    }

    Observation build() {
      return new Observation(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt,
          window, targetContractedAt, retired);
    }

    Decision next() {
      return MigrationPlan.next(build());
    }

    Obs stage(ReleaseStage v) {
      return new Obs(v, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob, contractJob,
          hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs target(String revision, String version) {
      return new Obs(stage, revision, version, currentVersion, expandedVersion, expandJob, contractJob,
          hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs currentVersion(String v) {
      return new Obs(stage, targetRevision, targetVersion, v, expandedVersion, expandJob, contractJob,
          hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs expandedVersion(String v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, v, expandJob, contractJob,
          hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs expandJob(JobView v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, v, contractJob,
          hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs contractJob(JobView v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob, v,
          hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs hasExpand(boolean v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, v, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs hasContract(boolean v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, hasExpand, v, otherJobRunning, oldPods, sessions, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs otherJobRunning(String v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, hasExpand, hasContract, v, oldPods, sessions, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs oldPods(int v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, hasExpand, hasContract, otherJobRunning, v, sessions, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs sessions(Sessions v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, hasExpand, hasContract, otherJobRunning, oldPods, v, now, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs now(Instant v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, hasExpand, hasContract, otherJobRunning, oldPods, sessions, v, releaseCompletedAt, window,
          targetContractedAt, retired);
    }

    Obs releaseCompletedAt(Instant v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, v, window,
          targetContractedAt, retired);
    }

    Obs window(long v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt, v,
          targetContractedAt, retired);
    }

    Obs targetContractedAt(Instant v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt,
          window, v, retired);
    }

    Obs retired(Retirement v) {
      return new Obs(stage, targetRevision, targetVersion, currentVersion, expandedVersion, expandJob,
          contractJob, hasExpand, hasContract, otherJobRunning, oldPods, sessions, now, releaseCompletedAt,
          window, targetContractedAt, v);
    }
  }

  // ---- expand ----

  @Test
  void expandRunsBeforeTheNewRevisionsFirstPod() {
    Decision d = Obs.starting().next();
    assertThat(d).isEqualTo(new Decision.RunExpand(EXPAND, "2.1"));
    assertThat(d.phase()).isEqualTo(SchemaPhase.Expanding);
    assertThat(Obs.starting().expandJob(JobView.running(EXPAND)).next()).isEqualTo(new Decision.WaitExpand(EXPAND));
    Decision allowed = Obs.starting().expandJob(JobView.succeeded(EXPAND)).next();
    assertThat(allowed).isInstanceOf(Decision.AllowNewPods.class);
    assertThat(allowed.phase()).isEqualTo(SchemaPhase.Expanded);
  }

  @Test
  void expandFailureAbortsTheReleaseNamingTheJobAndItsReason() {
    Decision d = Obs.starting().expandJob(JobView.failed(EXPAND, "BackoffLimitExceeded: Job has reached the "
        + "specified backoff limit")).next();
    assertThat(d).isEqualTo(new Decision.AbortRelease(EXPAND, "BackoffLimitExceeded: Job has reached the "
        + "specified backoff limit"));
    assertThat(d.phase()).isEqualTo(SchemaPhase.Failed);
    assertThat(d.reason()).isEqualTo("ExpandFailed");
    assertThat(d.message()).contains(EXPAND, "BackoffLimitExceeded", "old one keeps serving");
    // Restarting the operator, or looking again, does not retry it: the failed Job is still observed.
    assertThat(Obs.starting().expandJob(JobView.failed(EXPAND, "BackoffLimitExceeded")).next())
        .isInstanceOf(Decision.AbortRelease.class);
  }

  @Test
  void firstDeploymentExpandsToo() {
    assertThat(Obs.starting().currentVersion(null).expandedVersion(null).oldPods(0).next())
        .isEqualTo(new Decision.RunExpand(EXPAND, "2.1"));
  }

  static Stream<Arguments> noExpandNeeded() {
    return Stream.of(
        Arguments.of("the schema version does not change", Obs.starting().currentVersion("2.1")),
        Arguments.of("a rollback to the serving revision mid-release",
            Obs.starting().stage(ReleaseStage.NEW_PODS_EXIST).target("r1", "1.0").expandedVersion("2.1")),
        Arguments.of("no expand template", Obs.starting().hasExpand(false)),
        Arguments.of("already expanded, the Job gone since (TTL, operator restart)",
            Obs.starting().expandedVersion("2.1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("noExpandNeeded")
  void newPodsGoAheadWithoutAnExpandWhen(String why, Obs o) {
    assertThat(o.next()).isInstanceOf(Decision.AllowNewPods.class);
  }

  @Test
  void newPodsStayAllowedWhileTheReleaseRuns() {
    assertThat(Obs.starting().stage(ReleaseStage.NEW_PODS_EXIST).expandedVersion("2.1").next())
        .isInstanceOf(Decision.AllowNewPods.class);
  }

  // ---- one release's migrations at a time ----

  @Test
  void aNewVersionWaitsForAMigrationJobThatStillRuns() {
    String running = MigrationPlan.jobName("people", "contract", "1.0");
    assertThat(Obs.starting().otherJobRunning(running).next()).isEqualTo(new Decision.WaitForMigration(running));
    // Even without an expand template: the schema is being changed under the running Job.
    assertThat(Obs.starting().hasExpand(false).otherJobRunning(running).next())
        .isEqualTo(new Decision.WaitForMigration(running));
    // A contract waits for it too.
    assertThat(Obs.readyToContract().otherJobRunning(running).next())
        .isEqualTo(new Decision.WaitForMigration(running));
  }

  // ---- contract ----

  @Test
  void contractRunsWhenEveryConditionHolds() {
    Decision d = Obs.readyToContract().next();
    assertThat(d).isEqualTo(new Decision.RunContract(CONTRACT, "2.1"));
    assertThat(d.phase()).isEqualTo(SchemaPhase.Contracting);
    assertThat(Obs.readyToContract().sessions(new Sessions.Counted(0)).next())
        .isEqualTo(new Decision.RunContract(CONTRACT, "2.1"));
    assertThat(Obs.readyToContract().contractJob(JobView.running(CONTRACT)).next())
        .isEqualTo(new Decision.WaitContractJob(CONTRACT));
    Decision done = Obs.readyToContract().contractJob(JobView.succeeded(CONTRACT)).next();
    assertThat(done.phase()).isEqualTo(SchemaPhase.Contracted);
    assertThat(done).isInstanceOf(Decision.Done.class);
  }

  static Stream<Arguments> eachConditionAlone() {
    Obs ready = Obs.readyToContract();
    return Stream.of(
        Arguments.of("one old pod left", ready.oldPods(1), new Unmet.OldPodsRemain(1)),
        Arguments.of("old pods left, Terminating included", ready.oldPods(2), new Unmet.OldPodsRemain(2)),
        Arguments.of("the rollback window still open",
            ready.releaseCompletedAt(NOW.minusSeconds(400)), new Unmet.RollbackWindowOpen(200)),
        Arguments.of("less than a second of the window left counts as one",
            ready.releaseCompletedAt(NOW.minusSeconds(600).plusMillis(1)), new Unmet.RollbackWindowOpen(1)),
        Arguments.of("release completion not recorded yet: the whole window is ahead",
            ready.releaseCompletedAt(null), new Unmet.RollbackWindowOpen(600)),
        Arguments.of("old sessions counted", ready.sessions(new Sessions.Counted(4)), new Unmet.OldSessionsRemain(4)),
        Arguments.of("sessions could not be counted: not assumed zero",
            ready.sessions(new Sessions.Unknown("connection refused")),
            new Unmet.OldSessionsUnknown("connection refused")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("eachConditionAlone")
  void contractWaitsOnEachConditionAlone(String why, Obs o, Unmet expected) {
    Decision d = o.next();
    assertThat(d).isEqualTo(new Decision.WaitContract(List.of(expected)));
    assertThat(d.phase()).isEqualTo(SchemaPhase.Expanded);
    assertThat(d.reason()).isEqualTo("WaitingToContract");
    assertThat(d.message()).contains(expected.message());
  }

  @Test
  void contractListsEveryUnmetCondition() {
    Decision d = Obs.readyToContract().oldPods(1).releaseCompletedAt(NOW).sessions(new Sessions.Counted(7)).next();
    assertThat(d).isEqualTo(new Decision.WaitContract(List.of(new Unmet.OldPodsRemain(1),
        new Unmet.RollbackWindowOpen(600), new Unmet.OldSessionsRemain(7))));
  }

  @Test
  void timeNeverForcesAContract() {
    for (long days : new long[] {1, 30, 3650}) {
      Obs late = Obs.readyToContract().now(NOW.plusSeconds(days * 86_400));
      assertThat(late.oldPods(1).next()).as(days + " days").isEqualTo(
          new Decision.WaitContract(List.of(new Unmet.OldPodsRemain(1))));
      assertThat(late.sessions(new Sessions.Counted(1)).next()).as(days + " days").isEqualTo(
          new Decision.WaitContract(List.of(new Unmet.OldSessionsRemain(1))));
      assertThat(late.sessions(new Sessions.Unknown("timeout")).next()).as(days + " days").isEqualTo(
          new Decision.WaitContract(List.of(new Unmet.OldSessionsUnknown("timeout"))));
    }
  }

  @Test
  void noContractWhileAReleaseRuns() {
    assertThat(Obs.readyToContract().stage(ReleaseStage.NEW_PODS_EXIST).next())
        .isInstanceOf(Decision.AllowNewPods.class);
    assertThat(Obs.readyToContract().stage(ReleaseStage.STARTING).next())
        .isInstanceOf(Decision.AllowNewPods.class);
  }

  @Test
  void windowOfZeroContractsAsSoonAsNothingOldIsLeft() {
    assertThat(Obs.readyToContract().window(0).releaseCompletedAt(NOW).next())
        .isEqualTo(new Decision.RunContract(CONTRACT, "2.1"));
  }

  @Test
  void contractFailureIsReportedAndNotRetriedByItself() {
    Decision d = Obs.readyToContract().contractJob(JobView.failed(CONTRACT, "BackoffLimitExceeded")).next();
    assertThat(d).isEqualTo(new Decision.ContractFailed(CONTRACT, "BackoffLimitExceeded"));
    assertThat(d.phase()).isEqualTo(SchemaPhase.Failed);
    assertThat(d.message()).contains(CONTRACT, "new revision keeps serving");
  }

  static Stream<Arguments> nothingToContract() {
    return Stream.of(
        Arguments.of("no contract template", Obs.readyToContract().hasContract(false), SchemaPhase.Expanded),
        Arguments.of("contracted, the Job gone since", Obs.readyToContract().targetContractedAt(NOW.minusSeconds(5)),
            SchemaPhase.Contracted),
        Arguments.of("rolled back to 1.0 before contract: 2.1 stays expanded, 1.0 runs on it",
            Obs.readyToContract().target("r1", "1.0").currentVersion("1.0"), SchemaPhase.Expanded));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nothingToContract")
  void nothingToContractWhen(String why, Obs o, SchemaPhase phase) {
    Decision d = o.next();
    assertThat(d).isInstanceOf(Decision.Done.class);
    assertThat(d.phase()).isEqualTo(phase);
  }

  // ---- rollback ----

  @Test
  void rollbackBeforeContractIsAllowed() {
    // Mid-release (new pods exist, 2.1 expanded), the template returns to r1.
    Obs back = Obs.starting().stage(ReleaseStage.NEW_PODS_EXIST).expandJob(JobView.succeeded(EXPAND))
        .expandedVersion("2.1").target("r1", "1.0");
    assertThat(back.next()).isInstanceOf(Decision.AllowNewPods.class);
    // After the release completed, while the contract waits for the window: back to 1.0 is a new
    // release, allowed; the expand of the reverted spec runs again (migration tools skip what is applied).
    String expand10 = MigrationPlan.jobName("people", "expand", "1.0");
    Obs afterComplete = Obs.readyToContract().releaseCompletedAt(NOW).stage(ReleaseStage.STARTING)
        .target("r1", "1.0").expandJob(JobView.none(expand10))
        .contractJob(JobView.none(MigrationPlan.jobName("people", "contract", "1.0")));
    assertThat(afterComplete.next()).isEqualTo(new Decision.RunExpand(expand10, "1.0"));
    assertThat(afterComplete.expandJob(JobView.succeeded(expand10)).next()).isInstanceOf(Decision.AllowNewPods.class);
  }

  @Test
  void rollbackAfterContractIsRefusedShowingThePointOfNoReturn() {
    Instant contractedAt = NOW.minusSeconds(60);
    for (ReleaseStage stage : ReleaseStage.values()) {
      Obs back = Obs.readyToContract().stage(stage).target("r1", "1.0").currentVersion("2.1")
          .retired(new Retirement("2.1", contractedAt));
      Decision d = back.next();
      assertThat(d).as(stage.name()).isEqualTo(new Decision.RefuseRollback("r1", "1.0", "2.1", contractedAt));
      assertThat(d.phase()).isNull();
      assertThat(d.reason()).isEqualTo("RollbackRefused");
      assertThat(d.message()).isEqualTo("schema version 2.1 was contracted at 2026-11-25T09:59:00Z; returning to "
          + "revision r1 (schema version 1.0) would run the old version against a schema it cannot read");
    }
  }

  @Test
  void aRollbackWaitingForARunningContractIsRefusedOnceItSucceeds() {
    Obs back = Obs.readyToContract().stage(ReleaseStage.STARTING).target("r1", "1.0").currentVersion("2.1")
        .hasExpand(false).otherJobRunning(CONTRACT);
    assertThat(back.next()).isEqualTo(new Decision.WaitForMigration(CONTRACT));
    assertThat(back.otherJobRunning(null).retired(new Retirement("2.1", NOW)).next())
        .isInstanceOf(Decision.RefuseRollback.class);
  }

  // ---- idempotence and restarts ----

  static Stream<Arguments> everyState() {
    return Stream.of(
        Arguments.of(Obs.starting()),
        Arguments.of(Obs.starting().expandJob(JobView.running(EXPAND))),
        Arguments.of(Obs.starting().expandJob(JobView.failed(EXPAND, "DeadlineExceeded"))),
        Arguments.of(Obs.starting().stage(ReleaseStage.NEW_PODS_EXIST).expandedVersion("2.1")),
        Arguments.of(Obs.readyToContract().oldPods(2)),
        Arguments.of(Obs.readyToContract()),
        Arguments.of(Obs.readyToContract().contractJob(JobView.running(CONTRACT))),
        Arguments.of(Obs.readyToContract().targetContractedAt(NOW)),
        Arguments.of(Obs.readyToContract().target("r1", "1.0").retired(new Retirement("2.1", NOW))));
  }

  @ParameterizedTest
  @MethodSource("everyState")
  void theSameObservationGivesTheSameDecision(Obs o) {
    Decision first = o.next();
    assertThat(o.next()).isEqualTo(first);
    assertThat(MigrationPlan.next(o.build())).isEqualTo(first);
  }

  @Test
  void operatorRestartBetweenExpandAndContractResumesFromTheObservationAlone() {
    // Before the restart: the expand Job succeeded, the status recorded 2.1 as expanded, the release ran
    // and completed, the window is open. The new operator process finds the expand Job deleted (TTL).
    Obs afterRestart = Obs.readyToContract().expandJob(JobView.none(EXPAND)).releaseCompletedAt(NOW.minusSeconds(100));
    // It neither runs the expand again nor contracts early.
    assertThat(afterRestart.next()).isEqualTo(
        new Decision.WaitContract(List.of(new Unmet.RollbackWindowOpen(500))));
    // Mid-release restart: new pods exist, status says 2.1 is expanded; no second expand.
    assertThat(afterRestart.stage(ReleaseStage.NEW_PODS_EXIST).next()).isInstanceOf(Decision.AllowNewPods.class);
    // When the window has closed the contract runs, and a contract Job already created is followed.
    assertThat(afterRestart.now(NOW.plusSeconds(500)).next()).isEqualTo(new Decision.RunContract(CONTRACT, "2.1"));
    assertThat(afterRestart.now(NOW.plusSeconds(500)).contractJob(JobView.running(CONTRACT)).next())
        .isEqualTo(new Decision.WaitContractJob(CONTRACT));
  }

  // ---- names ----

  @Test
  void jobNamesAreStableValidAndDistinct() {
    assertThat(MigrationPlan.jobName("people", "expand", "7")).isEqualTo("people-expand-7");
    String dotted = MigrationPlan.jobName("people", "expand", "2.1");
    assertThat(dotted).matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?").startsWith("people-expand-2-1-");
    assertThat(dotted).isEqualTo(MigrationPlan.jobName("people", "expand", "2.1"));
    assertThat(dotted).isNotEqualTo(MigrationPlan.jobName("people", "expand", "2-1"));
    String longName = MigrationPlan.jobName("a".repeat(60), "contract", "2026.11.25-build.4711");
    assertThat(longName).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
  }
}
