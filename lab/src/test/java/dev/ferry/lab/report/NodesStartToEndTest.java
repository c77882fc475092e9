package dev.ferry.lab.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's "clients per node, start -> end" line: shown where the nodes were kept, not where a release replaced them. */
class NodesStartToEndTest {

  static ScenarioReport.Timeline timeline(Map<String, int[]> perNode) {
    return new ScenarioReport.Timeline(new int[3], new int[3], perNode);
  }

  @Test
  void aNodeThatJoinedCountsZeroAtTheStart() {
    Map<String, int[]> perNode = new LinkedHashMap<>();
    perNode.put("a", new int[] {-1, 0, 40});
    perNode.put("b", new int[] {120, 120, 80});
    assertThat(timeline(perNode).nodesStartToEnd()).isEqualTo("0/120 -> 40/80");
  }

  @Test
  void aLastSecondTheMeterMissedIsNotTheEnd() {
    Map<String, int[]> perNode = new LinkedHashMap<>();
    perNode.put("a", new int[] {-1, 40, -1});
    perNode.put("b", new int[] {120, 80, -1});
    assertThat(timeline(perNode).nodesStartToEnd()).isEqualTo("0/120 -> 40/80");
  }

  @Test
  void nodesGoneByTheEndMeanTheReleaseReplacedThem() {
    Map<String, int[]> perNode = new LinkedHashMap<>();
    perNode.put("old", new int[] {120, 60, -1});
    perNode.put("new", new int[] {-1, 60, 120});
    assertThat(timeline(perNode).nodesStartToEnd()).isNull();
  }
}
