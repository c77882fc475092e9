package dev.ferry.core.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.migration.MigrationPlan.Decision;
import dev.ferry.core.migration.MigrationPlan.ReleaseStage;
import dev.ferry.core.release.Action;
import dev.ferry.core.release.Action.EnsureRevisionSet;
import dev.ferry.core.release.Action.SetGates;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.Reason;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSetView;
import dev.ferry.core.release.Step;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the migration decision gates the release plan: r1 (1.0) serves, the template is r2 (2.1). */
class ReleaseGateTest {
  static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  static final Instant STARTED = NOW.minusSeconds(300);
  static final ReleaseStatus HEALTHY = new ReleaseStatus(Phase.Healthy, "r1", "r1", STARTED);
  static final ReleaseStatus PROVISIONING = new ReleaseStatus(Phase.Provisioning, "r1", "r2", STARTED);
  static final List<RevisionSetView> ONLY_R1 = List.of(new RevisionSetView("r1", 3, STARTED));
  static final Step CREATE_R2 = new Step(new EnsureRevisionSet("r2", 3), PROVISIONING, Reason.CreatingRevisionSet,
      "creating revision set r2 with 3 pods", false, null);

  @Test
  void theStageFollowsTheReleaseStatusAndThePodsOfTheTemplate() {
    assertThat(ReleaseGate.stage("r1", HEALTHY, true)).isEqualTo(ReleaseStage.NO_RELEASE);
    assertThat(ReleaseGate.stage("r2", HEALTHY, false)).isEqualTo(ReleaseStage.STARTING);
    assertThat(ReleaseGate.stage("r2", PROVISIONING, true)).isEqualTo(ReleaseStage.NEW_PODS_EXIST);
    assertThat(ReleaseGate.stage("r1", new ReleaseStatus(Phase.Aborted, "r1", "r2", STARTED), true))
        .as("back on the serving revision after an abort").isEqualTo(ReleaseStage.NO_RELEASE);
    assertThat(ReleaseGate.stage("r1", new ReleaseStatus(Phase.Provisioning, "r1", "r2", STARTED), true))
        .as("a rollback to the serving revision mid-release is a release").isEqualTo(ReleaseStage.NEW_PODS_EXIST);
    assertThat(ReleaseGate.stage("r1", ReleaseStatus.initial(), false)).as("first deployment")
        .isEqualTo(ReleaseStage.STARTING);
  }

  @Test
  void whileTheExpandRunsTheNewRevisionGetsNoPodButEverythingElseGoesOn() {
    Step held = ReleaseGate.gate(CREATE_R2, new Decision.WaitExpand("e"), "r2", PROVISIONING, ONLY_R1, NOW);
    assertThat(held.action()).isInstanceOf(Wait.class);
    assertThat(held.reason()).isEqualTo(Reason.MigratingSchema);
    assertThat(held.status()).isEqualTo(PROVISIONING);
    assertThat(held.message()).contains("waiting for the expand Job e");

    Step gates = new Step(new SetGates(Map.of("r1-a", true)), PROVISIONING, Reason.GatesOpened, "m", false, null);
    assertThat(ReleaseGate.gate(gates, new Decision.RunExpand("e", "2.1"), "r2", PROVISIONING, ONLY_R1, NOW))
        .isEqualTo(gates);
    Step stopDrain = new Step(new Action.StopDrain("r1-a"), PROVISIONING, Reason.GatesOpened, "m", false, null);
    assertThat(ReleaseGate.gate(stopDrain, new Decision.WaitExpand("e"), "r2", PROVISIONING, ONLY_R1, NOW))
        .isEqualTo(stopDrain);
    Step shrink = new Step(new EnsureRevisionSet("r2", 0), PROVISIONING, Reason.Aborting, "m", false, null);
    assertThat(ReleaseGate.gate(shrink, new Decision.WaitForMigration("c"), "r2", PROVISIONING, ONLY_R1, NOW))
        .isEqualTo(shrink);
  }

  @Test
  void whileTheExpandRunsNoServingPodIsTakenAwayEither() {
    // A rolling release with maxSurge 0 would close an old pod's gate, drain it and delete it first.
    ReleaseStatus rolling = new ReleaseStatus(Phase.Rolling, "r1", "r2", STARTED);
    for (Action a : List.<Action>of(new SetGates(new java.util.TreeMap<>(Map.of("r1-a", false))),
        new Action.StartDrain("r1-a", List.of()), new Action.DeletePod("r1-a", "r1", 2))) {
      Step planned = new Step(a, rolling, Reason.GatesOpened, "m", false, null);
      for (Decision d : List.<Decision>of(new Decision.RunExpand("e", "2.1"), new Decision.WaitExpand("e"),
          new Decision.WaitForMigration("c"))) {
        Step held = ReleaseGate.gate(planned, d, "r2", rolling, ONLY_R1, NOW);
        assertThat(held.action()).as(a + " under " + d).isInstanceOf(Wait.class);
        assertThat(held.reason()).isEqualTo(Reason.MigratingSchema);
      }
      assertThat(ReleaseGate.gate(planned, new Decision.AllowNewPods("expanded"), "r2", rolling, ONLY_R1, NOW).action())
          .as("once expanded").isEqualTo(a);
    }
  }

