package dev.ferry.operator.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The mini cluster's pod addresses: valid, distinct, and clear of the addresses other operator tests use. */
class MiniClusterAddressTest {

  @Test
  void podAddressesRollIntoFurtherRangesAndRunOutLoudly() {
    assertThat(MiniCluster.address(0)).isEqualTo("127.0.3.1");
    assertThat(MiniCluster.address(238)).isEqualTo("127.0.3.239");
    assertThat(MiniCluster.address(239)).isEqualTo("127.0.7.1");
    assertThat(MiniCluster.address(239 + 253)).isEqualTo("127.0.7.254");
    assertThat(MiniCluster.address(239 + 254)).isEqualTo("127.0.8.1");
    int all = 239 + 254 + 254;
    Set<String> seen = new HashSet<>();
    for (int n = 0; n < all; n++) {
      String ip = MiniCluster.address(n);
      assertThat(seen.add(ip)).as(ip).isTrue();
      int last = Integer.parseInt(ip.substring(ip.lastIndexOf('.') + 1));
      assertThat(last).as(ip).isBetween(1, 254);
      assertThat(ip).as("HttpDrainerTest's address, EmqxClientTest's range")
          .isNotEqualTo("127.0.3.240").doesNotStartWith("127.0.4.");
    }
    assertThatThrownBy(() -> MiniCluster.address(all)).isInstanceOf(IllegalStateException.class);
  }
}
