package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.lab.report.ScenarioReport;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseStepsTest {

  @Test
  void theOperatorsSwitchDrainsAndDrainedDeletionsAreTheSteps() {
    assertThat(ReleaseSteps.label("Switching", "[Switching] switching the Service to revision 55d1")).isEqualTo("switch");
    assertThat(ReleaseSteps.label("DrainStarted", "[Draining] draining mqtt-7c9f-a to mqtt-55d1-b, mqtt-55d1-c"))
        .isEqualTo("drain mqtt-7c9f-a");
    assertThat(ReleaseSteps.label("DrainStarted",
        "draining mqtt-7c9f-a, mqtt-7c9f-b side by side (starting at +0, +500 ms) to mqtt-55d1-b, mqtt-55d1-c"))
        .isEqualTo("drain mqtt-7c9f-a, mqtt-7c9f-b");
    assertThat(ReleaseSteps.eachPod("drain mqtt-7c9f-a, mqtt-7c9f-b")).containsExactly("drain mqtt-7c9f-a", "drain mqtt-7c9f-b");
    assertThat(ReleaseSteps.eachPod("switch")).containsExactly("switch");
    assertThat(ReleaseSteps.label("DeletingPod", "deleting mqtt-7c9f-a: drained")).isEqualTo("mqtt-7c9f-a deleted");
    assertThat(ReleaseSteps.label("DeletingPod", "deleting mqtt-7c9f-a: drained, every client it sent away took its "
        + "session over (no need to wait out the 2s takeover wait)")).isEqualTo("mqtt-7c9f-a deleted");
    assertThat(ReleaseSteps.label("WaitingForPods", "waiting for 3 pods")).isNull();
    assertThat(ReleaseSteps.label("DeletingPod", "deleting mqtt-7c9f-a: it holds no client")).isNull();
  }

  @Test
  void eventsArePlacedAtTheirSecondSinceTheReleaseStartedAndEarlierOnesLeftOut() {
    long t0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    ReleaseSteps steps = new ReleaseSteps(t0);

    steps.addOperatorEvents(List.of(
        event("DeletingPod", "deleting p1: drained", "2026-01-01T00:00:31.200Z"),
        event("Switching", "[Switching] switching", "2026-01-01T00:00:12.900Z"),
        event("Switching", "switching the gates", "2026-01-01T00:00:13.100Z"),
        event("Switching", "[Switching] the release before", "2025-12-31T23:59:00Z"),
        event("DrainStarted", "draining p1 to p2", "2026-01-01T00:00:15Z")));

    assertThat(steps.steps()).containsExactly(new ScenarioReport.Event(12, "switch"),
        new ScenarioReport.Event(15, "drain p1"), new ScenarioReport.Event(31, "p1 deleted"));
    assertThat(steps.last()).isEqualTo("p1 deleted");
  }

  @Test
  void aStepSaidAgainIsPlacedWhereItWasFirstSaidInThisRelease() {
    long t0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    ReleaseSteps steps = new ReleaseSteps(t0);

    steps.addOperatorEvents(List.of(
        event("Switching", "[Switching] switching", "2026-01-01T00:00:12Z", "2026-01-01T00:00:20Z"),
        event("DrainStarted", "draining p1 to p2", "2025-12-31T23:50:00Z", "2026-01-01T00:00:25Z")));

    assertThat(steps.steps()).containsExactly(new ScenarioReport.Event(12, "switch"),
        new ScenarioReport.Event(25, "drain p1"));
  }

  @Test
  void aDrainEndsTheSecondThePodBeingDrainedHoldsNoConnectionLeft() {
    List<ScenarioReport.Event> steps = List.of(new ScenarioReport.Event(1, "switch"),
        new ScenarioReport.Event(2, "drain p1"), new ScenarioReport.Event(6, "drain p2"));
    int[] drain = {-1, -1, 600, 200, 0, 0, 650, 300, 0, -1};

    assertThat(ReleaseSteps.drainEnds(steps, drain))
        .containsExactly(new ScenarioReport.Event(4, "p1 drained"), new ScenarioReport.Event(8, "p2 drained"));
  }

  @Test
  void overlappingDrainsEachEndTheSecondTheirNodeCountsNoConnection() {
    // p2's drain starts while p1 waits for its takeovers: the gauge goes from p1's 0 to p2's count
    // within a second and never shows p1's end; the nodes' own counts do.
    List<ScenarioReport.Event> steps = List.of(new ScenarioReport.Event(1, "switch"),
        new ScenarioReport.Event(2, "drain p1"), new ScenarioReport.Event(5, "drain p2"), new ScenarioReport.Event(9, "drain p3"));
    Map<String, int[]> perNode = Map.of(
        "p1", new int[] {600, 600, 600, 300, 80, 0, 0, -1, -1, -1, -1, -1},
        "p2", new int[] {600, 600, 600, 600, 600, 500, 250, 10, 0, 0, -1, -1});
    int[] gauge = {-1, -1, 600, 300, 80, 600, 250, 10, 0, 400, 100, 0};

    assertThat(ReleaseSteps.drainEnds(steps, perNode, gauge)).containsExactlyInAnyOrder(
        new ScenarioReport.Event(5, "p1 drained"), new ScenarioReport.Event(8, "p2 drained"),
        new ScenarioReport.Event(11, "p3 drained"));
  }

  private static Event event(String reason, String message, String at) {
    return new EventBuilder().withReason(reason).withMessage(message).withLastTimestamp(at).build();
  }

  private static Event event(String reason, String message, String first, String last) {
    return new EventBuilder().withReason(reason).withMessage(message).withFirstTimestamp(first)
        .withLastTimestamp(last).withCount(2).build();
  }
}