  @Test
  void theProgressDeadlineCountsFromTheFirstPodNotFromTheStartOfTheExpand() {
    Step go = ReleaseGate.gate(CREATE_R2, new Decision.AllowNewPods("expanded"), "r2", PROVISIONING, ONLY_R1, NOW);
    assertThat(go.action()).isEqualTo(CREATE_R2.action());
    assertThat(go.status().phaseStartedAt()).isEqualTo(NOW);
    assertThat(go.reason()).isEqualTo(Reason.CreatingRevisionSet);
  }

  @Test
  void anExpandFailureAbortsWithTheServingRevisionKeptAndTheAbortTimeKept() {
    Decision abort = new Decision.AbortRelease("people-expand-2-1", "BackoffLimitExceeded");
    assertThat(ReleaseGate.planTarget(abort, "r2", PROVISIONING)).isEqualTo("r1");
    assertThat(ReleaseGate.remembered(PROVISIONING, false, abort)).isEqualTo(new ReleaseStatus(Phase.Healthy, "r1", "r1", STARTED));
    Step steady = new Step(new Wait(NOW.plusSeconds(60)), HEALTHY, Reason.Steady, "3/3 pods of r1 serving", false, null);

    Step aborted = ReleaseGate.gate(steady, abort, "r2", PROVISIONING, ONLY_R1, NOW);
    assertThat(aborted.status()).isEqualTo(new ReleaseStatus(Phase.Aborted, "r1", "r2", NOW));
    assertThat(aborted.reason()).isEqualTo(Reason.ExpandFailed);
    assertThat(aborted.stalled()).isTrue();
    assertThat(aborted.message()).contains("people-expand-2-1").contains("BackoffLimitExceeded");
    Step again = ReleaseGate.gate(steady, abort, "r2", aborted.status(), ONLY_R1, NOW.plusSeconds(30));
    assertThat(again.status()).isEqualTo(aborted.status());

    // Once the expand may run again, the release starts over instead of staying aborted.
    assertThat(ReleaseGate.remembered(aborted.status(), true, new Decision.RunExpand("e", "2.1")))
        .isEqualTo(new ReleaseStatus(Phase.Healthy, "r1", "r1", NOW));
    assertThat(ReleaseGate.remembered(aborted.status(), false, new Decision.RunExpand("e", "2.1")))
        .as("aborted by its deadline: stays until the template changes").isEqualTo(aborted.status());
    // A first deployment has nothing to keep serving.
    assertThat(ReleaseGate.planTarget(abort, "r2", ReleaseStatus.initial())).isNull();
    assertThat(ReleaseGate.nothingToRelease(abort, "r2", ReleaseStatus.initial(), NOW).status().phase())
        .isEqualTo(Phase.Aborted);
  }

  @Test
  void aRefusedTemplateIsNotReleasedTheReleasePlanKeepsWhatItAimedAt() {
    Decision refuse = new Decision.RefuseRollback("r1", "1.0", "2.1", STARTED);
    ReleaseStatus serving21 = new ReleaseStatus(Phase.Healthy, "r2", "r2", STARTED);
    assertThat(ReleaseGate.planTarget(refuse, "r1", serving21)).isEqualTo("r2");
    ReleaseStatus releasing22 = new ReleaseStatus(Phase.Rolling, "r2", "r3", STARTED);
    assertThat(ReleaseGate.planTarget(refuse, "r1", releasing22)).as("the release under way goes on").isEqualTo("r3");
    ReleaseStatus heldToR1 = new ReleaseStatus(Phase.Provisioning, "r2", "r1", STARTED);
    assertThat(ReleaseGate.planTarget(refuse, "r1", heldToR1))
        .as("a rollback that waited for the contract Job is turned back, not released").isEqualTo("r2");

    Step steady = new Step(new Wait(NOW.plusSeconds(60)), serving21, Reason.Steady, "3/3 pods of r2 serving", false, null);
    Step refused = ReleaseGate.gate(steady, refuse, "r1", serving21, ONLY_R1, NOW);
    assertThat(refused.action()).isEqualTo(steady.action());
    assertThat(refused.status()).isEqualTo(serving21);
    assertThat(refused.reason()).isEqualTo(Reason.RollbackRefused);
    assertThat(refused.stalled()).isTrue();
    assertThat(refused.message()).contains("schema version 2.1 was contracted at");
  }
}
