package dev.ferry.lab.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ReconnectPolicyTest {

  @Test
  void fullJitterStaysWithinTheDoublingWindowAndTheCap() {
    ReconnectPolicy p = ReconnectPolicy.fullJitter(Duration.ofMillis(100), Duration.ofSeconds(2));
    long[] ceilings = {100, 200, 400, 800, 1600, 2000, 2000, 2000};
    for (int attempt = 0; attempt < ceilings.length; attempt++) {
      int a = attempt;
      long[] delays = LongStream.range(0, 2000).map(i -> p.delayMillis(a)).toArray();
      assertThat(LongStream.of(delays).min().orElseThrow()).isGreaterThanOrEqualTo(0);
      assertThat(LongStream.of(delays).max().orElseThrow()).isLessThanOrEqualTo(ceilings[a]);
      // Spread over the whole window, not bunched: the mean of a uniform draw is half the ceiling.
      double mean = LongStream.of(delays).average().orElseThrow();
      assertThat(mean).isBetween(ceilings[a] * 0.4, ceilings[a] * 0.6);
    }
    assertThat(p.delayMillis(1000)).isBetween(0L, 2000L); // no overflow far out
  }

  @Test
  void immediateReconnectsAtOnceAndThenWaitsAfterFailures() {
    ReconnectPolicy p = ReconnectPolicy.immediate(Duration.ofMillis(50));
    assertThat(p.delayMillis(0)).isZero();
    assertThat(p.delayMillis(1)).isEqualTo(50);
    assertThat(p.delayMillis(7)).isEqualTo(50);
  }

  @Test
  void fullJitterRejectsABaseAboveTheCap() {
    assertThatThrownBy(() -> ReconnectPolicy.fullJitter(Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
