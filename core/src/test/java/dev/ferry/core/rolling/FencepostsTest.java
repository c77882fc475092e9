package dev.ferry.core.rolling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FencepostsTest {

  @ParameterizedTest(name = "replicas {0}, maxSurge {1}, maxUnavailable {2} -> {3}, {4}")
  @CsvSource({
    // the Deployment controller's own examples and its rounding
    "10, 25%, 25%, 3, 2", // surge 2.5 rounds up, unavailable 2.5 rounds down
    "3,  1,   0,   1, 0",
    "3,  0,   1,   0, 1",
    "3,  10%, 10%, 1, 0", // 0.3 up -> 1, down -> 0
    "3,  0%,  10%, 0, 1", // both round to zero: one may be unavailable, or nothing moves
    "4,  50%, 0,   2, 0",
    "1,  100%, 0,  1, 0",
    "5,  200%, 0, 10, 0", // surge may exceed 100%
    "0,  25%, 25%, 0, 1",
    "3,  0,   5,   0, 3", // no more unavailable than there are replicas
  })
  void resolvesAsKubernetesDoes(int replicas, String surge, String unavailable, int s, int u) {
    Fenceposts f = Fenceposts.resolve(IntOrPercent.parse(surge), IntOrPercent.parse(unavailable), replicas);
    assertThat(f).isEqualTo(new Fenceposts(s, u));
  }

  @ParameterizedTest(name = "{0} / {1} is invalid: {2}")
  @CsvSource({
    "0,    0,    cannot both be 0",
    "0%,   0,    cannot both be 0",
    "1,    150%, more than 100%",
  })
  void rejectsWhatCannotRoll(String surge, String unavailable, String message) {
    assertThatThrownBy(() -> Fenceposts.resolve(IntOrPercent.parse(surge), IntOrPercent.parse(unavailable), 3))
        .hasMessageContaining(message);
  }

  @ParameterizedTest(name = "''{0}''")
  @CsvSource({"-1", "abc", "25 %", "%", "1.5", "''"})
  void rejectsMalformedValuesWithAClearMessage(String text) {
    assertThatThrownBy(() -> IntOrPercent.parse(text)).hasMessageContaining("must");
  }
}
