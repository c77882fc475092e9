package dev.ferry.lab.cluster;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pod's broker in a JVM of its own, so that a large lab spreads its connections over processes
 * (each has about 20,000 open files; 20,000 clients moving between six brokers do not fit in one).
 *
 * <p>The parent talks to the child over its standard streams, never its command line, so the API
 * secret does not show in the process list:
 *
 * <pre>
 * parent → child   line 1: the node's settings (see {@link #main}); then "join host:port" lines
 * child → parent   "started host:port" once the listeners are bound (or "failed address_in_use" / "failed ...")
 *                  "stats CONNECTIONS SESSIONS" every 250 ms
 * </pre>
 *
 * Closing the child's standard input is SIGTERM: it stops its node (clients get DISCONNECT 0x8B) and
 * exits. A lab that dies closes the pipe too, so no broker outlives it.
 */
final class BrokerProcess implements PodBroker {

  private static final Logger log = LoggerFactory.getLogger(BrokerProcess.class);
  static final long STATS_PERIOD_MILLIS = 250;

  private final Process process;
  private final Writer toChild;
  private final BrokerConfig config;
  private volatile int connections;
  private volatile int sessions;

  private BrokerProcess(Process process, BrokerConfig config) {
    this.process = process;
    this.toChild = process.outputWriter(StandardCharsets.UTF_8);
    this.config = config;
  }

  /** Starts a child JVM with this process's class path; returns once its node listens. */
  static BrokerProcess start(BrokerConfig config, List<String> jvmOptions) throws BindException {
    List<String> cmd = dev.ferry.workload.JavaProcess.command(BrokerProcess.class, jvmOptions, List.of());
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a broker process", e);
    }
    BrokerProcess bp = new BrokerProcess(p, config);
    BufferedReader fromChild = p.inputReader(StandardCharsets.UTF_8);
    try {
      bp.send(settingsLine(config));
      String first = fromChild.readLine();
      while (first != null && !first.startsWith("started") && !first.startsWith("failed")) {
        first = fromChild.readLine(); // anything else on stdout (a library's banner) is not ours
      }
      if (first == null || !first.startsWith("started")) {
        p.destroyForcibly();
        if (first != null && first.contains("address_in_use")) {
          throw new BindException("address in use: " + config.mqtt());
        }
        throw new IllegalStateException("broker process " + config.name() + " did not start: " + first);
      }
    } catch (IOException e) {
      p.destroyForcibly();
      throw new UncheckedIOException(e);
    }
    Thread.ofPlatform().daemon().name("broker-process-" + config.name()).start(() -> bp.readStats(fromChild));
    log.info("event=broker_process_started node={} pid={}", config.name(), p.pid());
    return bp;
  }

  private void readStats(BufferedReader fromChild) {
    try {
      for (String line; (line = fromChild.readLine()) != null; ) {
        String[] w = line.split(" ");
        if (w.length == 3 && w[0].equals("stats")) {
          try {
            int c = Integer.parseInt(w[1]);
            int s = Integer.parseInt(w[2]);
            connections = c;
            sessions = s;
          } catch (NumberFormatException e) {
            // Skipped: the next line counts. Ending the loop here would leave the count at 0 for
            // the rest of the run, and the report's per-node figures with it.
            log.debug("event=broker_process_stats_unreadable node={} line={}", config.name(), line);
          }
        }
      }
    } catch (IOException e) {
      log.debug("event=broker_process_stream_closed node={} error={}", config.name(), e.toString());
    }
    connections = 0;
    sessions = 0;
  }

  private synchronized void send(String line) throws IOException {
    toChild.write(line);
    toChild.write('\n');
    toChild.flush();
  }

  @Override
  public InetSocketAddress mqttAddress() {
    return config.mqtt();
  }

  @Override
  public InetSocketAddress clusterAddress() {
    return config.cluster();
  }

  @Override
  public void join(InetSocketAddress peer) {
    try {
      send("join " + peer.getHostString() + ":" + peer.getPort());
    } catch (IOException e) {
      log.warn("event=broker_process_join_failed node={} peer={} error={}", config.name(), peer, e.toString());
    }
  }

  @Override
  public int connections() {
    return connections;
  }

  @Override
  public int sessions() {
    return sessions;
  }

  @Override
  public BrokerNode inProcess() {
    return null;
  }

  @Override
  public void close() {
    try {
      toChild.close(); // SIGTERM by pipe
    } catch (IOException e) {
      process.destroy();
    }
    try {
      if (!process.waitFor(25, TimeUnit.SECONDS)) {
        log.warn("event=broker_process_killed node={} reason=did_not_stop_in_25s", config.name());
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /**
   * name, mqtt, api, cluster, key, secret, version, edition, slices, improvements (comma-separated
   * flags), max connections: tab-separated (no field holds a tab).
   */
  static String settingsLine(BrokerConfig c) {
    var e = c.emqx();
    return String.join("\t", c.name(), hostPort(c.mqtt()), hostPort(c.api()), hostPort(c.cluster()), c.apiKey(),
        c.apiSecret(), e.version(), e.edition(), String.valueOf(e.evictionSlices()),
        String.join(",", e.improvements().stream().map(dev.ferry.broker.EmqxProfile.Improvement::flag).sorted().toList()),
        String.valueOf(c.maxConnections()));
  }

  /** The profile a settings line describes. */
  static dev.ferry.broker.EmqxProfile profile(String[] f) {
    java.util.Set<dev.ferry.broker.EmqxProfile.Improvement> on = new java.util.HashSet<>();
    for (String flag : f[9].split(",")) {
      for (var i : dev.ferry.broker.EmqxProfile.Improvement.values()) {
        if (i.flag().equals(flag)) {
          on.add(i);
        }
      }
    }
    return dev.ferry.broker.EmqxProfile.DEFAULT.withVersion(f[6], f[7]).withEvictionSlices(Integer.parseInt(f[8]))
        .withImprovements(on);
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }

  private static InetSocketAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  /** The child: reads its settings from the first line of standard input, runs until it closes. */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line = in.readLine();
    if (line == null) {
      return;
    }
    String[] f = line.split("\t", -1);
    BrokerConfig config = new BrokerConfig(f[0], parse(f[1]), parse(f[2]), parse(f[3]), List.of(), f[4], f[5],
        7200, 1000, 32, profile(f), Integer.parseInt(f[10]));
    BrokerNode node;
    try {
      node = BrokerNode.start(config);
    } catch (Exception e) {
      out.println(dev.ferry.lab.cluster.Loopback.addressInUse(e) ? "failed address_in_use" : "failed " + e);
      System.exit(1);
      return;
    }
    out.println("started " + hostPort(node.mqttAddress()));
    var stats = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    stats.scheduleAtFixedRate(() -> {
      var s = node.stats();
      out.println("stats " + s.connections() + " " + s.sessions());
    }, 0, STATS_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> { // SIGTERM from outside
      node.close();
      stopped.complete(null);
    }));
    for (String cmd; (cmd = in.readLine()) != null; ) {
      if (cmd.startsWith("join ")) {
        node.join(parse(cmd.substring(5).trim()));
      }
    }
    stats.shutdownNow();
    node.close();
    System.exit(0);
  }
}
