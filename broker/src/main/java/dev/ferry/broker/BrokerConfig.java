package dev.ferry.broker;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * How one broker node starts.
 *
 * @param name the node name, as EMQX spells it: {@code emqx@127.0.1.1}
 * @param mqtt where MQTT clients connect (port 0: any free port)
 * @param api where the EMQX 5 HTTP API and {@code /metrics} listen (port 0: any free port)
 * @param cluster where peers connect for the inter-node channel (port 0: any free port)
 * @param peers the cluster addresses of the other nodes (in Kubernetes, from the headless Service);
 *     unresolvable or absent peers are retried every second
 * @param apiKey the API key (basic auth user name)
 * @param apiSecret the API secret (basic auth password)
 * @param persistentSessionExpirySeconds expiry of MQTT 3.1.1 sessions with clean session false
 * @param maxQueuedMessages per session; beyond it the oldest is dropped and counted
 * @param maxInflight QoS 1 messages sent and not yet acknowledged, per client
 * @param emqx which EMQX the node behaves as (version, edition, pacing, kinder options, HTTPS)
 * @param maxConnections the MQTT listener's {@code max_connections}, as EMQX's
 *     {@code listeners.tcp.default.max_connections}: a connection accepted beyond it is closed at
 *     once; 0 is EMQX's default, {@code infinity}
 */
public record BrokerConfig(
    String name,
    InetSocketAddress mqtt,
    InetSocketAddress api,
    InetSocketAddress cluster,
    List<InetSocketAddress> peers,
    String apiKey,
    String apiSecret,
    long persistentSessionExpirySeconds,
    int maxQueuedMessages,
    int maxInflight,
    EmqxProfile emqx,
    int maxConnections) {

  /** The port of the inter-node channel when a peer is given without one (EMQX's ekka port). */
  public static final int DEFAULT_CLUSTER_PORT = 4370;

  /** One slice: a second's rate evicted at once, once a second, as EMQX does. */
  public static final int DEFAULT_EVICTION_SLICES = 1;

  /** Whether {@code slices} is a valid eviction slice count: a divisor of 1000 in 1..100. */
  public static boolean validEvictionSlices(int slices) {
    return EmqxProfile.validEvictionSlices(slices);
  }

  public BrokerConfig {
    Objects.requireNonNull(emqx, "emqx");
    Objects.requireNonNull(name, "name");
    if (!name.contains("@")) {
      throw new IllegalArgumentException("node name must look like name@host, was " + name);
    }
    Objects.requireNonNull(mqtt, "mqtt");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(cluster, "cluster");
    peers = List.copyOf(peers);
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(apiSecret, "apiSecret");
    if (maxConnections < 0) {
      throw new IllegalArgumentException("max connections must be 0 (infinity) or more, was " + maxConnections);
    }
  }

  /** A node whose listener takes any number of connections, as EMQX's default does. */
  public BrokerConfig(String name, InetSocketAddress mqtt, InetSocketAddress api, InetSocketAddress cluster,
      List<InetSocketAddress> peers, String apiKey, String apiSecret, long persistentSessionExpirySeconds,
      int maxQueuedMessages, int maxInflight, EmqxProfile emqx) {
    this(name, mqtt, api, cluster, peers, apiKey, apiSecret, persistentSessionExpirySeconds, maxQueuedMessages,
        maxInflight, emqx, 0);
  }

  /** The version {@code GET /nodes} reports. */
  public String version() {
    return emqx.version();
  }

  /** How many ticks a second evictions are spread over (1: EMQX's one burst). */
  public int evictionSlices() {
    return emqx.evictionSlices();
  }

  /**
   * A node on {@code host} with everything on free ports, for tests: name {@code emqx@host}, the
   * default EMQX profile.
   */
  public static BrokerConfig onHost(String host, String apiKey, String apiSecret) {
    return new BrokerConfig(
        "emqx@" + host,
        new InetSocketAddress(host, 0),
        new InetSocketAddress(host, 0),
        new InetSocketAddress(host, 0),
        List.of(),
        apiKey,
        apiSecret,
        7200,
        1000,
        32,
        EmqxProfile.DEFAULT);
  }

  public BrokerConfig withPeers(List<InetSocketAddress> newPeers) {
    return new BrokerConfig(
        name, mqtt, api, cluster, newPeers, apiKey, apiSecret, persistentSessionExpirySeconds,
        maxQueuedMessages, maxInflight, emqx, maxConnections);
  }

  public BrokerConfig withMaxQueuedMessages(int n) {
    return new BrokerConfig(
        name, mqtt, api, cluster, peers, apiKey, apiSecret, persistentSessionExpirySeconds, n,
        maxInflight, emqx, maxConnections);
  }

  public BrokerConfig withEvictionSlices(int slices) {
    return withEmqx(emqx.withEvictionSlices(slices));
  }

  public BrokerConfig withEmqx(EmqxProfile profile) {
    return new BrokerConfig(
        name, mqtt, api, cluster, peers, apiKey, apiSecret, persistentSessionExpirySeconds, maxQueuedMessages,
        maxInflight, profile, maxConnections);
  }

  public BrokerConfig withMaxConnections(int n) {
    return new BrokerConfig(
        name, mqtt, api, cluster, peers, apiKey, apiSecret, persistentSessionExpirySeconds, maxQueuedMessages,
        maxInflight, emqx, n);
  }

  /** Parses {@code host:port} or {@code host} (then the default cluster port); unresolved. */
  public static InetSocketAddress parseAddress(String s, int defaultPort) {
    String hostPort = s.contains("@") ? s.substring(s.indexOf('@') + 1) : s;
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      return InetSocketAddress.createUnresolved(hostPort, defaultPort);
    }
    return InetSocketAddress.createUnresolved(
        hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  @Override
  public String toString() {
    // The secret never appears in logs.
    return "BrokerConfig[name=" + name + ", mqtt=" + mqtt + ", api=" + api + ", cluster=" + cluster
        + ", peers=" + peers + ", apiKey=" + apiKey + ", emqx=" + emqx
        + (maxConnections > 0 ? ", maxConnections=" + maxConnections : "") + "]";
  }
}
