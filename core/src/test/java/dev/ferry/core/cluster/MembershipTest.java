package dev.ferry.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.cluster.Membership.View;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MembershipTest {

  /** A pod that serves, and the nodes it lists as running. */
  static View serving(String pod, String... running) {
    return new View(pod, "emqx@" + pod, nodes(running), true);
  }

  /** A pod that does not serve (yet). */
  static View idle(String pod, String... running) {
    return new View(pod, "emqx@" + pod, nodes(running), false);
  }

  static java.util.Set<String> nodes(String... pods) {
    return Arrays.stream(pods).map(n -> "emqx@" + n).collect(Collectors.toSet());
  }

  @Test
  void podsThatAllSeeEachOtherAgree() {
    assertThat(Membership.disagreements(List.of(serving("a", "a", "b", "c"), serving("b", "a", "b", "c"),
        idle("c", "a", "b", "c")), Map.of())).isEmpty();
  }

  @Test
  void aNewPodReadyBeforeItJoinedIsTheOneReportedNotTheClusterThatServes() {
    // EMQX's readiness answers 200 as soon as the node runs: d is Ready but alone.
    var out = Membership.disagreements(List.of(serving("a", "a", "b", "c"), serving("b", "a", "b", "c"),
        serving("c", "a", "b", "c"), idle("d", "d")), Map.of());
    assertThat(out).containsOnlyKeys("d");
    assertThat(out.get("d")).isEqualTo("emqx@d is not a running node in the view of a, b, c (3 of 3 pods); "
        + "its own view lacks emqx@a, emqx@b, emqx@c (3 of 3 nodes)");
  }

  @Test
  void newPodsThatFormedAClusterOfTheirOwnAreOutside() {
    // The new pods joined each other but not the serving ones: two clusters, the serving one counts.
    var out = Membership.disagreements(List.of(serving("a", "a", "b"), serving("b", "a", "b"),
        idle("x", "x", "y"), idle("y", "x", "y")), Map.of());
    assertThat(out).containsOnlyKeys("x", "y");
  }

  @Test
  void aStoppedNodeInOneViewSetsThatPodApartFromTheOthers() {
    // c believes all is well, but b lists c as stopped: c is not linked to b.
    var out = Membership.disagreements(List.of(serving("a", "a", "b", "c"), serving("b", "a", "b"),
        serving("c", "a", "b", "c")), Map.of());
    assertThat(out).containsOnlyKeys("c");
    assertThat(out.get("c")).startsWith("emqx@c is not a running node in the view of b (1 of 2 pods)");
  }

  @Test
  void withNothingServingYetTheLargestLinkedGroupIsTheCluster() {
    // A first deployment: a and b joined, c is alone.
    var out = Membership.disagreements(List.of(idle("a", "a", "b"), idle("b", "a", "b"), idle("c", "c")), Map.of());
    assertThat(out).containsOnlyKeys("c");
  }

  @Test
  void aPodWhoseViewCannotBeReadIsReportedAloneAndLeftOutOfTheOthersJudgement() {
    var out = Membership.disagreements(List.of(serving("a", "a", "b"), serving("b", "a", "b")),
        Map.of("c", "GET http://10.0.0.3:18083/api/v5/nodes failed: connection refused"));
    assertThat(out).containsOnlyKeys("c");
    assertThat(out.get("c")).contains("could not be read").contains("connection refused");
  }

  @Test
  void longListsAreCut() {
    var out = Membership.disagreements(List.of(serving("a", "a", "b", "c", "d"), serving("b", "a", "b", "c", "d"),
        serving("c", "a", "b", "c", "d"), serving("d", "a", "b", "c", "d"), idle("e", "e")), Map.of());
    assertThat(out.get("e")).startsWith("emqx@e is not a running node in the view of a, b, c and 1 more (4 of 4 pods)");
  }
}
