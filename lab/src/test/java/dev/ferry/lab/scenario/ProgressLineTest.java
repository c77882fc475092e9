package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.lab.cluster.NodeSecond;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProgressLineTest {

  @Test
  void aTickSaysThePhaseTheClientsTheTimeLeftThenTheNodesByShortName() {
    Map<String, Integer> nodes = new LinkedHashMap<>();
    nodes.put("n1", 667);
    nodes.put("n2", 665);

    String line = new ProgressLine("ferry", 24, "Draining", 1332, 2000, nodes, 41L).format();

    assertThat(line).isEqualTo("[ferry]  24s Draining 1332/2000 connected eta 41s | n1 667 n2 665");
  }

  @Test
  void anUnknownPhaseOrTimeLeftSaysSo() {
    String line = new ProgressLine("rolling", 3, null, 10, 10, Map.of(), null).format();

    assertThat(line).isEqualTo("[rolling]   3s - 10/10 connected eta ? |");
  }

  @Test
  void nodesAreNamedInTheOrderTheyAppearedAndGonePodsAreLeftOut() {
    List<NodeSecond> seconds = List.of(
        new NodeSecond(1, 1000, Map.of("mqtt-7c9f-zzzzz", 667, "mqtt-7c9f-aaaaa", 665), Map.of()),
        new NodeSecond(2, 2000, Map.of("mqtt-7c9f-zzzzz", 600, "mqtt-7c9f-aaaaa", 665, "mqtt-55d1-bbbbb", 67), Map.of()),
        new NodeSecond(3, 3000, Map.of("mqtt-7c9f-aaaaa", 665, "mqtt-55d1-bbbbb", 667), Map.of()));

    assertThat(ProgressLine.nodes(seconds)).containsExactly(Map.entry("n1", 665), Map.entry("n3", 667));
  }

  @Test
  void whileDrainingTheTimeLeftIsTheOldPodsConnectionsAtTheRateAndTheirTakeoverWaits() {
    NodeSecond now = new NodeSecond(9, 9000, Map.of("old-a", 300, "old-b", 700, "new-c", 1000), Map.of());
    Set<String> before = Set.of("old-a", "old-b", "old-gone");

    int left = ProgressLine.connectionsLeft(before, now);
    int pods = ProgressLine.podsLeft(before, now);

    assertThat(left).isEqualTo(1000);
    assertThat(pods).isEqualTo(2);
    // 1000 connections at 100/s, then two takeover waits of 5 s one after the other
    assertThat(ProgressLine.drainSeconds(left, pods, 100, 1, 5)).isEqualTo(20);
    assertThat(ProgressLine.drainSeconds(left, pods, 100, 2, 5)).isEqualTo(15);
  }

  @Test
  void beforeTheDrainTheTimeLeftIsWhatRemainsOfTheFloorAndUnknownPastIt() {
    assertThat(ProgressLine.eta(12L, 60, 30)).isEqualTo(12);
    assertThat(ProgressLine.eta(null, 60, 20)).isEqualTo(40);
    assertThat(ProgressLine.eta(null, 60, 61)).isNull();
  }

  @Test
  void phasesAreSpelledAsTheApiSpellsThem() {
    assertThat(ProgressLine.phase(LosslessDeploymentPhase.DRAINING)).isEqualTo("Draining");
    assertThat(ProgressLine.phase(LosslessDeploymentPhase.AWAITING_PROMOTION)).isEqualTo("AwaitingPromotion");
    assertThat(ProgressLine.phase(null)).isNull();
  }
}
