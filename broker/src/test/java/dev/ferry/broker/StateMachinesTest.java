package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.broker.evacuation.Evacuation;
import dev.ferry.broker.evacuation.EvacuationParams;
import dev.ferry.broker.evacuation.Rebalance;
import dev.ferry.broker.evacuation.RebalanceParams;
import dev.ferry.core.rebalance.NodeLoad;
import dev.ferry.core.rebalance.Thresholds;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The two state machines' decisions, without sockets or clocks. */
class StateMachinesTest {

  @Test
  void evacuationWalksItsStatesAtTheRate() {
    Evacuation e = new Evacuation(new EvacuationParams(200, 100, 5, 10, List.of(), null), 0, 1000, 1000);
    var targets = List.of("emqx@b");
    assertThat(e.tick(0, new Evacuation.Observed(1000, 1000, 0, targets))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.refusing()).isFalse();
    assertThat(e.tick(10_000, new Evacuation.Observed(1000, 1000, 0, targets))).isEqualTo(new Evacuation.EvictConnections(200));
    assertThat(e.state()).isEqualTo(Evacuation.State.EVICTING_CONNS);
    assertThat(e.refusing()).isTrue();
    // A late tick followed by an early one never grants two budgets in one second.
    assertThat(e.tick(10_999, new Evacuation.Observed(800, 1000, 200, targets))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.tick(11_000, new Evacuation.Observed(800, 1000, 200, targets))).isEqualTo(new Evacuation.EvictConnections(200));
    assertThat(e.tick(12_000, new Evacuation.Observed(0, 1000, 1000, targets))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.state()).isEqualTo(Evacuation.State.WAITING_TAKEOVER);
    assertThat(e.tick(16_999, new Evacuation.Observed(0, 900, 900, targets))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.tick(17_000, new Evacuation.Observed(0, 900, 900, targets))).isEqualTo(new Evacuation.MoveSessions(100, targets));
    assertThat(e.state()).isEqualTo(Evacuation.State.EVICTING_SESSIONS);
    // No target: retry only after 30 s.
    assertThat(e.tick(18_000, new Evacuation.Observed(0, 800, 800, List.of()))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.tick(19_000, new Evacuation.Observed(0, 800, 800, targets))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.tick(48_000, new Evacuation.Observed(0, 800, 800, targets))).isEqualTo(new Evacuation.MoveSessions(100, targets));
    assertThat(e.tick(49_000, new Evacuation.Observed(0, 0, 0, targets))).isEqualTo(new Evacuation.Nothing());
    assertThat(e.state()).isEqualTo(Evacuation.State.PROHIBITING);
    assertThat(e.refusing()).isTrue();
  }

  static RebalanceParams params(int rate) {
    return new RebalanceParams(rate, rate, 1, 0, new Thresholds(5, 1.1), new Thresholds(5, 1.1), List.of());
  }

  @Test
  void balancedClusterHasNothingToBalance() {
    assertThat(Rebalance.start(params(10), List.of(new NodeLoad("a", 100, 100), new NodeLoad("b", 98, 98)), 0)).isNull();
  }

  @Test
  void rebalanceEvictsFromDonorsUntilBalancedThenEnds() {
    var loads = List.of(new NodeLoad("a", 100, 100), new NodeLoad("b", 100, 100), new NodeLoad("c", 100, 100),
        new NodeLoad("d", 0, 0));
    Rebalance r = Rebalance.start(params(20), loads, 0);
    assertThat(r.split().donors()).containsExactly("a", "b", "c");
    assertThat(r.split().recipients()).containsExactly("d");
    Rebalance.Orders o = r.tick(0, loads, Map.of());
    assertThat(r.state()).isEqualTo(Rebalance.State.EVICTING_CONNS);
    assertThat(o.evictConnections()).isEqualTo(Map.of("a", 20, "b", 20, "c", 20));
    var after = List.of(new NodeLoad("a", 80, 80), new NodeLoad("b", 80, 80), new NodeLoad("c", 80, 80),
        new NodeLoad("d", 60, 60));
    assertThat(r.tick(500, after, Map.of()).evictConnections()).isEmpty(); // the pacer's window
    // Mean 75: each donor gives only its excess (5), so the recipient is not flooded past the mean.
    assertThat(r.tick(1000, after, Map.of()).evictConnections()).isEqualTo(Map.of("a", 5, "b", 5, "c", 5));
    var balanced = List.of(new NodeLoad("a", 75, 75), new NodeLoad("b", 75, 75), new NodeLoad("c", 75, 75),
        new NodeLoad("d", 75, 75));
    r.tick(2000, balanced, Map.of());
    assertThat(r.state()).isEqualTo(Rebalance.State.WAIT_TAKEOVER);
    r.tick(3000, balanced, Map.of());
    assertThat(r.state()).isEqualTo(Rebalance.State.DONE);
  }
}
