package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.broker.EmqxProfile.Improvement;
import dev.ferry.broker.evacuation.Evacuation;
import dev.ferry.broker.evacuation.Evacuation.Observed;
import dev.ferry.broker.evacuation.EvacuationParams;
import dev.ferry.broker.evacuation.Rebalance;
import dev.ferry.broker.evacuation.Rebalance.NodeCounts;
import dev.ferry.broker.evacuation.RebalanceParams;
import dev.ferry.core.rebalance.Thresholds;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The two state machines' decisions, as each EMQX version makes them, without sockets or clocks. */
class StateMachinesTest {

  static final EmqxProfile EMQX_5_10 = EmqxProfile.DEFAULT;
  static final EmqxProfile EMQX_5_2 = EmqxProfile.DEFAULT.withVersion("5.2.1", "Enterprise");
  static final EmqxProfile EMQX_5_0 = EmqxProfile.DEFAULT.withVersion("5.0.4", "Enterprise");
  static final List<String> TARGETS = List.of("emqx@b");

  static EvacuationParams evacuation(int connRate, int sessRate) {
    return new EvacuationParams(connRate, sessRate, 5, 10, List.of(), null);
  }

  // ---- evacuation ----------------------------------------------------------------------------

  @Test
  void evacuationEvictsOneBurstPerTickAndWalksItsStates() {
    Evacuation e = new Evacuation(evacuation(200, 100), 0, 450, 1000, EMQX_5_10);
    assertThat(e.state()).isEqualTo(Evacuation.State.WAITING_HEALTH_CHECK);
    assertThat(e.tick(0, new Observed(450, 1000, 550, TARGETS))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.nextTickDelay(0)).isEqualTo(10_000);
    assertThat(e.tick(9_999, new Observed(450, 1000, 550, TARGETS))).isEqualTo(new Evacuation.Nothing());
    // The wait is over: one burst of the whole rate, the next tick a second after the work.
    assertThat(e.tick(10_000, new Observed(450, 1000, 550, TARGETS))).isEqualTo(new Evacuation.EvictConnections(200));
    assertThat(e.state()).isEqualTo(Evacuation.State.EVICTING_CONNS);
    assertThat(e.nextTickDelay(10_000)).isEqualTo(1000);
    // A tick before its time does nothing: never two bursts within a second.
    assertThat(e.tick(10_999, new Observed(250, 1000, 750, TARGETS))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.tick(11_000, new Observed(250, 1000, 750, TARGETS))).isEqualTo(new Evacuation.EvictConnections(200));
    // The last burst takes what is left; the state changes only at the tick that finds nobody.
    assertThat(e.tick(12_000, new Observed(50, 1000, 950, TARGETS))).isEqualTo(new Evacuation.EvictConnections(50));
    assertThat(e.state()).isEqualTo(Evacuation.State.EVICTING_CONNS);
    assertThat(e.tick(13_000, new Observed(0, 1000, 1000, TARGETS))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.state()).isEqualTo(Evacuation.State.WAITING_TAKEOVER);
    assertThat(e.nextTickDelay(13_000)).isEqualTo(5_000);
    assertThat(e.tick(17_999, new Observed(0, 900, 900, TARGETS))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.tick(18_000, new Observed(0, 900, 900, TARGETS))).isEqualTo(new Evacuation.MoveSessions(100, TARGETS));
    assertThat(e.state()).isEqualTo(Evacuation.State.EVICTING_SESSIONS);
    assertThat(e.tick(19_000, new Observed(0, 30, 30, TARGETS))).isEqualTo(new Evacuation.MoveSessions(30, TARGETS));
    assertThat(e.tick(20_000, new Observed(0, 0, 0, TARGETS))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.state()).isEqualTo(Evacuation.State.PROHIBITING);
    assertThat(e.refusing()).isTrue();
    assertThat(e.agentEnabled()).isTrue();
    assertThat(e.nextTickDelay(20_000)).isEqualTo(Evacuation.NO_MORE_TICKS);
  }

