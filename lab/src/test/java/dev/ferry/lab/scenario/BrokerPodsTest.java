package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A lab keeps the seed's three broker pods until the clients would not fit in three processes here. */
class BrokerPodsTest {
  @Test
  void theSeedsThreeUntilTheyCannotHoldTheClients() {
    assertThat(BrokerPods.needed(2_000, 20_000)).isEqualTo(3);
    assertThat(BrokerPods.needed(54_000, 20_000)).isEqualTo(3);
    assertThat(BrokerPods.needed(54_001, 20_000)).isEqualTo(4);
    // The seed's 100,000 connections: six pods of 16,667, as a process here opens at most 20,000 files.
    assertThat(BrokerPods.needed(100_000, 20_000)).isEqualTo(6);
    assertThat(BrokerPods.why(2_000, 3, 20_000)).isNull();
    assertThat(BrokerPods.why(100_000, 6, 20_000)).isEqualTo("6 broker pods, not the seed's 3: a process here opens at"
        + " most 20,000 files, and 3 pods would hold 33,334 connections each");
  }
}
