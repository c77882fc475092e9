package dev.ferry.lab.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The first connects' pacing: the rate, and the window of unfinished connects the brokers hold open. */
class FirstConnectsTest {

  static final long SECOND = 1_000_000_000L;

  @Test
  void aQuietClusterGetsTheRate() {
    // 200 a second: after half a second, 101 started in all (one at once, then one each 5 ms).
    assertThat(FirstConnects.due(SECOND / 2, 0, 0, 1_000, 200, 50)).isEqualTo(50); // the window first
    assertThat(FirstConnects.due(SECOND / 2, 50, 50, 1_000, 200, 50)).isEqualTo(50);
    assertThat(FirstConnects.due(SECOND / 2, 100, 100, 1_000, 200, 50)).isEqualTo(1);
    assertThat(FirstConnects.due(SECOND / 2, 101, 101, 1_000, 200, 50)).isZero();
  }

  @Test
  void aClusterThatDoesNotAnswerGetsNoMoreThanTheWindow() {
    // Ten seconds in, 50 started and none subscribed: the clock would allow 2,000 more, the window none.
    assertThat(FirstConnects.due(10 * SECOND, 50, 0, 10_000, 200, 50)).isZero();
    // Ten of them answer: ten more start, not a burst of what the clock saved up.
    assertThat(FirstConnects.due(10 * SECOND, 50, 10, 10_000, 200, 50)).isEqualTo(10);
  }

  @Test
  void neverMoreThanTheFleet() {
    assertThat(FirstConnects.due(100 * SECOND, 990, 990, 1_000, 200, 50)).isEqualTo(10);
    assertThat(FirstConnects.due(100 * SECOND, 1_000, 1_000, 1_000, 200, 50)).isZero();
  }

  @Test
  void theWindowIsAQuarterSecondAtTheRateAndNeverTiny() {
    assertThat(FirstConnects.window(2_000)).isEqualTo(500);
    assertThat(FirstConnects.window(285)).isEqualTo(71);
    assertThat(FirstConnects.window(10)).isEqualTo(16);
  }
}
