package dev.ferry.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.sim.StrategyModel.Result;
import dev.ferry.core.sim.StrategyModel.Settings;
import org.junit.jupiter.api.Test;

/** DESIGN §6's measures, on the model: what each strategy does to 6,000 clients on 3 nodes. */
class StrategyModelTest {

  static final Settings SETTINGS = new Settings(3, 6000, 200, 10, 5, 2);

  @Test
  void ferryDisconnectsEveryClientOnceAtTheRateAndEndsBalanced() {
    Result r = StrategyModel.ferry(SETTINGS);
    assertThat(r.maxDisconnectsPerClient()).isEqualTo(1);
    assertThat(r.disconnectsHistogram()).containsOnlyKeys(1);
    assertThat(r.clientsDroppedByDeletion()).isZero();
    assertThat(r.peakReconnectsPerSecond()).isLessThanOrEqualTo((int) (200 * 1.05));
    assertThat(r.imbalance()).isLessThanOrEqualTo(0.10);
    assertThat((double) r.durationSeconds()).isLessThanOrEqualTo(1.1 * r.floorSeconds());
  }

  @Test
  void rollingDisconnectsClientsMoreThanOnceWithADipAndEndsUnbalanced() {
    Result r = StrategyModel.rolling(SETTINGS);
    assertThat(r.maxDisconnectsPerClient()).isGreaterThan(1);
    assertThat(r.minConnectedFraction()).isLessThan(0.9);
    assertThat(r.imbalance()).isGreaterThan(0.10);
  }

  @Test
  void plainBlueGreenCausesAReconnectStorm() {
    Result r = StrategyModel.blueGreenPlain(SETTINGS);
    assertThat(r.maxDisconnectsPerClient()).isEqualTo(1);
    assertThat(r.peakReconnectsPerSecond()).isGreaterThan(1000);
    assertThat(r.clientsDroppedByDeletion()).isEqualTo(6000);
  }
}
