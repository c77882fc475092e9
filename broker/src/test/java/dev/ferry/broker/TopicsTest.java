package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.broker.session.Topics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicsTest {

  @ParameterizedTest
  @CsvSource({
    "a/b, a/b, true", "a/+, a/b, true", "a/+, a/b/c, false", "a/#, a, true", "a/#, a/b/c, true",
    "#, a/b, true", "+/+, a/, true", "+, /a, false", "#, $SYS/x, false", "+/x, $SYS/x, false",
    "$SYS/#, $SYS/x, true", "a/+/c, a/b/c, true", "a/b, a/c, false", "a/b/c, a/b, false"
  })
  void matches(String filter, String topic, boolean expected) {
    assertThat(Topics.matches(filter, topic)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"a/#, true", "a/#/b, false", "a+, false", "+/+/#, true", "#, true", "a/b#, false"})
  void validFilter(String filter, boolean expected) {
    assertThat(Topics.validFilter(filter)).isEqualTo(expected);
  }
}
