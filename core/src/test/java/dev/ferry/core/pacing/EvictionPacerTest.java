package dev.ferry.core.pacing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EvictionPacerTest {

  @ParameterizedTest(name = "rate {0}: at {1} ms want {2} -> {3}, then at {4} ms want {5} -> {6}")
  @CsvSource({
    // rate, t1, want1, got1, t2, want2, got2
    "200,    0, 500, 200, 1000, 500, 200", // one full budget a second
    "200,    0, 150, 150,  500, 150,  50", // what is left of the window
    "200,    0, 150, 150,  999, 150,  50", // 999 ms later the first grant still counts
    "200,    0, 150, 150, 1000, 150, 150", // at 1000 ms it has left the window
    "10,     0,   0,   0,    1,  10,  10", // asking for nothing takes nothing
    "1,      0,   5,   1,  600,   5,   0",
  })
  void grantsWhatIsLeftOfTheRateInTheWindow(
      int rate, long t1, int want1, int got1, long t2, int want2, int got2) {
    EvictionPacer pacer = new EvictionPacer(rate);
    assertThat(pacer.take(t1, want1)).isEqualTo(got1);
    assertThat(pacer.take(t2, want2)).isEqualTo(got2);
  }

  @Test
  void lateTickFollowedByOnTimeTickDoesNotDoubleTheRate() {
    // Ticks planned at 0, 1000, 2000; the second runs 900 ms late.
    EvictionPacer pacer = new EvictionPacer(100);
    assertThat(pacer.take(0, 1000)).isEqualTo(100);
    assertThat(pacer.take(1900, 1000)).isEqualTo(100);
    assertThat(pacer.take(2000, 1000)).isZero();
    assertThat(pacer.take(2900, 1000)).isEqualTo(100);
  }

  @Test
  void slicedPacerSpreadsTheRateOverTheSecond() {
    EvictionPacer pacer = new EvictionPacer(200, 10);
    List<Integer> grants = new ArrayList<>();
    for (long t = 0; t < 2000; t += 100) {
      grants.add(pacer.take(t, 1000));
    }
    assertThat(grants).containsOnly(20); // 20 every 100 ms, never 200 at once
  }

  @Test
  void slicedPacerDoesNotSaveUpAfterAPause() {
    EvictionPacer pacer = new EvictionPacer(200, 10);
    assertThat(pacer.take(0, 1000)).isEqualTo(20);
    // Nothing wanted for five seconds: the next grant is still one slice, not a burst.
    assertThat(pacer.take(5000, 1000)).isEqualTo(20);
    assertThat(pacer.take(5050, 1000)).isEqualTo(10); // half a slice earned in 50 ms
  }

  @Test
  void slicedPacerWithARateBelowTheSlicesGrantsOneAtATime() {
    EvictionPacer pacer = new EvictionPacer(3, 10);
    int total = 0;
    for (long t = 0; t < 1000; t += 100) {
      int got = pacer.take(t, 10);
      assertThat(got).isBetween(0, 1);
      total += got;
    }
    assertThat(total).isEqualTo(3);
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new EvictionPacer(0)).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> new EvictionPacer(10, 0)).hasMessageContaining("slicesPerSecond");
    EvictionPacer pacer = new EvictionPacer(5);
    assertThatThrownBy(() -> pacer.take(0, -1)).hasMessageContaining("negative");
    pacer.take(10, 1);
    assertThatThrownBy(() -> pacer.take(9, 1)).hasMessageContaining("backwards");
  }

  @Test
  void neverMoreThanTheRateInAnyOneSecondWindow() {
    qt().withExamples(300)
        .forAll(
            integers().between(1, 500),
            integers().between(1, 20),
            lists().of(integers().between(0, 1500)).ofSizeBetween(1, 60),
            lists().of(integers().between(0, 800)).ofSizeBetween(1, 60))
        .checkAssert(
            (rate, slices, gaps, wants) -> {
              EvictionPacer pacer = new EvictionPacer(rate, slices);
              List<long[]> granted = new ArrayList<>();
              long now = 0;
              for (int i = 0; i < gaps.size(); i++) {
                now += gaps.get(i);
                int got = pacer.take(now, wants.get(i % wants.size()));
                assertThat(got).isBetween(0, Math.min(rate, wants.get(i % wants.size())));
                assertThat(got).isLessThanOrEqualTo((int) Math.ceil((double) rate / slices));
                granted.add(new long[] {now, got});
              }
              // Every window (t - 1000, t] ending at a grant holds at most `rate`.
              for (long[] end : granted) {
                long inWindow =
                    granted.stream()
                        .filter(g -> g[0] <= end[0] && end[0] - g[0] < 1000)
                        .mapToLong(g -> g[1])
                        .sum();
                assertThat(inWindow).isLessThanOrEqualTo(rate);
              }
            });
  }

  @Test
  void keepsUpTheRateWhenAskedForMore() {
    // Ticks every second, always wanting more: exactly `rate` a tick, so the pacer does not starve.
    EvictionPacer pacer = new EvictionPacer(200);
    int total = 0;
    for (long t = 0; t < 5000; t += 1000) {
      total += pacer.take(t, 10_000);
    }
    assertThat(total).isEqualTo(1000);
  }
}
