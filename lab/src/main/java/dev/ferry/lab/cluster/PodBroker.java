package dev.ferry.lab.cluster;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import java.net.InetSocketAddress;

/**
 * The container of a lab pod: one broker node, in this process or in a process of its own. The
 * kubelet needs no more of it than a container runtime gives: start it, tell it its peers, read its
 * counts, stop it (SIGTERM).
 */
interface PodBroker extends AutoCloseable {

  InetSocketAddress mqttAddress();

  InetSocketAddress clusterAddress();

  /** Dial a peer's inter-node address (the lab broker peers both ways). */
  void join(InetSocketAddress peer);

  /** Connected clients now (or at the last report of a child process). */
  int connections();

  int sessions();

  /** The node when it runs in this process (tests look inside), else null. */
  BrokerNode inProcess();

  /** SIGTERM: the broker disconnects its clients (MQTT 5: 0x8B) and stops; returns once stopped. */
  @Override
  void close();

  static PodBroker inThisProcess(BrokerConfig config) {
    BrokerNode node = BrokerNode.start(config);
    return new PodBroker() {
      @Override
      public InetSocketAddress mqttAddress() {
        return node.mqttAddress();
      }

      @Override
      public InetSocketAddress clusterAddress() {
        return node.clusterAddress();
      }

      @Override
      public void join(InetSocketAddress peer) {
        node.join(peer);
      }

      @Override
      public int connections() {
        return node.stats().connections();
      }

      @Override
      public int sessions() {
        return node.stats().sessions();
      }

      @Override
      public BrokerNode inProcess() {
        return node;
      }

      @Override
      public void close() {
        node.close();
      }
    };
  }
}
