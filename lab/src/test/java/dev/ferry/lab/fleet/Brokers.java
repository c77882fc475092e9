package dev.ferry.lab.fleet;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/** The project's lab broker, in this process, as the fleet's real peer. */
final class Brokers {

  static final String KEY = "key";
  static final String SECRET = "secret";

  private Brokers() {}

  static BrokerNode node(String host) {
    return BrokerNode.start(BrokerConfig.onHost(host, KEY, SECRET));
  }

  /** A node that joins {@code peer}'s cluster; both dial each other, as a headless Service lets them. */
  static BrokerNode node(String host, BrokerNode peer) {
    BrokerNode n = BrokerNode.start(BrokerConfig.onHost(host, KEY, SECRET).withPeers(List.of(peer.clusterAddress())));
    peer.join(n.clusterAddress());
    return n;
  }

  /**
   * A node that joins {@code peer}'s cluster and, unlike EMQX, passes a {@code redirect_to} given over
   * REST on to the clients it evicts (the named improvement REDIRECT_OVER_REST): for tests of the
   * fleet's own handling of a Server-Reference.
   */
  static BrokerNode redirectingNode(String host, BrokerNode peer) {
    var config = BrokerConfig.onHost(host, KEY, SECRET).withPeers(List.of(peer.clusterAddress()));
    config = config.withEmqx(config.emqx().withImprovements(
        java.util.Set.of(dev.ferry.broker.EmqxProfile.Improvement.REDIRECT_OVER_REST)));
    BrokerNode n = BrokerNode.start(config);
    peer.join(n.clusterAddress());
    return n;
  }

  static BrokerNode redirectingNode(String host) {
    var config = BrokerConfig.onHost(host, KEY, SECRET);
    return BrokerNode.start(config.withEmqx(config.emqx().withImprovements(
        java.util.Set.of(dev.ferry.broker.EmqxProfile.Improvement.REDIRECT_OVER_REST))));
  }

  /** POSTs to the node's EMQX API; returns the status code and the body. */
  static HttpResponse<String> post(BrokerNode node, String path, String json) throws Exception {
    String auth = "Basic " + Base64.getEncoder().encodeToString((KEY + ":" + SECRET).getBytes(StandardCharsets.UTF_8));
    URI uri = URI.create("http://" + node.apiAddress().getHostString() + ":" + node.apiAddress().getPort() + path);
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
          .header("Authorization", auth).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
