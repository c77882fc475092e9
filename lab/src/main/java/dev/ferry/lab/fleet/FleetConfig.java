package dev.ferry.lab.fleet;

import java.time.Duration;
import java.util.Objects;

/**
 * What a fleet does. Build one with {@link #builder(int)}; every field has a default that suits a
 * lab run on loopback.
 *
 * @param clients subscriber clients in this process
 * @param firstIndex the index of the first client (shards: the start of their slice)
 * @param clientIdPrefix client ids are {@code prefix + index}, e.g. {@code fleet-000042}
 * @param topicPrefix each client subscribes to {@code topicPrefix/clientId} with QoS 1
 * @param protocol MQTT 3.1.1 or 5
 * @param sessionExpirySeconds MQTT 5 Session Expiry Interval (clean start is always false)
 * @param keepAliveSeconds the CONNECT keepalive; PINGREQ after that much silence
 * @param connectTimeout for the TCP connect and again for the CONNACK
 * @param connectRatePerSecond how fast the fleet opens its first connections
 * @param reconnect what clients do after a disconnect or a failed attempt
 * @param publishers separate publisher clients; each serves an equal share of the subscribers
 * @param publishRatePerSecond total QoS 1 messages per second over all publishers (0: none)
 * @param maxMessages stop publishing after this many messages in total
 * @param publishFor stop publishing after this long
 * @param maxInflightPerPublisher unacknowledged QoS 1 publishes a publisher allows itself
 * @param ioThreads event loop threads of the fleet's own group
 */
public record FleetConfig(
    int clients,
    int firstIndex,
    String clientIdPrefix,
    String topicPrefix,
    MqttProtocol protocol,
    long sessionExpirySeconds,
    int keepAliveSeconds,
    Duration connectTimeout,
    int connectRatePerSecond,
    ReconnectPolicy reconnect,
    int publishers,
    double publishRatePerSecond,
    long maxMessages,
    Duration publishFor,
    int maxInflightPerPublisher,
    int ioThreads) {

  static final int MAX_INFLIGHT = 60_000;

  public FleetConfig {
    if (clients < 1) {
      throw new IllegalArgumentException("a fleet needs at least one client, was " + clients);
    }
    if (firstIndex < 0) {
      throw new IllegalArgumentException("firstIndex must not be negative, was " + firstIndex);
    }
    Objects.requireNonNull(clientIdPrefix, "clientIdPrefix");
    Objects.requireNonNull(topicPrefix, "topicPrefix");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(reconnect, "reconnect");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(publishFor, "publishFor");
    if (connectRatePerSecond < 1 || publishers < 1 || maxInflightPerPublisher < 1 || ioThreads < 1
        || keepAliveSeconds < 1 || publishRatePerSecond < 0 || maxMessages < 0) {
      throw new IllegalArgumentException("rates, counts and the keepalive must be positive: " + this);
    }
    if (maxInflightPerPublisher > MAX_INFLIGHT) {
      // Packet ids are 16 bits; keep some free so a new id is always found quickly.
      throw new IllegalArgumentException("maxInflightPerPublisher must be at most " + MAX_INFLIGHT);
    }
  }

  public static Builder builder(int clients) {
    return new Builder(clients);
  }

  public String clientId(int index) {
    return String.format("%s%06d", clientIdPrefix, index);
  }

  public String topicOf(String clientId) {
    return topicPrefix + "/" + clientId;
  }

  /** Mutable builder with lab defaults: MQTT 5, full-jitter backoff 100 ms..5 s, no publishing. */
  public static final class Builder {
    private final int clients;
    private int firstIndex;
    private String clientIdPrefix = "fleet-";
    private String topicPrefix = "fleet";
    private MqttProtocol protocol = MqttProtocol.V5;
    private long sessionExpirySeconds = 3600;
    private int keepAliveSeconds = 30;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private int connectRatePerSecond = 1000;
    private ReconnectPolicy reconnect = ReconnectPolicy.fullJitter(Duration.ofMillis(100), Duration.ofSeconds(5));
    private int publishers = 1;
    private double publishRatePerSecond;
    private long maxMessages = Long.MAX_VALUE;
    private Duration publishFor = Duration.ofMinutes(10);
    private int maxInflightPerPublisher = 1000;
    private int ioThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private Builder(int clients) {
      this.clients = clients;
    }

    public Builder firstIndex(int v) { firstIndex = v; return this; }
    public Builder clientIdPrefix(String v) { clientIdPrefix = v; return this; }
    public Builder topicPrefix(String v) { topicPrefix = v; return this; }
    public Builder protocol(MqttProtocol v) { protocol = v; return this; }
    public Builder sessionExpirySeconds(long v) { sessionExpirySeconds = v; return this; }
    public Builder keepAliveSeconds(int v) { keepAliveSeconds = v; return this; }
    public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
    public Builder connectRatePerSecond(int v) { connectRatePerSecond = v; return this; }
    public Builder reconnect(ReconnectPolicy v) { reconnect = v; return this; }
    public Builder publishers(int v) { publishers = v; return this; }
    public Builder publishRatePerSecond(double v) { publishRatePerSecond = v; return this; }
    public Builder maxMessages(long v) { maxMessages = v; return this; }
    public Builder publishFor(Duration v) { publishFor = v; return this; }
    public Builder maxInflightPerPublisher(int v) { maxInflightPerPublisher = v; return this; }
    public Builder ioThreads(int v) { ioThreads = v; return this; }

    public FleetConfig build() {
      return new FleetConfig(clients, firstIndex, clientIdPrefix, topicPrefix, protocol, sessionExpirySeconds,
          keepAliveSeconds, connectTimeout, connectRatePerSecond, reconnect, publishers, publishRatePerSecond,
          maxMessages, publishFor, maxInflightPerPublisher, ioThreads);
    }
  }
}
