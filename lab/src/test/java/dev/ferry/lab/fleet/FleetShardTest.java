package dev.ferry.lab.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.broker.BrokerNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class FleetShardTest {

  @Test
  void slicesCoverEveryClientExactlyOnce() {
    for (int clients : new int[] {7, 100, 20_001, 45_000}) {
      for (int shards = 1; shards <= 7; shards++) {
        BitSet seen = new BitSet();
        for (int k = 0; k < shards; k++) {
          FleetShard.Slice s = FleetShard.slice(clients, shards, k);
          assertThat(s.count()).isBetween(clients / shards, clients / shards + 1);
          assertThat(seen.get(s.first(), s.first() + s.count()).isEmpty()).isTrue();
          seen.set(s.first(), s.first() + s.count());
        }
        assertThat(seen.cardinality()).isEqualTo(clients);
      }
    }
    assertThatThrownBy(() -> FleetShard.slice(10, 3, 3)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @Timeout(60)
  void aShardRunsItsSliceAndPrintsItsCountsAsJson() throws Exception {
    try (BrokerNode node = Brokers.node("127.0.3.41")) {
      String address = node.mqttAddress().getHostString() + ":" + node.mqttAddress().getPort();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      int code = FleetShard.run(new String[] {"--address=" + address, "--clients=30", "--shards=3", "--shard=1",
          "--rate=300", "--messages=300", "--run-seconds=20", "--quiet-seconds=5"},
          new PrintStream(buf, true, StandardCharsets.UTF_8));
      assertThat(code).isZero();
      JsonNode json = new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
      assertThat(json.get("clients").asInt()).isEqualTo(10);
      assertThat(json.get("messagesPublished").asLong()).isEqualTo(100); // a third of the total
      assertThat(json.get("messagesLost").asLong()).isZero();
      assertThat(json.get("clientReports").get(0).get("clientId").asText()).isEqualTo("fleet-000010");
      assertThat(json.get("timeline").isArray()).isTrue();
    }
  }
}
