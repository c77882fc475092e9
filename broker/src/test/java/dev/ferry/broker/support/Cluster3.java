package dev.ferry.broker.support;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import dev.ferry.broker.EmqxProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/** Starts n nodes on 127.0.{third}.{1..n}, all peered, and waits until each sees the others. */
public final class Cluster3 implements AutoCloseable {

  public final List<BrokerNode> nodes = new ArrayList<>();

  public Cluster3(int third, int n) {
    this(third, n, EmqxProfile.DEFAULT);
  }

  /** As above, every node behaving as the EMQX of {@code profile}. */
  public Cluster3(int third, int n, EmqxProfile profile) {
    for (int i = 1; i <= n; i++) {
      BrokerNode node = BrokerNode.start(BrokerConfig.onHost("127.0." + third + "." + i, "key", "secret").withEmqx(profile));
      for (BrokerNode other : nodes) {
        node.join(other.clusterAddress());
        other.join(node.clusterAddress());
      }
      nodes.add(node);
    }
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> nodes.stream().allMatch(x -> Api.of(x).runningNodes() == n));
  }

  public BrokerNode get(int i) {
    return nodes.get(i);
  }

  @Override
  public void close() {
    nodes.forEach(BrokerNode::close);
  }
}
