package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.lab.cluster.NodeSecond;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The release's end balance: over the pods that stay, not the deleted ones still stopping. */
class ImbalanceTest {

  private static NodeSecond second(Map<String, Integer> connections) {
    return new NodeSecond(1, 0, connections, Map.of());
  }

  @Test
  void aDeletedPodStillStoppingIsNotPartOfTheBalance() {
    // Three new pods hold the 200 clients; two old ones, deleted, still report 0 while they stop.
    NodeSecond last = second(Map.of("new-a", 67, "new-b", 67, "new-c", 66, "old-a", 0, "old-b", 0));
    assertThat(ScenarioRunner.imbalance(last, Set.of("new-a", "new-b", "new-c"))).isCloseTo(0.005, org.assertj.core.data.Offset.offset(0.001));
    // Counted over every pod of the second they read as 0.675, like the 0.65 a sharded run once reported.
    assertThat(ScenarioRunner.imbalance(last, Set.of())).isCloseTo(0.675, org.assertj.core.data.Offset.offset(0.001));
  }

  @Test
  void aNewPodLeftEmptyIsImbalance() {
    NodeSecond last = second(Map.of("new-a", 100, "new-b", 100, "new-c", 0));
    assertThat(ScenarioRunner.imbalance(last, Set.of("new-a", "new-b", "new-c"))).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.001));
  }
}
