package dev.ferry.cli;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry broker}: one lab MQTT broker node (MQTT 3.1.1/5, cluster channel, EMQX 5 API and
 * {@code /metrics} on the API port) until SIGTERM, which disconnects clients and stops cleanly.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Runs one lab MQTT broker node that speaks EMQX 5's load-rebalance API.")
public final class BrokerCommand implements Callable<Integer> {

  @Option(names = "--name", required = true, description = "node name, e.g. emqx@127.0.1.1")
  String name;

  @Option(names = "--mqtt", defaultValue = "0.0.0.0:1883", description = "MQTT listener host:port")
  String mqtt;

  @Option(names = "--api", defaultValue = "0.0.0.0:18083", description = "EMQX API and /metrics host:port")
  String api;

  @Option(names = "--cluster", description = "inter-node listener host:port (default: the MQTT host, port 4370)")
  String cluster;

  @Option(names = "--api-key", required = true, description = "API key and secret as KEY:SECRET")
  String apiKey;

  @Option(names = "--peers", split = ",", description = "peers' cluster addresses: host[:port] or name@host[:port]")
  List<String> peers = new ArrayList<>();

  @Option(names = "--session-expiry", defaultValue = "7200", description = "seconds, for MQTT 3.1.1 persistent sessions")
  long sessionExpiry;

  @Option(names = "--eviction-slices", defaultValue = "20",
      description = "spread each second's evictions over this many ticks (1: all at once, as EMQX 5 does)")
  int evictionSlices;

  @Option(names = "--max-queued", defaultValue = "1000", description = "queued messages per session")
  int maxQueued;

  @Override
  public Integer call() throws Exception {
    int colon = apiKey.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--api-key must be KEY:SECRET");
    }
    InetSocketAddress mqttAddress = resolve(mqtt, 1883);
    InetSocketAddress clusterAddress = cluster != null
        ? resolve(cluster, BrokerConfig.DEFAULT_CLUSTER_PORT)
        : new InetSocketAddress(mqttAddress.getHostString(), BrokerConfig.DEFAULT_CLUSTER_PORT);
    List<InetSocketAddress> peerAddresses = new ArrayList<>();
    for (String p : peers) {
      peerAddresses.add(BrokerConfig.parseAddress(p.trim(), BrokerConfig.DEFAULT_CLUSTER_PORT));
    }
    BrokerConfig config = new BrokerConfig(
        name, mqttAddress, resolve(api, 18083), clusterAddress, peerAddresses,
        apiKey.substring(0, colon), apiKey.substring(colon + 1), sessionExpiry, maxQueued, 32,
        new dev.ferry.broker.EmqxProfile("5.8.1", "Enterprise", evictionSlices, java.util.Set.of(), null));
    BrokerNode node = BrokerNode.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM runs shutdown hooks: stop the node cleanly, then let main return.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "ferry-broker-shutdown"));
    stopped.await();
    return 0;
  }

  private static InetSocketAddress resolve(String hostPort, int defaultPort) {
    InetSocketAddress a = BrokerConfig.parseAddress(hostPort, defaultPort);
    return new InetSocketAddress(a.getHostString(), a.getPort());
  }
}
