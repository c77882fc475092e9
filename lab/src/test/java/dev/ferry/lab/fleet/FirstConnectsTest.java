package dev.ferry.lab.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The first connects' pacing: the rate, and the window of unfinished connects the brokers hold open. */
class FirstConnectsTest {

  static final long MS = 1_000_000L;

  @Test
  void aQuietClusterGetsTheRate() {
    // 200 a second, ticks of 10 ms: two a tick, whatever the window.
    double tokens = 0;
    int started = 0;
    for (int tick = 0; tick < 100; tick++) {
      tokens = FirstConnects.refill(tokens, 10 * MS, 200);
      int n = FirstConnects.due(tokens, started, started, 10_000, 50);
      tokens -= n;
      started += n;
    }
    assertThat(started).isEqualTo(200);
  }

  @Test
  void aClusterThatDoesNotAnswerGetsNoMoreThanTheWindow() {
    // 50 started, none subscribed: the bucket is full, the window holds them back.
    double tokens = FirstConnects.refill(0, 10_000 * MS, 200);
    assertThat(FirstConnects.due(tokens, 50, 0, 10_000, 50)).isZero();
    // Ten of them answer: ten more start.
    assertThat(FirstConnects.due(tokens, 50, 10, 10_000, 50)).isEqualTo(10);
  }

  @Test
  void timeSpentWaitingIsNotSavedUpForABurst() {
    // Ten seconds stalled at 200 a second: the bucket holds 100 ms of the rate, not 2,000.
    double tokens = FirstConnects.refill(0, 10_000 * MS, 200);
    assertThat(tokens).isCloseTo(20, within(1e-9));
    // The window frees completely: 20 start, then two a tick again.
    assertThat(FirstConnects.due(tokens, 50, 50, 10_000, 50)).isEqualTo(20);
    assertThat(FirstConnects.due(FirstConnects.refill(0, 10 * MS, 200), 70, 70, 10_000, 50)).isEqualTo(2);
  }

  @Test
  void neverMoreThanTheFleet() {
    assertThat(FirstConnects.due(20, 990, 990, 1_000, 50)).isEqualTo(10);
    assertThat(FirstConnects.due(20, 1_000, 1_000, 1_000, 50)).isZero();
  }

  @Test
  void aSlowRateStillStartsOneAtATime() {
    assertThat(FirstConnects.refill(0, 10_000 * MS, 1)).isEqualTo(1.0);
    assertThat(FirstConnects.due(1.0, 0, 0, 5, 16)).isEqualTo(1);
  }

  @Test
  void theWindowIsAQuarterSecondAtTheRateAndNeverTiny() {
    assertThat(FirstConnects.window(2_000)).isEqualTo(500);
    assertThat(FirstConnects.window(285)).isEqualTo(71);
    assertThat(FirstConnects.window(10)).isEqualTo(16);
  }
}
