package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.lab.report.ScenarioReport;
import org.junit.jupiter.api.Test;

/** The adopt scenario at a small size: a StatefulSet broker cluster taken over under the fleet. */
class AdoptScenarioTest {

  @Test
  void aStatefulSetIsTakenOverMovingEveryClientOnceLosingNothingAndCreatingNoPodAgain() {
    ScenarioReport adopt = ScenarioRunner.run(Scenario.ADOPT, ScenarioRunnerTest.SMALL, l -> {});
    assertThat(adopt.maxDisconnectsPerClient()).isEqualTo(1);
    assertThat(adopt.disconnectsHistogram()).containsOnlyKeys(1);
    assertThat(adopt.messagesLost()).isZero();
    // The StatefulSet's three nodes and Ferry's three.
    assertThat(adopt.timeline().connectionsPerNode()).hasSizeGreaterThanOrEqualTo(6);
    // The scenario fails on a StatefulSet pod created again; it says so when none was.
    assertThat(adopt.timeline().steps()).anyMatch(e -> e.what().contains("removed [mqtt-2, mqtt-1, mqtt-0]")
        && e.what().contains("0 created again"));
  }
}
