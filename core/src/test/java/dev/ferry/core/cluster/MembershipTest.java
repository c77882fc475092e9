package dev.ferry.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.cluster.Membership.View;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MembershipTest {

  static View view(String pod, String... running) {
    return new View(pod, "emqx@" + pod, Set.of(running).stream().map(n -> "emqx@" + n).collect(java.util.stream.Collectors.toSet()));
  }

  @Test
  void podsThatAllSeeEachOtherAgree() {
    assertThat(Membership.disagreements(List.of(view("a", "a", "b", "c"), view("b", "a", "b", "c"),
        view("c", "a", "b", "c")), Map.of())).isEmpty();
  }

  @Test
  void aNewPodReadyBeforeItJoinedIsNamedWithWhoDoesNotSeeIt() {
    // EMQX's readiness answers 200 as soon as the node runs: d is Ready but alone.
    var out = Membership.disagreements(List.of(view("a", "a", "b", "c"), view("b", "a", "b", "c"),
        view("c", "a", "b", "c"), view("d", "d")), Map.of());
    assertThat(out.get("d")).isEqualTo("emqx@d is not a running node in the view of a, b, c (3 of 3 pods); "
        + "its own view lacks emqx@a, emqx@b, emqx@c (3 of 3 nodes)");
    // Judged strictly: the others cannot take clients over either while the cluster is not whole.
    assertThat(out.get("a")).isEqualTo("emqx@a is not a running node in the view of d (1 of 3 pods); "
        + "its own view lacks emqx@d (1 of 3 nodes)");
  }

  @Test
  void aStoppedNodeInSomeonesViewCountsAsNotRunning() {
    // b's view lists c as stopped: the views disagree even though c thinks all is well.
    var out = Membership.disagreements(List.of(view("a", "a", "b", "c"), view("b", "a", "b"), view("c", "a", "b", "c")),
        Map.of());
    assertThat(out.get("c")).startsWith("emqx@c is not a running node in the view of b (1 of 2 pods)");
    assertThat(out.get("b")).isEqualTo("its own view lacks emqx@c (1 of 2 nodes)");
    assertThat(out).doesNotContainKey("a");
  }

  @Test
  void aPodWhoseViewCannotBeReadIsReportedAloneAndLeftOutOfTheOthersAgreement() {
    var out = Membership.disagreements(List.of(view("a", "a", "b"), view("b", "a", "b")),
        Map.of("c", "GET http://10.0.0.3:18083/api/v5/nodes failed: connection refused"));
    assertThat(out).containsOnlyKeys("c");
    assertThat(out.get("c")).contains("could not be read").contains("connection refused");
  }

  @Test
  void longListsAreCut() {
    var out = Membership.disagreements(List.of(view("a", "a", "b", "c", "d"), view("b", "a", "b", "c", "d"),
        view("c", "a", "b", "c", "d"), view("d", "a", "b", "c", "d"), view("e", "e")), Map.of());
    assertThat(out.get("e")).startsWith("emqx@e is not a running node in the view of a, b, c and 1 more (4 of 4 pods)");
  }
}
