package dev.ferry.core.warmup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WarmupTest {

  @ParameterizedTest(name = "uptime {0} ms of {1} ms at weight {2} -> {3}")
  @CsvSource({
    "      0, 600000, 100,   1", // just started: at least 1
    "   -500, 600000, 100,   1", // clock skew counts as just started
    "   5999, 600000, 100,   1", // 0.99 rounds down, then up to the floor of 1
    "  60000, 600000, 100,  10", // a tenth of the way, a tenth of the weight
    " 300000, 600000, 100,  50",
    " 599999, 600000, 100,  99",
    " 600000, 600000, 100, 100", // warm
    "9000000, 600000, 100, 100",
    "  10000,      0, 100, 100", // no warm-up period
    "  10000, 600000,   0,   0", // a weight of 0 stays 0: the instance takes no traffic
  })
  void growsLinearlyOverTheWarmupPeriod(long uptime, long warmup, int weight, int expected) {
    assertThat(Warmup.weight(uptime, warmup, weight)).isEqualTo(expected);
  }

  @Test
  void staysBetweenOneAndTheFullWeightAndNeverFallsWithUptime() {
    qt().forAll(
            longs().between(-1000, 2_000_000),
            longs().between(1, 1_000_000),
            integers().between(1, 1000))
        .checkAssert(
            (uptime, warmup, weight) -> {
              int w = Warmup.weight(uptime, warmup, weight);
              assertThat(w).isBetween(1, weight);
              assertThat(Warmup.weight(uptime + 1000, warmup, weight)).isGreaterThanOrEqualTo(w);
            });
  }
}
