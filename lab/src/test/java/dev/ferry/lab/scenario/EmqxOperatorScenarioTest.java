package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.lab.fleet.MqttProtocol;
import dev.ferry.lab.report.ScenarioReport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The EMQX Operator's imitation at a small size (two nodes, so EMQX's 60 s health-check wait, which
 * the operator never shortens, costs two minutes): what its source says it does, seen from outside.
 */
class EmqxOperatorScenarioTest {

  static final LabSettings SMALL = new LabSettings(2, 60, MqttProtocol.V5, 20, false, 100,
      Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(300),
      Duration.ofMinutes(2), LabSettings.EMQX, 0, false, 1, dev.ferry.lab.cluster.Kube.EMBEDDED);

  @Test
  void itDrainsTheOldSetHighestOrdinalFirstOneNodeAtATimeAndFinishesWithNothingLost() {
    ScenarioReport r = ScenarioRunner.run(Scenario.EMQX_OPERATOR, SMALL, l -> { });
    assertThat(r.outcome().finished()).isTrue();
    assertThat(r.outcome().end()).startsWith("EMQX Ready");
    assertThat(r.outcome().nodesRefusing()).isZero();
    assertThat(r.outcome().leftoverPods()).isZero();
    assertThat(r.messagesLost()).isZero();
    List<String> steps = r.timeline().steps().stream().map(ScenarioReport.Event::what).toList();
    List<String> drains = steps.stream().filter(s -> s.startsWith("drain ")).toList();
    List<String> deletions = steps.stream().filter(s -> s.endsWith(" deleted")).toList();
    assertThat(drains).hasSize(2);
    assertThat(drains.get(0)).endsWith("-1");
    assertThat(drains.get(1)).endsWith("-0");
    assertThat(deletions).hasSize(2);
    // One node at a time: the second drain starts only after the first node's pod is gone.
    assertThat(steps.indexOf(deletions.get(0))).isLessThan(steps.indexOf(drains.get(1)));
    // Each drain waits EMQX's default wait_health_check (60 s): the operator never sends one.
    assertThat(r.durationSeconds()).isGreaterThan(120);
  }

  @Test
  void aRebalanceOnABalancedClusterEndsFailedBecauseEmqxAnswersNothingToBalance() {
    ScenarioReport r = ScenarioRunner.run(Scenario.EMQX_OPERATOR_REBALANCE_BALANCED, SMALL, l -> { });
    assertThat(r.outcome().end()).startsWith("Rebalance Failed: Failed to start rebalance: request api failed: 400");
    assertThat(r.maxDisconnectsPerClient()).isZero();
    assertThat(r.outcome().nodesRefusing()).isZero();
  }
}