  @Test
  void evacuationStatsAreSnapshotsTakenBeforeEachTicksWork() {
    Evacuation e = new Evacuation(evacuation(200, 100), 0, 450, 1000, EMQX_5_10);
    // The start's snapshot, stale for the whole health-check wait (clients still come meanwhile).
    e.tick(5_000, new Observed(470, 1020, 550, TARGETS));
    assertThat(e.currentConnected()).isEqualTo(450);
    assertThat(e.currentSessions()).isEqualTo(1000);
    // Each evicting_conns tick records the count it saw before its burst: one tick behind.
    e.tick(10_000, new Observed(470, 1020, 550, TARGETS));
    assertThat(e.currentConnected()).isEqualTo(470);
    e.tick(11_000, new Observed(270, 1020, 750, TARGETS));
    assertThat(e.currentConnected()).isEqualTo(270);
    assertThat(e.currentSessions()).isEqualTo(1000); // sessions untouched until their own state
    e.tick(12_000, new Observed(70, 1020, 950, TARGETS));
    assertThat(e.currentConnected()).isEqualTo(70);
    // 0 only when the state is left.
    e.tick(13_000, new Observed(0, 1020, 1020, TARGETS));
    assertThat(e.currentConnected()).isZero();
    // Stale through the takeover wait.
    e.tick(15_000, new Observed(0, 800, 800, TARGETS));
    assertThat(e.currentSessions()).isEqualTo(1000);
    e.tick(18_000, new Observed(0, 800, 800, TARGETS));
    assertThat(e.currentSessions()).isEqualTo(800);
    // No target: a retry in 30 s, the snapshot unchanged.
    assertThat(e.tick(19_000, new Observed(0, 700, 700, List.of()))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.nextTickDelay(19_000)).isEqualTo(30_000);
    assertThat(e.currentSessions()).isEqualTo(800);
    assertThat(e.tick(20_000, new Observed(0, 700, 700, TARGETS))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.tick(49_000, new Observed(0, 700, 700, TARGETS))).isEqualTo(new Evacuation.MoveSessions(100, TARGETS));
    assertThat(e.currentSessions()).isEqualTo(700);
    e.tick(50_000, new Observed(0, 0, 0, TARGETS));
    assertThat(e.state()).isEqualTo(Evacuation.State.PROHIBITING);
    assertThat(e.currentSessions()).isZero();
  }

  @Test
  void evacuationWithoutTargetsRetriesEvery30SecondsForEver() {
    Evacuation e = new Evacuation(new EvacuationParams(10, 10, 0, 0, List.of(), null), 0, 0, 5, EMQX_5_10);
    long t = 0;
    for (int i = 0; i < 100; i++) {
      assertThat(e.tick(t, new Observed(0, 5, 5, List.of()))).isEqualTo(new Evacuation.Nothing());
      t += e.nextTickDelay(t);
    }
    assertThat(e.state()).isEqualTo(Evacuation.State.EVICTING_SESSIONS);
    assertThat(t).isGreaterThan(90 * 30_000L);
    assertThat(e.currentSessions()).isEqualTo(5); // never updated by a retry
  }

  @Test
  void enterprise50And44EvacuationsEvictAtOnceWithoutAHealthCheckWait() {
    for (EmqxProfile p : List.of(EMQX_5_0, EmqxProfile.ENTERPRISE_4_4)) {
      Evacuation e = new Evacuation(evacuation(100, 100), 0, 150, 150, p);
      assertThat(e.state()).as(p.version()).isEqualTo(Evacuation.State.EVICTING_CONNS);
      assertThat(e.refusing()).isTrue();
      assertThat(e.agentEnabled()).isTrue();
      assertThat(e.tick(0, new Observed(150, 150, 0, TARGETS))).isEqualTo(new Evacuation.EvictConnections(100));
    }
  }

  @Test
  void enterprise51To53StayAvailableAndAcceptingDuringTheWait() {
    Evacuation e = new Evacuation(evacuation(100, 100), 0, 10, 10, EMQX_5_2);
    assertThat(e.state()).isEqualTo(Evacuation.State.WAITING_HEALTH_CHECK);
    assertThat(e.agentEnabled()).isFalse(); // availability_check 200, and a valid target for others
    assertThat(e.refusing()).isFalse();
    e.tick(10_000, new Observed(10, 10, 0, TARGETS));
    assertThat(e.state()).isEqualTo(Evacuation.State.EVICTING_CONNS);
    assertThat(e.agentEnabled()).isTrue();
    assertThat(e.refusing()).isTrue();
  }

  @Test
  void enterprise54AndLaterAreUnavailableButAcceptingDuringTheWait() {
    Evacuation e = new Evacuation(evacuation(100, 100), 0, 10, 10, EMQX_5_10);
    assertThat(e.agentEnabled()).isTrue();
    assertThat(e.refusing()).isFalse();
  }

  @Test
  void enterprise51To53DropTheEvacuationWhenARebalanceTookTheAgentDuringTheWait() {
    Evacuation e = new Evacuation(evacuation(100, 100), 0, 10, 10, EMQX_5_2);
    assertThat(e.tick(10_000, new Observed(10, 10, 0, TARGETS, true))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.state()).isEqualTo(Evacuation.State.DISABLED);
    assertThat(e.refusing()).isFalse();
    assertThat(e.agentEnabled()).isFalse();
    assertThat(e.nextTickDelay(10_000)).isEqualTo(Evacuation.NO_MORE_TICKS);
  }

