package dev.ferry.core.rebalance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.rebalance.RebalancePlan.Action;
import dev.ferry.core.rebalance.RebalancePlan.Member;
import dev.ferry.core.rebalance.RebalancePlan.Observation;
import dev.ferry.core.rebalance.RebalancePlan.Phase;
import dev.ferry.core.rebalance.RebalancePlan.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every transition of the Rebalance resource (DESIGN §4 "Rebalance"). */
class RebalancePlanTest {
  static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  static final Thresholds T = new Thresholds(10, 1.1);

  /** Three loaded nodes and a new empty one, after a scale-out. */
  static List<Member> scaledOut(boolean donorsOpen) {
    List<Member> m = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      m.add(new Member("mqtt-" + i, new NodeLoad("emqx@n" + i, 1000, 1000), donorsOpen));
    }
    m.add(new Member("mqtt-3", new NodeLoad("emqx@n3", 0, 0), true));
    return m;
  }

  static Observation obs(Phase phase, String issue, List<Member> members, List<String> donors, boolean running) {
    return new Observation(phase, false, issue, members, donors, running, T, T, NOW);
  }

  static final List<String> DONORS = List.of("emqx@n0", "emqx@n1", "emqx@n2");

  @Test
  void waitsWhileTheTargetReleasesOrIsDegraded() {
    Step s = RebalancePlan.next(obs(Phase.Pending, "target mqtt is releasing (phase Draining)", scaledOut(true), List.of(), false));
    assertThat(s.phase()).isEqualTo(Phase.Pending);
    assertThat(s.reason()).isEqualTo("WaitingForTarget");
    assertThat(s.message()).contains("releasing");
    assertThat(s.action()).isInstanceOf(Action.Wait.class);
  }

  @Test
  void closesTheDonorsGatesThenStartsOnARecipient() {
    Step s = RebalancePlan.next(obs(Phase.Pending, null, scaledOut(true), List.of(), false));
    assertThat(s.action()).isEqualTo(new Action.SetGates(Map.of("mqtt-0", false, "mqtt-1", false, "mqtt-2", false)));
    assertThat(s.phase()).isEqualTo(Phase.Pending);
    s = RebalancePlan.next(obs(Phase.Pending, null, scaledOut(false), List.of(), false));
    assertThat(s.action()).isEqualTo(new Action.Start("emqx@n3",
        List.of("emqx@n0", "emqx@n1", "emqx@n2", "emqx@n3"), DONORS));
    assertThat(s.phase()).isEqualTo(Phase.Processing);
  }

  @Test
  void alreadyBalancedCompletesAtOnce() {
    List<Member> even = List.of(
        new Member("a", new NodeLoad("emqx@a", 100, 100), true),
        new Member("b", new NodeLoad("emqx@b", 95, 95), true));
    Step s = RebalancePlan.next(obs(Phase.Pending, null, even, List.of(), false));
    assertThat(s.phase()).isEqualTo(Phase.Completed);
    assertThat(s.reason()).isEqualTo("NothingToBalance");
  }

  @Test
  void followsTheBrokerAndShowsWhatIsLeftToMove() {
    Step s = RebalancePlan.next(obs(Phase.Processing, null, scaledOut(false), DONORS, true));
    assertThat(s.phase()).isEqualTo(Phase.Processing);
    assertThat(s.message()).contains("still to move");
  }

  @Test
  void anEntryThatVanishedIsJudgedByTheBalancedTestNotAssumedDone() {
    // Vanished while still unbalanced: coordinator lost or stopped. Donors are reopened first.
    Step s = RebalancePlan.next(obs(Phase.Processing, null, scaledOut(false), DONORS, false));
    assertThat(s.action()).isEqualTo(new Action.SetGates(Map.of("mqtt-0", true, "mqtt-1", true, "mqtt-2", true)));
    s = RebalancePlan.next(obs(Phase.Processing, null, scaledOut(true), DONORS, false));
    assertThat(s.phase()).isEqualTo(Phase.Failed);
    assertThat(s.reason()).isEqualTo("NotBalanced");

    List<Member> balanced = List.of(
        new Member("mqtt-0", new NodeLoad("emqx@n0", 755, 755), true),
        new Member("mqtt-1", new NodeLoad("emqx@n1", 752, 752), true),
        new Member("mqtt-2", new NodeLoad("emqx@n2", 750, 750), true),
        new Member("mqtt-3", new NodeLoad("emqx@n3", 743, 743), true));
    s = RebalancePlan.next(obs(Phase.Processing, null, balanced, DONORS, false));
    assertThat(s.phase()).isEqualTo(Phase.Completed);
    assertThat(s.reason()).isEqualTo("Balanced");
  }

  @Test
  void aTargetThatStartsAReleaseStopsTheRebalance() {
    Step s = RebalancePlan.next(obs(Phase.Processing, "target mqtt is releasing", scaledOut(false), DONORS, true));
    assertThat(s.action()).isEqualTo(new Action.Stop("emqx@n3"));
    s = RebalancePlan.next(obs(Phase.Processing, "target mqtt is releasing", scaledOut(false), DONORS, false));
    assertThat(s.action()).isInstanceOf(Action.SetGates.class);
    s = RebalancePlan.next(obs(Phase.Processing, "target mqtt is releasing", scaledOut(true), DONORS, false));
    assertThat(s.phase()).isEqualTo(Phase.Failed);
  }

  @Test
  void deletedWhileRunningStopsReopensThenReleasesTheFinalizer() {
    Observation running = new Observation(Phase.Processing, true, null, scaledOut(false), DONORS, true, T, T, NOW);
    assertThat(RebalancePlan.next(running).action()).isEqualTo(new Action.Stop("emqx@n3"));
    Observation stopped = new Observation(Phase.Processing, true, null, scaledOut(false), DONORS, false, T, T, NOW);
    assertThat(RebalancePlan.next(stopped).action()).isInstanceOf(Action.SetGates.class);
    Observation reopened = new Observation(Phase.Processing, true, null, scaledOut(true), DONORS, false, T, T, NOW);
    assertThat(RebalancePlan.next(reopened).action()).isEqualTo(new Action.Release());
  }

  @Test
  void aFinishedRebalanceNeverLeavesADonorOutOfTheService() {
    Step s = RebalancePlan.next(obs(Phase.Completed, null, scaledOut(false), DONORS, false));
    assertThat(s.action()).isInstanceOf(Action.SetGates.class);
    s = RebalancePlan.next(obs(Phase.Completed, null, scaledOut(true), DONORS, false));
    assertThat(s.action()).isInstanceOf(Action.Wait.class);
  }
}
