package dev.ferry.core.rebalance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.ferry.core.rebalance.RebalanceMath.Split;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RebalanceMathTest {

  private static final Thresholds EMQX_DEFAULTS = new Thresholds(1000, 1.1);

  static Map<String, NodeLoad> loads(long... connections) {
    Map<String, NodeLoad> m = new LinkedHashMap<>();
    for (int i = 0; i < connections.length; i++) {
      m.put("n" + i, new NodeLoad("n" + i, connections[i], connections[i]));
    }
    return m;
  }

  @Test
  void splitsByTheMeanOfConnections() {
    // Three loaded nodes after a scale-out to four: mean 750.
    Split s = RebalanceMath.split(List.copyOf(loads(1000, 1000, 1000, 0).values()));
    assertThat(s.donors()).containsExactly("n0", "n1", "n2");
    assertThat(s.recipients()).containsExactly("n3");
    // A node exactly at the mean is a donor.
    s = RebalanceMath.split(List.copyOf(loads(10, 20, 30).values()));
    assertThat(s.donors()).containsExactly("n1", "n2");
    assertThat(s.recipients()).containsExactly("n0");
    // All equal: nobody to give to.
    s = RebalanceMath.split(List.copyOf(loads(5, 5).values()));
    assertThat(s.movable()).isFalse();
  }

  @ParameterizedTest(name = "D={0} R={1} abs={2} rel={3} -> {4}")
  @CsvSource({
    "2000, 1000, 1000, 1.1, true", // D <= R + abs, exactly
    "2001, 1000, 1000, 1.1, false",
    "1100, 1000,    0, 1.1, true", // D <= R * rel, exactly
    "1101, 1000,    0, 1.1, false",
    " 120,  100,   10, 1.2, true", // either test suffices
    "   0,    0,    0, 1.01, true",
    "   1,    0,    0, 1.01, false", // an empty recipient is not balanced with a non-empty donor
  })
  void balancedTest(double donorAvg, double recipientAvg, double abs, double rel, boolean expected) {
    assertThat(new Thresholds(abs, rel).balanced(donorAvg, recipientAvg)).isEqualTo(expected);
  }

  @Test
  void thresholdsAreValidatedAsEmqxDoes() {
    assertThatThrownBy(() -> new Thresholds(10, 1.0)).hasMessageContaining("> 1.0");
    assertThatThrownBy(() -> new Thresholds(-1, 1.1)).hasMessageContaining(">= 0");
  }

  @Test
  void donorsGiveAtTheRateButNeverMoreThanTheirExcessOverTheMean() {
    Map<String, NodeLoad> l = loads(1000, 1000, 1000, 0);
    Split s = RebalanceMath.split(List.copyOf(l.values()));
    Thresholds t = new Thresholds(10, 1.05);
    assertThat(RebalanceMath.evictionsThisTick("n0", s, l, t, NodeLoad::connections, 200))
        .isEqualTo(200);
    // Mean 750: a donor at 1000 gives at most 250, so three donors cannot flood the recipient.
    assertThat(RebalanceMath.evictionsThisTick("n0", s, l, t, NodeLoad::connections, 5000))
        .isEqualTo(250);
    assertThat(RebalanceMath.evictionsThisTick("n3", s, l, t, NodeLoad::connections, 200))
        .as("a recipient never evicts")
        .isZero();
    Map<String, NodeLoad> balanced = loads(755, 755, 750, 740);
    assertThat(RebalanceMath.evictionsThisTick("n0", s, balanced, t, NodeLoad::connections, 200))
        .as("nothing once balanced")
        .isZero();
  }

  @Test
  void clientsOnTheirWayToARecipientStillCountInTheMean() {
    Split s = RebalanceMath.split(List.copyOf(loads(1000, 1000, 1000, 0).values()));
    Thresholds t = new Thresholds(10, 1.05);
    // Each donor gave 250; they have not landed yet. Without counting them the mean is 562 and
    // every donor would give another 188.
    Map<String, NodeLoad> inFlight = loads(750, 750, 750, 0);
    assertThat(RebalanceMath.evictionsThisTick("n0", s, inFlight, t, NodeLoad::connections, 5000, 750))
        .isZero();
    assertThat(RebalanceMath.evictionsThisTick("n0", s, inFlight, t, NodeLoad::connections, 5000, 0))
        .isEqualTo(188);
  }

  @Test
  void stillToGiveIsTheFewestMovesThatBalance() {
    Map<String, NodeLoad> l = loads(1000, 1000, 1000, 0);
    Split s = RebalanceMath.split(List.copyOf(l.values()));
    // abs 0, rel 1.1: (3000-k)/3 <= 1.1k  =>  k >= 3000/4.3 = 697.67 -> 698
    assertThat(RebalanceMath.stillToGive(s, l, new Thresholds(0, 1.1), NodeLoad::connections))
        .isEqualTo(698);
    // abs 100: (3000-k)/3 <= k + 100  =>  k >= 675
    assertThat(RebalanceMath.stillToGive(s, l, new Thresholds(100, 1.1), NodeLoad::connections))
        .isEqualTo(675);
    assertThat(RebalanceMath.stillToGive(s, loads(10, 10, 9, 9), EMQX_DEFAULTS, NodeLoad::connections))
        .isZero();
  }

  /**
   * The loop a broker runs: every tick each donor evicts what evictionsThisTick says, and the clients
   * reconnect to the least-loaded recipient. It must stop exactly when the balanced test holds.
   */
  @Test
  void aSimulatedRebalanceStopsExactlyWhenBalanced() {
    qt().withExamples(300)
        .forAll(
            lists().of(integers().between(0, 20_000)).ofSizeBetween(2, 8),
            integers().between(0, 2000),
            doubles().between(1.01, 2.0),
            integers().between(1, 2000))
        .checkAssert(
            (counts, abs, rel, rate) -> {
              Map<String, NodeLoad> l = loads(counts.stream().mapToLong(Integer::longValue).toArray());
              Split s = RebalanceMath.split(List.copyOf(l.values()));
              Thresholds t = new Thresholds(abs, rel);
              long total = counts.stream().mapToLong(Integer::longValue).sum();
              long expectedMoves = RebalanceMath.stillToGive(s, l, t, NodeLoad::connections);
              long moved = 0;
              int ticks = 0;
              while (!RebalanceMath.connectionsBalanced(s, l, t)) {
                assertThat(ticks++).as("terminates").isLessThan(100_000);
                long movedThisTick = 0;
                for (String d : s.donors()) {
                  long n = RebalanceMath.evictionsThisTick(d, s, l, t, NodeLoad::connections, rate);
                  assertThat(n).isBetween(0L, (long) rate);
                  NodeLoad donor = l.get(d);
                  l.put(d, new NodeLoad(d, donor.connections() - n, donor.sessions()));
                  for (long i = 0; i < n; i++) {
                    String to =
                        s.recipients().stream()
                            .min(Comparator.comparingLong(r -> l.get(r).connections()))
                            .orElseThrow();
                    NodeLoad r = l.get(to);
                    l.put(to, new NodeLoad(to, r.connections() + 1, r.sessions()));
                  }
                  movedThisTick += n;
                }
                assertThat(movedThisTick).as("a tick that is not balanced makes progress").isPositive();
                moved += movedThisTick;
              }
              assertThat(RebalanceMath.connectionsBalanced(s, l, t)).isTrue();
              assertThat(l.values().stream().mapToLong(NodeLoad::connections).sum()).isEqualTo(total);
              assertThat(moved).as("never fewer than the minimum").isGreaterThanOrEqualTo(expectedMoves);
              // Overshoot is bounded by one tick of every donor.
              assertThat(moved).isLessThanOrEqualTo(expectedMoves + (long) rate * s.donors().size());
              assertThat(RebalanceMath.stillToGive(s, l, t, NodeLoad::connections)).isZero();
            });
  }

  @Test
  void stillToGiveIsMinimal() {
    qt().withExamples(300)
        .forAll(
            lists().of(integers().between(0, 50_000)).ofSizeBetween(2, 10),
            integers().between(0, 5000),
            doubles().between(1.01, 3.0))
        .checkAssert(
            (counts, abs, rel) -> {
              Map<String, NodeLoad> l = loads(counts.stream().mapToLong(Integer::longValue).toArray());
              Split s = RebalanceMath.split(new ArrayList<>(l.values()));
              Thresholds t = new Thresholds(abs, rel);
              long k = RebalanceMath.stillToGive(s, l, t, NodeLoad::connections);
              if (!s.movable()) {
                assertThat(k).isZero();
                return;
              }
              long ds = s.donors().stream().mapToLong(n -> l.get(n).connections()).sum();
              long rs = s.recipients().stream().mapToLong(n -> l.get(n).connections()).sum();
              int nd = s.donors().size();
              int nr = s.recipients().size();
              assertThat(t.balanced((double) (ds - k) / nd, (double) (rs + k) / nr)).isTrue();
              if (k > 0) {
                assertThat(t.balanced((double) (ds - k + 1) / nd, (double) (rs + k - 1) / nr)).isFalse();
              }
            });
  }
}