  @Test
  void slicedEvictionsSpreadTheRateOverTheSecond() {
    Evacuation e = new Evacuation(evacuation(200, 200), 0, 1000, 1000, EMQX_5_10.withEvictionSlices(10));
    List<Evacuation.Action> actions = new java.util.ArrayList<>();
    long t = 10_000;
    for (int i = 0; i < 10; i++) {
      actions.add(e.tick(t, new Observed(1000, 1000, 0, TARGETS)));
      assertThat(e.nextTickDelay(t)).isEqualTo(100);
      t += 100;
    }
    assertThat(actions).containsOnly(new Evacuation.EvictConnections(20));
  }

  // ---- rebalance -----------------------------------------------------------------------------

  static RebalanceParams params(int rate) {
    return new RebalanceParams(rate, rate, 1, 0, new Thresholds(5, 1.1), new Thresholds(5, 1.1), List.of());
  }

  static NodeCounts node(String name, long connections, long sessions, long disconnected) {
    return new NodeCounts(name, connections, sessions, disconnected);
  }

  static List<NodeCounts> connected(long a, long b, long c, long d) {
    return List.of(node("a", a, a, 0), node("b", b, b, 0), node("c", c, c, 0), node("d", d, d, 0));
  }

  @Test
  void nothingToBalanceWithoutRecipientsOrWhenConnectionsAndAllSessionsAreWithin() {
    // All equal: every node is a donor, none a recipient.
    assertThat(Rebalance.start(params(10), List.of(node("a", 50, 50, 0), node("b", 50, 50, 0)), 0)).isNull();
    assertThat(Rebalance.start(params(10), List.of(node("a", 100, 100, 0), node("b", 98, 98, 0)), 0)).isNull();
    // EMQX's default absolute threshold of 1,000 calls 300 against 0 balanced.
    var lenient = new RebalanceParams(10, 10, 1, 0, new Thresholds(1000, 1.1), new Thresholds(1000, 1.1), List.of());
    assertThat(Rebalance.start(lenient, List.of(node("a", 300, 300, 0), node("b", 0, 0, 0)), 0)).isNull();
    // Connections within, but all sessions (connected or not) are not: it starts.
    var sessionsApart = List.of(node("a", 10, 400, 390), node("b", 8, 8, 0));
    assertThat(Rebalance.start(params(10), sessionsApart, 0)).isNotNull();
  }

  @Test
  void everyDonorAboveTheRecipientsAverageEvictsTheFullRateAndOvershoots() {
    Rebalance r = Rebalance.start(params(40), connected(100, 100, 100, 0), 0);
    assertThat(r.donors()).containsExactly("a", "b", "c");
    assertThat(r.recipients()).containsExactly("d");
    assertThat(r.connectionGoal()).isEmpty();
    Rebalance.Orders o = r.tick(0, connected(100, 100, 100, 0));
    assertThat(r.state()).isEqualTo(Rebalance.State.EVICTING_CONNS);
    // Each donor is 25 above the mean of 75, and evicts 40: no cap at the mean.
    assertThat(o.evictConnections()).isEqualTo(Map.of("a", 40, "b", 40, "c", 40));
    assertThat(r.connectionGoal()).hasValue(0.0);
    assertThat(r.donorConnectionAverage()).hasValue(100.0);
    assertThat(r.nextTickDelay(0)).isEqualTo(1000);
    assertThat(r.tick(500, connected(60, 60, 60, 120)).evictConnections()).isEmpty(); // not its time
    // The recipient now holds twice a donor: D = 60 <= R + 5, balanced, and the goal stays the
    // last evicting tick's (a balanced tick keeps nothing).
    r.tick(1000, connected(60, 60, 60, 120));
    assertThat(r.state()).isEqualTo(Rebalance.State.WAIT_TAKEOVER);
    assertThat(r.connectionGoal()).hasValue(0.0);
    assertThat(r.nextTickDelay(1000)).isEqualTo(1000);
  }

  @Test
  void onlyDonorsAboveTheRecipientsAverageEvictAndTheTestIsOneSidedOr() {
    var start = List.of(node("a", 100, 100, 0), node("b", 60, 60, 0), node("c", 0, 0, 0), node("d", 0, 0, 0));
    Rebalance r = Rebalance.start(params(20), start, 0);
    assertThat(r.donors()).containsExactly("a", "b");
    assertThat(r.tick(0, start).evictConnections()).isEqualTo(Map.of("a", 20, "b", 20));
    // R = 35, D = 45: 45 > 35 + 5 and 45 > 35 x 1.1; only a is above 35.
    var later = List.of(node("a", 80, 80, 0), node("b", 10, 10, 0), node("c", 30, 30, 0), node("d", 40, 40, 0));
    assertThat(r.tick(1000, later).evictConnections()).isEqualTo(Map.of("a", 20));
    assertThat(r.connectionGoal()).hasValue(35.0);
    assertThat(r.donorConnectionAverage()).hasValue(45.0);
    // Recipients far above donors also count as balanced: the test only looks one way.
    r.tick(2000, List.of(node("a", 5, 5, 0), node("b", 5, 5, 0), node("c", 100, 100, 0), node("d", 50, 50, 0)));
    assertThat(r.state()).isEqualTo(Rebalance.State.WAIT_TAKEOVER);
  }

