package dev.ferry.cli;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.broker.EmqxProfile.Dialect;
import dev.ferry.broker.EmqxProfile.Improvement;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry broker}: one lab MQTT broker node (MQTT 3.1.1/5, cluster channel, EMQX API and
 * {@code /metrics} on the API port) until SIGTERM, which disconnects clients and stops cleanly. It
 * behaves as the EMQX version and edition it is given, flaws included; kinder behaviours only by
 * name ({@code --improve}).
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Runs one lab MQTT broker node that speaks EMQX's load-rebalance API (EMQX 5/6's /api/v5 or "
        + "EMQX Enterprise 4.4's /api/v4) and behaves as the EMQX version it is given.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped by SIGTERM", "2:bad options (one line naming the flag)"})
public final class BrokerCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--name", required = true, description = "node name, e.g. emqx@127.0.1.1")
  String name;

  @Option(names = "--mqtt", defaultValue = "0.0.0.0:1883", description = "MQTT listener host:port")
  String mqtt;

  @Option(names = "--api", defaultValue = "0.0.0.0:18083", description = "EMQX API and /metrics host:port")
  String api;

  @Option(names = "--cluster", description = "inter-node listener host:port (default: the MQTT host, port 4370)")
  String cluster;

  @Option(names = "--api-key", required = true, description = "API key and secret as KEY:SECRET (4.4: app id and secret)")
  String apiKey;

  @Option(names = "--peers", split = ",", description = "peers' cluster addresses: host[:port] or name@host[:port]")
  List<String> peers = new ArrayList<>();

  @Option(names = "--session-expiry", defaultValue = "7200", description = "seconds, for MQTT 3.1.1 persistent sessions")
  long sessionExpiry;

  @Option(names = "--api-dialect", paramLabel = "v4|v5",
      description = "v5: EMQX 5 and 6 (/api/v5; version 5.10.4 unless --emqx-version says); v4: EMQX Enterprise 4.4 "
          + "(/api/v4; version 4.4.24 unless --emqx-version says). Default: the version's dialect, else v5.")
  String apiDialect;

  @Option(names = "--emqx-version", paramLabel = "VERSION",
      description = "the EMQX version to behave as, e.g. 4.4.24, 5.0.4, 5.8.1, 5.10.4, 6.2.2 (default: the dialect's)")
  String emqxVersion;

  @Option(names = "--edition", paramLabel = "EDITION", defaultValue = "Enterprise",
      description = "Enterprise or Opensource (default ${DEFAULT-VALUE}; 5.9 and later have one edition, Enterprise). "
          + "Opensource before 5.9 has no node evacuation: its load_rebalance API answers 404.")
  String edition;

  @Option(names = "--api-tls-cert", paramLabel = "FILE",
      description = "PEM certificate chain (leaf first): the API listens with HTTPS only. Needs --api-tls-key.")
  Path tlsCert;

  @Option(names = "--api-tls-key", paramLabel = "FILE", description = "PEM private key (PKCS#8) of --api-tls-cert")
  Path tlsKey;

  @Option(names = "--eviction-slices", defaultValue = "" + BrokerConfig.DEFAULT_EVICTION_SLICES,
      description = "spread each second's evictions over this many ticks (default ${DEFAULT-VALUE}: all at once, "
          + "as EMQX does); more than 1 is kinder than EMQX")
  int evictionSlices;

  @Option(names = "--improve", split = ",", paramLabel = "NAME",
      description = "behaviours kinder than EMQX's, by name: even-rebalance, ready-after-routes, redirect-over-rest, "
          + "live-evacuation-stats (default: none)")
  List<String> improvements = new ArrayList<>();

  @Option(names = "--max-queued", defaultValue = "1000", description = "queued messages per session")
  int maxQueued;

  @Option(names = "--max-connections", defaultValue = "0", paramLabel = "N",
      description = "the MQTT listener's max_connections, as EMQX's listeners.tcp.default.max_connections: a "
          + "connection accepted beyond it is closed at once (default 0: infinity, EMQX's default). Set it below "
          + "the process's open-file limit.")
  int maxConnections;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    BrokerConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException e) {
      err.println("ferry broker: " + e.getMessage());
      err.flush();
      return 2;
    }
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

  /** The node's configuration; an IllegalArgumentException names the flag that is wrong. */
  BrokerConfig config() {
    int colon = apiKey.indexOf(':');
    if (colon <= 0 || colon == apiKey.length() - 1) {
      throw new IllegalArgumentException("--api-key must be KEY:SECRET");
    }
    EmqxProfile profile = profile();
    InetSocketAddress mqttAddress = resolve("--mqtt", mqtt, 1883);
    InetSocketAddress clusterAddress = cluster != null
        ? resolve("--cluster", cluster, BrokerConfig.DEFAULT_CLUSTER_PORT)
        : new InetSocketAddress(mqttAddress.getHostString(), BrokerConfig.DEFAULT_CLUSTER_PORT);
    List<InetSocketAddress> peerAddresses = new ArrayList<>();
    for (String p : peers) {
      peerAddresses.add(parse("--peers", p.trim(), BrokerConfig.DEFAULT_CLUSTER_PORT));
    }
    int limit = maxConnections(maxConnections);
    try {
      return new BrokerConfig(
          name, mqttAddress, resolve("--api", api, 18083), clusterAddress, peerAddresses,
          apiKey.substring(0, colon), apiKey.substring(colon + 1), sessionExpiry, maxQueued, 32, profile, limit);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--name: " + e.getMessage());
    }
  }

  private static int maxConnections(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("--max-connections must be 0 (infinity) or more, was " + n);
    }
    return n;
  }

  EmqxProfile profile() {
    Dialect dialect = dialect();
    String version = emqxVersion != null ? emqxVersion : EmqxProfile.defaultVersion(dialect == null ? Dialect.V5 : dialect);
    EmqxProfile profile;
    try {
      profile = EmqxProfile.DEFAULT.withVersion(version, edition);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException((e.getMessage().startsWith("edition") ? "--edition: " : "--emqx-version: ")
          + e.getMessage());
    }
    if (dialect != null && profile.dialect() != dialect) {
      throw new IllegalArgumentException("--api-dialect " + apiDialect + " does not fit --emqx-version " + version
          + " (4.x speaks v4, 5.x and 6.x v5)");
    }
    if ("Opensource".equals(edition) && profile.atLeast(5, 9)) {
      throw new IllegalArgumentException("--edition Opensource: EMQX " + version + " has one edition, Enterprise");
    }
    if (!EmqxProfile.validEvictionSlices(evictionSlices)) {
      throw new IllegalArgumentException("--eviction-slices must divide 1000 and lie in 1..100, was " + evictionSlices);
    }
    return profile.withEvictionSlices(evictionSlices).withImprovements(improvementSet()).withApiTls(tls());
  }

  private Dialect dialect() {
    if (apiDialect == null) {
      return null;
    }
    return switch (apiDialect.toLowerCase(Locale.ROOT)) {
      case "v4" -> Dialect.V4;
      case "v5" -> Dialect.V5;
      default -> throw new IllegalArgumentException("--api-dialect must be v4 or v5, was " + apiDialect);
    };
  }

  private Set<Improvement> improvementSet() {
    Set<Improvement> out = EnumSet.noneOf(Improvement.class);
    for (String n : improvements) {
      String wanted = n.trim();
      out.add(Arrays.stream(Improvement.values()).filter(i -> i.flag().equals(wanted)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("--improve: no improvement named '" + wanted + "' (known: "
              + Arrays.stream(Improvement.values()).map(Improvement::flag).collect(Collectors.joining(", ")) + ")")));
    }
    return out;
  }

  private EmqxProfile.ApiTls tls() {
    if (tlsCert == null && tlsKey == null) {
      return null;
    }
    if (tlsCert == null || tlsKey == null) {
      throw new IllegalArgumentException(tlsCert == null ? "--api-tls-key needs --api-tls-cert" : "--api-tls-cert needs --api-tls-key");
    }
    String cert = read("--api-tls-cert", tlsCert);
    String key = read("--api-tls-key", tlsKey);
    if (!cert.contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException("--api-tls-cert: " + tlsCert + " holds no PEM certificate");
    }
    if (!key.contains("-----BEGIN PRIVATE KEY-----")) {
      // Never quote the file: it is a key.
      throw new IllegalArgumentException("--api-tls-key: " + tlsKey + " holds no PKCS#8 PEM key (BEGIN PRIVATE KEY; "
          + "convert with: openssl pkcs8 -topk8 -nocrypt)");
    }
    return new EmqxProfile.ApiTls(cert, key);
  }

  private static String read(String flag, Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(flag + ": cannot read " + file + ": " + e.getClass().getSimpleName());
    }
  }

  private static InetSocketAddress resolve(String flag, String hostPort, int defaultPort) {
    InetSocketAddress a = parse(flag, hostPort, defaultPort);
    return new InetSocketAddress(a.getHostString(), a.getPort());
  }

  private static InetSocketAddress parse(String flag, String hostPort, int defaultPort) {
    try {
      return BrokerConfig.parseAddress(hostPort, defaultPort);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + " must be host:port, was " + hostPort);
    }
  }
}
