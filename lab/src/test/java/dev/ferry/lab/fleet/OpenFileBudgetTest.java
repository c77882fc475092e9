package dev.ferry.lab.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class OpenFileBudgetTest {

  @Test
  void refusesAFleetLargerThanTheProcessCanOpenAndSaysToShard() {
    OpenFileBudget budget = new OpenFileBudget(20_000, () -> 300);
    FleetConfig config = FleetConfig.builder(30_000).build();
    assertThatThrownBy(() -> Fleet.start(config, Destination.fixed(new InetSocketAddress("127.0.0.1", 1)), budget))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("30001 open files")
        .hasMessageContaining("limit 20000")
        .hasMessageContaining("shards");
  }

  @Test
  void countsWhatIsAlreadyOpenAndTheHeadroom() {
    OpenFileBudget budget = new OpenFileBudget(20_000, () -> 1_000);
    assertThat(budget.available()).isEqualTo(20_000 - 1_000 - OpenFileBudget.HEADROOM);
    budget.require(budget.available(), "exactly what fits");
    assertThatThrownBy(() -> budget.require(budget.available() + 1, "one more"))
        .hasMessageContaining("one more");
  }

  @Test
  void thisProcessHasALimit() {
    assertThat(OpenFileBudget.ofThisProcess().max()).isPositive();
  }
}