  @Test
  void sessionPhaseMovesDisconnectedSessionsAtTheFullRateUntilWithin() {
    Rebalance r = Rebalance.start(params(30), connected(100, 100, 100, 0), 0);
    r.tick(0, connected(100, 100, 100, 0));
    var afterConns = List.of(node("a", 60, 100, 40), node("b", 60, 100, 40), node("c", 60, 60, 0),
        node("d", 120, 120, 0));
    r.tick(1000, afterConns);
    assertThat(r.state()).isEqualTo(Rebalance.State.WAIT_TAKEOVER);
    // After wait_takeover: donors a and b hold 40 disconnected sessions each, above R = 0.
    Rebalance.Orders o = r.tick(2000, afterConns);
    assertThat(r.state()).isEqualTo(Rebalance.State.EVICTING_SESSIONS);
    assertThat(o.moveSessions()).isEqualTo(Map.of("a", 30, "b", 30));
    assertThat(r.disconnectedSessionGoal()).hasValue(0.0);
    assertThat(r.donorSessionAverage()).hasValue(80.0 / 3);
    var moved = List.of(node("a", 60, 70, 10), node("b", 60, 70, 10), node("c", 60, 60, 0),
        node("d", 120, 180, 60));
    r.tick(3000, moved);
    assertThat(r.state()).isEqualTo(Rebalance.State.DONE);
    assertThat(r.nextTickDelay(3000)).isEqualTo(Rebalance.NO_MORE_TICKS);
  }

  @Test
  void donorsAcceptClientsDuringTheWaitFrom54AndRefuseFromTheStartBefore() {
    var wait = new RebalanceParams(10, 10, 1, 30, new Thresholds(5, 1.1), new Thresholds(5, 1.1), List.of());
    Rebalance late = Rebalance.start(wait, connected(100, 100, 100, 0), 0, EMQX_5_10);
    assertThat(late.donorsRefusing()).isFalse();
    assertThat(late.nextTickDelay(0)).isEqualTo(30_000);
    late.tick(30_000, connected(100, 100, 100, 0));
    assertThat(late.donorsRefusing()).isTrue();
    for (EmqxProfile p : List.of(EMQX_5_2, EmqxProfile.ENTERPRISE_4_4)) {
      assertThat(Rebalance.start(wait, connected(100, 100, 100, 0), 0, p).donorsRefusing()).as(p.version()).isTrue();
    }
  }

  @Test
  void evenRebalanceCapsEachDonorAtItsExcessAndLandsBalanced() {
    EmqxProfile even = EMQX_5_10.withImprovements(Set.of(Improvement.EVEN_REBALANCE));
    Rebalance r = Rebalance.start(params(20), connected(100, 100, 100, 0), 0, even);
    Rebalance.Orders o = r.tick(0, connected(100, 100, 100, 0));
    assertThat(o.evictConnections()).isEqualTo(Map.of("a", 20, "b", 20, "c", 20));
    // Mean 75: each donor gives only its excess (5), so the recipient is not flooded past the mean.
    assertThat(r.tick(1000, connected(80, 80, 80, 60)).evictConnections()).isEqualTo(Map.of("a", 5, "b", 5, "c", 5));
    r.tick(2000, connected(75, 75, 75, 75));
    assertThat(r.state()).isEqualTo(Rebalance.State.WAIT_TAKEOVER);
    r.tick(3000, connected(75, 75, 75, 75));
    assertThat(r.state()).isEqualTo(Rebalance.State.DONE);
  }

  @Test
  void evenRebalanceCountsClientsOnTheirWayAsStillInTheCluster() {
    // Two slices a second: 20 of each donor's 40 per tick, ticks half a second apart.
    EmqxProfile even = EMQX_5_10.withImprovements(Set.of(Improvement.EVEN_REBALANCE)).withEvictionSlices(2);
    Rebalance r = Rebalance.start(params(40), connected(100, 100, 100, 0), 0, even);
    assertThat(r.tick(0, connected(100, 100, 100, 0)).evictConnections()).isEqualTo(Map.of("a", 20, "b", 20, "c", 20));
    assertThat(r.nextTickDelay(0)).isEqualTo(500);
    // The 60 have not landed yet (no node counts them) but still belong to the mean of 75: each
    // donor gives the 5 it has left above it, not the 20 that a mean of 60 would ask.
    assertThat(r.tick(500, connected(80, 80, 80, 0)).evictConnections()).isEqualTo(Map.of("a", 5, "b", 5, "c", 5));
  }
}
