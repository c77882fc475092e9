package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A lab keeps the seed's three broker pods until the clients would not fit in three processes here. */
class BrokerPodsTest {
  @Test
  void theSeedsThreeUntilTheyCannotHoldTheClients() {
    assertThat(BrokerPods.needed(2_000, 20_000)).isEqualTo(3);
    assertThat(BrokerPods.needed(45_000, 20_000)).isEqualTo(3);
    assertThat(BrokerPods.needed(45_001, 20_000)).isEqualTo(4);
    // The seed's 100,000 connections: seven pods of about 14,300, as a process here opens at most
    // 20,000 files and the first connections land unevenly.
    assertThat(BrokerPods.needed(100_000, 20_000)).isEqualTo(7);
    assertThat(BrokerPods.needed(2_000, 4_096)).as("a limit below the headroom still leaves a quarter").isEqualTo(3);
    assertThat(BrokerPods.why(2_000, 3, 20_000)).isNull();
    assertThat(BrokerPods.why(100_000, 7, 20_000)).isEqualTo("7 broker pods, not the seed's 3: a process here opens at"
        + " most 20,000 files, and 3 pods would hold 33,334 connections each");
  }
}
