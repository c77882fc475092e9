package dev.ferry.core.rebalance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.rebalance.RebalancePlan.Action;
import dev.ferry.core.rebalance.RebalancePlan.Member;
import dev.ferry.core.rebalance.RebalancePlan.Observation;
import dev.ferry.core.rebalance.RebalancePlan.Phase;
import dev.ferry.core.rebalance.RebalancePlan.Rounds;
import dev.ferry.core.rebalance.RebalancePlan.Running;
import dev.ferry.core.rebalance.RebalancePlan.StartRefusal;
import dev.ferry.core.rebalance.RebalancePlan.Step;
import dev.ferry.core.rebalance.RebalancePlan.TargetIssue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every transition of the Rebalance resource, one observation at a time. */
class RebalancePlanTest {
  static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  static final Thresholds T = new Thresholds(10, 1.1);
  static final List<String> DONORS = List.of("emqx@n0", "emqx@n1", "emqx@n2");
  static final List<String> DONOR_PODS = List.of("mqtt-0", "mqtt-1", "mqtt-2");

  /** Three loaded nodes and a new empty one, after a scale-out. */
  static List<Member> scaledOut(boolean donorsOpen) {
    List<Member> m = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      m.add(new Member("mqtt-" + i, new NodeLoad("emqx@n" + i, 1000, 1000), donorsOpen));
    }
    m.add(new Member("mqtt-3", new NodeLoad("emqx@n3", 0, 0), true));
    return m;
  }

  /** A builder of observations: Pending, nothing held, nothing running, the scaled-out nodes. */
  static final class Obs {
    Phase phase = Phase.Pending;
    boolean deleting;
    TargetIssue issue;
    List<Member> members = scaledOut(true);
    String silent;
    List<String> held = List.of();
    String coordinator;
    Running running = Running.NO;
    List<String> donors = List.of();
    StartRefusal refusal;
    Thresholds conns = T;
    Thresholds sessions = T;
    Rounds rounds = Rounds.none(300);
    RebalancePlan.ServiceView service = RebalancePlan.ServiceView.UNKNOWN;

    Obs phase(Phase p) { phase = p; return this; }
    Obs members(List<Member> m) { members = m; return this; }
    Obs held(List<String> h) { held = h; return this; }
    Obs running(Running r, String coordinator, List<String> donors) {
      this.running = r;
      this.coordinator = coordinator;
      this.donors = donors;
      return this;
    }
    Obs issue(String i) { issue = TargetIssue.releasing(i); return this; }
    Obs unhealthy(String i) { issue = TargetIssue.unhealthy(i); return this; }
    Obs refusal(StartRefusal r) { refusal = r; return this; }
    Obs deleting() { deleting = true; return this; }
    Obs rounds(Rounds r) { rounds = r; return this; }
    Obs service(RebalancePlan.ServiceView v) { service = v; return this; }

    Step next() {
      return RebalancePlan.next(new Observation(phase, deleting, issue, members, silent, held, coordinator, running, donors,
          refusal, conns, sessions, rounds, service, NOW));
    }
  }

  static Obs obs() {
    return new Obs();
  }

  @Test
  void waitsWhileTheTargetReleasesOrIsDegraded() {
    Step s = obs().issue("target mqtt is releasing (phase Draining)").next();
    assertThat(s.phase()).isEqualTo(Phase.Pending);
    assertThat(s.reason()).isEqualTo("WaitingForTarget");
    assertThat(s.action()).isInstanceOf(Action.Wait.class);
  }

  @Test
  void holdsAndClosesThePredictedDonorsThenStartsOnARecipient() {
    Step s = obs().next();
    assertThat(s.action()).isEqualTo(new Action.Hold(DONOR_PODS));
    assertThat(s.phase()).isEqualTo(Phase.Pending);
    s = obs().members(scaledOut(false)).held(DONOR_PODS).next();
    // 300 a second across the cluster, half of it a tick (the clients of two of EMQX's once-a-second
    // bursts can come back within one second): 50 from each of the three donors (each 250 above the mean).
    assertThat(s.action()).isEqualTo(new Action.Start("emqx@n3",
        List.of("emqx@n0", "emqx@n1", "emqx@n2", "emqx@n3"), DONORS, 50, 3000, 1));
    assertThat(s.phase()).isEqualTo(Phase.Processing);
  }

  @Test
  void aRoundStartsOnlyOnceTheServicesProxiesHaveDroppedThePodsHeldOut() {
    var closed = java.util.Map.of("mqtt-0", NOW.minusSeconds(1), "mqtt-1", NOW.minusSeconds(1),
        "mqtt-2", NOW.minusSeconds(1));
    var fiveSeconds = java.time.Duration.ofSeconds(5);
    Step listed = obs().members(scaledOut(false)).held(DONOR_PODS)
        .service(new RebalancePlan.ServiceView(java.util.Set.of("mqtt-1"), closed, fiveSeconds)).next();
    assertThat(listed.action()).isInstanceOf(Action.Wait.class);
    assertThat(listed.reason()).isEqualTo("WaitingForEndpoints");
    assertThat(listed.message()).contains("still listed as serving: mqtt-1");

    Step propagating = obs().members(scaledOut(false)).held(DONOR_PODS)
        .service(new RebalancePlan.ServiceView(java.util.Set.of(), closed, fiveSeconds)).next();
    assertThat(propagating.action()).isEqualTo(new Action.Wait(NOW.plusSeconds(4)));
    assertThat(propagating.phase()).isEqualTo(Phase.Pending);

    Step dropped = obs().members(scaledOut(false)).held(DONOR_PODS)
        .service(new RebalancePlan.ServiceView(java.util.Set.of(), closed, java.time.Duration.ofSeconds(1))).next();
    assertThat(dropped.action()).isInstanceOf(Action.Start.class);
  }

  @Test
  void aClosedGateNobodyHoldsIsHeldBeforeTheStart() {
    // Closed by someone else (a release that just ended, a person): held now, so it is put back later.
    Step s = obs().members(scaledOut(false)).held(List.of("mqtt-0", "mqtt-1")).next();
    assertThat(s.action()).isEqualTo(new Action.Hold(List.of("mqtt-2")));
  }

  @Test
  void alreadyBalancedCompletesAtOnce() {
    List<Member> even = List.of(
        new Member("a", new NodeLoad("emqx@a", 100, 100), true),
        new Member("b", new NodeLoad("emqx@b", 95, 95), true));
    Step s = obs().members(even).next();
    assertThat(s.phase()).isEqualTo(Phase.Completed);
    assertThat(s.reason()).isEqualTo("NothingToBalance");
  }

  @Test
  void nothingToBalanceFromTheBrokerCompletesWithEveryGateOpen() {
    StartRefusal said = new StartRefusal(1, "error on node 'emqx@n3': nothing_to_balance", true);
    Step s = obs().members(scaledOut(false)).held(DONOR_PODS).refusal(said).next();
    assertThat(s.action()).isEqualTo(new Action.Unhold(DONOR_PODS));
    s = obs().refusal(said).next();
    assertThat(s.phase()).isEqualTo(Phase.Completed);
    assertThat(s.reason()).isEqualTo("NothingToBalance");
    assertThat(s.message()).contains("already balanced");
  }

  @Test
  void aRefusedStartIsTriedAgainThenFailsWithEveryGateOpen() {
    StartRefusal once = new StartRefusal(1, "Nodes unavailable: emqx@n1", false);
    Step s = obs().members(scaledOut(false)).held(DONOR_PODS).refusal(once).next();
    assertThat(s.action()).isInstanceOf(Action.Start.class);
    StartRefusal thrice = new StartRefusal(RebalancePlan.START_ATTEMPTS, "Nodes unavailable: emqx@n1", false);
    s = obs().members(scaledOut(false)).held(DONOR_PODS).refusal(thrice).next();
    assertThat(s.action()).isEqualTo(new Action.Unhold(DONOR_PODS));
    assertThat(s.phase()).isEqualTo(Phase.Pending);
    s = obs().refusal(thrice).next();
    assertThat(s.phase()).isEqualTo(Phase.Failed);
    assertThat(s.reason()).isEqualTo("StartRefused");
    assertThat(s.message()).contains("3 times").contains("Nodes unavailable");
  }

  @Test
  void followsTheBrokerAndShowsWhatIsLeftToMove() {
    Step s = obs().phase(Phase.Processing).members(scaledOut(false)).held(DONOR_PODS)
        .running(Running.YES, "emqx@n3", DONORS).next();
    assertThat(s.action()).isInstanceOf(Action.Wait.class);
    assertThat(s.phase()).isEqualTo(Phase.Processing);
    assertThat(s.message()).contains("still to move");
  }

  @Test
  void aPredictedDonorTheBrokerDidNotPickGoesBackAtOnce() {
    Step s = obs().phase(Phase.Processing).members(scaledOut(false)).held(DONOR_PODS)
        .running(Running.YES, "emqx@n3", List.of("emqx@n0", "emqx@n1")).next();
    assertThat(s.action()).isEqualTo(new Action.Unhold(List.of("mqtt-2")));
    assertThat(s.phase()).isEqualTo(Phase.Processing);
  }

  @Test
  void aDonorNobodyPredictedIsTakenOut() {
    List<Member> m = scaledOut(false);
    m.set(1, new Member("mqtt-1", m.get(1).load(), true));
    Step s = obs().phase(Phase.Processing).members(m).held(List.of("mqtt-0", "mqtt-2"))
        .running(Running.YES, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Hold(List.of("mqtt-1")));
  }

  @Test
  void aCoordinatorThatCannotBeAskedProvesNothing() {
    Step s = obs().phase(Phase.Processing).members(scaledOut(false)).held(DONOR_PODS)
        .running(Running.UNKNOWN, "emqx@n3", DONORS).next();
    assertThat(s.action()).isInstanceOf(Action.Wait.class);
    assertThat(s.phase()).isEqualTo(Phase.Processing);
    assertThat(s.reason()).isEqualTo("CoordinatorUnknown");
  }

  @Test
  void silentBrokersHoldBackAStartAndOnlyPauseARunningRebalance() {
    Obs o = obs();
    o.silent = "{mqtt-1=GET http://10.0.0.2:18083/api/v5/nodes failed: connect timed out}";
    Step s = o.next();
    assertThat(s.action()).isInstanceOf(Action.Wait.class);
    assertThat(s.message()).contains("do not answer").contains("mqtt-1");
    o = obs().phase(Phase.Processing).members(scaledOut(false).subList(2, 4)).held(DONOR_PODS)
        .running(Running.YES, "emqx@n3", DONORS);
    o.silent = "{mqtt-0=..., mqtt-1=...}";
    s = o.next();
    assertThat(s.action()).as("no held pod is let go on a partial picture").isInstanceOf(Action.Wait.class);
    assertThat(s.reason()).isEqualTo("BrokersSilent");
  }

  @Test
  void anEntryThatVanishedPutsEveryHeldPodBackThenIsJudged() {
    Step s = obs().phase(Phase.Processing).members(scaledOut(false)).held(DONOR_PODS)
        .running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Unhold(DONOR_PODS));
    s = obs().phase(Phase.Processing).running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.phase()).isEqualTo(Phase.Failed);
    assertThat(s.reason()).isEqualTo("NotBalanced");
  }

  @Test
  void balanceIsJudgedAsTheBrokerDoesOnLiveConnectionsAndDisconnectedSessions() {
    // Live connections within 60; disconnected sessions 100 against 95 (within 10); all sessions 1,100
    // against 1,045 would not be. EMQX's rebalance ends here, content, and so does Ferry.
    List<Member> after = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      after.add(new Member("mqtt-" + i, new NodeLoad("emqx@n" + i, 1000, 1100), true));
    }
    after.add(new Member("mqtt-3", new NodeLoad("emqx@n3", 950, 1045), true));
    Obs o = obs().phase(Phase.Processing).members(after).running(Running.NO, "emqx@n3", DONORS);
    o.conns = new Thresholds(60, 1.01);
    o.sessions = new Thresholds(10, 1.01);
    Step s = o.next();
    assertThat(s.phase()).isEqualTo(Phase.Completed);
    assertThat(s.reason()).isEqualTo("Balanced");
  }

  @Test
  void aTargetThatStartsReleasingStopsTheRebalanceOnItsCoordinator() {
    Step s = obs().phase(Phase.Processing).members(scaledOut(false)).held(DONOR_PODS).issue("target is releasing")
        .running(Running.YES, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Stop("emqx@n3"));
    s = obs().phase(Phase.Processing).members(scaledOut(false)).held(DONOR_PODS).issue("target is releasing")
        .running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Unhold(DONOR_PODS));
    s = obs().phase(Phase.Processing).issue("target is releasing").running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.phase()).isEqualTo(Phase.Failed);
    assertThat(s.reason()).isEqualTo("TargetChanged");
  }

  @Test
  void aTargetShortOfPodsOnlyBecauseTheDonorsWereJustPutBackIsWaitedForThenJudged() {
    // The broker's rebalance ended and the donors were let go: until the target's own reconcile
    // opens their gates, it reports Degraded. That gap is this Rebalance's own doing, not a change.
    Step s = obs().phase(Phase.Processing).members(scaledOut(false)).unhealthy("target mqtt is not healthy")
        .running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.phase()).isEqualTo(Phase.Processing);
    assertThat(s.reason()).isEqualTo("WaitingForTarget");
    assertThat(s.action()).isInstanceOf(Action.Wait.class);
    // While it still runs, a target that stops serving with all its pods stops it, as before.
    s = obs().phase(Phase.Processing).members(scaledOut(false)).held(DONOR_PODS).unhealthy("target mqtt is not healthy")
        .running(Running.YES, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Stop("emqx@n3"));
  }

  @Test
  void deletedWhileRunningStopsOnTheCoordinatorPutsEveryPodBackThenReleases() {
    Step s = obs().phase(Phase.Processing).deleting().held(DONOR_PODS).running(Running.YES, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Stop("emqx@n3"));
    s = obs().phase(Phase.Processing).deleting().held(DONOR_PODS).running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Unhold(DONOR_PODS));
    s = obs().phase(Phase.Processing).deleting().running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Release());
  }

  @Test
  void deletedBeforeItStartedPutsTheHeldPodsBack() {
    Step s = obs().deleting().held(DONOR_PODS).next();
    assertThat(s.action()).isEqualTo(new Action.Unhold(DONOR_PODS));
  }

  @Test
  void deletedWhileTheCoordinatorCannotBeAskedWaits() {
    Step s = obs().phase(Phase.Processing).deleting().held(DONOR_PODS).running(Running.UNKNOWN, "emqx@n3", DONORS).next();
    assertThat(s.action()).isInstanceOf(Action.Wait.class);
    assertThat(s.reason()).isEqualTo("CoordinatorUnknown");
  }

  @Test
  void aFinishedRebalanceThatStillHoldsAPodPutsItBack() {
    Step s = obs().phase(Phase.Completed).held(List.of("mqtt-1")).next();
    assertThat(s.action()).isEqualTo(new Action.Unhold(List.of("mqtt-1")));
    assertThat(s.phase()).isEqualTo(Phase.Completed);
    assertThat(obs().phase(Phase.Failed).next().action()).isInstanceOf(Action.Wait.class);
  }

  /** Nodes n0, n1, ... with these connections; the first {@code closed} have their gates closed. */
  static List<Member> loads(int closed, long... connections) {
    List<Member> m = new ArrayList<>();
    for (int i = 0; i < connections.length; i++) {
      m.add(new Member("mqtt-" + i, new NodeLoad("emqx@n" + i, connections[i], connections[i]), i >= closed));
    }
    return m;
  }

  @Test
  void aRoundIsStoppedBeforeATickCouldFillTheRecipientPastTheMean() {
    // Mean 750. Two donors at 800, a node at 700 held out of the Service (below the mean, but not
    // the round's recipient), the recipient at 660 with 40 on their way: two donors at 30 a tick
    // would bring 60 more, 760, past the mean, though each donor still has 50 to give.
    Rounds r2 = new Rounds(300, 3000, 2, 30, null, java.time.Duration.ofSeconds(2));
    Step s = obs().phase(Phase.Processing).members(loads(3, 800, 800, 700, 660))
        .held(List.of("mqtt-0", "mqtt-1", "mqtt-2")).rounds(r2)
        .running(Running.YES, "emqx@n3", List.of("emqx@n0", "emqx@n1")).next();
    assertThat(s.reason()).isEqualTo("EndingRound");
    assertThat(s.message()).contains("emqx@n3 has 660 and 40 on their way, of a mean of 750, and a tick brings 60");
  }

  @Test
  void aRoundIsStoppedBeforeATickCouldTakeADonorBelowTheMeanCountingClientsOnTheirWay() {
    // 3,000 clients when it started, 100 a tick from each donor. 240 are on their way: live counts
    // say the mean is 690, but it is 750, and a donor at 840 has 90 left, less than a tick.
    Rounds r1 = new Rounds(300, 3000, 1, 100, null, java.time.Duration.ofSeconds(2));
    Step s = obs().phase(Phase.Processing).members(loads(3, 1000, 1000, 1000, 0)).held(DONOR_PODS).rounds(r1)
        .running(Running.YES, "emqx@n3", DONORS).next();
    assertThat(s.reason()).isEqualTo("Rebalancing");
    s = obs().phase(Phase.Processing).members(loads(3, 840, 840, 840, 240)).held(DONOR_PODS).rounds(r1)
        .running(Running.YES, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Stop("emqx@n3"));
    assertThat(s.reason()).isEqualTo("EndingRound");
    assertThat(s.message()).contains("emqx@n0 is 90 above the mean of 750 and a tick takes 100");
  }

  @Test
  void anEndedRoundIsJudgedBothWaysOnceItsClientsLandedAndAnOvershootGetsAnotherRound() {
    java.time.Duration settle = java.time.Duration.ofSeconds(2);
    // Ended a second ago: the donors stay out of the Service while the evicted clients land.
    Rounds ended = new Rounds(300, 3000, 1, 0, NOW.minusSeconds(1), settle);
    Step s = obs().phase(Phase.Processing).members(loads(3, 600, 600, 600, 1200)).held(DONOR_PODS).rounds(ended)
        .running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.reason()).isEqualTo("RoundEnded");
    assertThat(s.action()).isEqualTo(new Action.Wait(NOW.plusSeconds(1)));

    // EMQX's one-sided test passes this (donors 600 ≤ recipient 1,200); Ferry's does not. The new
    // node is the next round's donor, one old node its recipient (the Service spreads clients evenly
    // over the nodes it sends to: one recipient cannot be overfilled by its neighbours' share).
    Rounds settled = new Rounds(300, 3000, 1, 0, NOW.minusSeconds(3), settle);
    s = obs().phase(Phase.Processing).members(loads(3, 600, 600, 600, 1200)).held(DONOR_PODS).rounds(settled)
        .running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Unhold(List.of("mqtt-0")));
    List<Member> afterUnhold = loads(0, 600, 600, 600, 1200);
    afterUnhold.set(1, new Member("mqtt-1", new NodeLoad("emqx@n1", 600, 600), false));
    afterUnhold.set(2, new Member("mqtt-2", new NodeLoad("emqx@n2", 600, 600), false));
    s = obs().phase(Phase.Processing).members(afterUnhold).held(List.of("mqtt-1", "mqtt-2")).rounds(settled)
        .running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.action()).isEqualTo(new Action.Hold(List.of("mqtt-3")));
    List<Member> held = new ArrayList<>(afterUnhold);
    held.set(3, new Member("mqtt-3", new NodeLoad("emqx@n3", 1200, 1200), false));
    s = obs().phase(Phase.Processing).members(held).held(List.of("mqtt-1", "mqtt-2", "mqtt-3")).rounds(settled)
        .running(Running.NO, "emqx@n3", DONORS).next();
    // 75 a tick: half of what the recipient lacks (150), so the round can stop before it is full.
    assertThat(s.action()).isEqualTo(new Action.Start("emqx@n0", List.of("emqx@n0", "emqx@n3"), List.of("emqx@n3"),
        75, 3000, 2));
    assertThat(s.reason()).isEqualTo("NextRound");

    s = obs().phase(Phase.Processing).members(loads(0, 755, 745, 750, 750)).rounds(settled)
        .running(Running.NO, "emqx@n0", List.of("emqx@n3")).next();
    assertThat(s.phase()).isEqualTo(Phase.Completed);
    assertThat(s.message()).startsWith("balanced both ways after 1 round");

    Rounds last = new Rounds(300, 3000, RebalancePlan.MAX_ROUNDS, 0, NOW.minusSeconds(3), settle);
    s = obs().phase(Phase.Processing).members(loads(0, 600, 600, 600, 1200)).rounds(last)
        .running(Running.NO, "emqx@n3", DONORS).next();
    assertThat(s.phase()).isEqualTo(Phase.Failed);
    assertThat(s.reason()).isEqualTo("NotBalanced");
  }
}
