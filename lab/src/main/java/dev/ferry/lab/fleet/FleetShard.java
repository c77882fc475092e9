package dev.ferry.lab.fleet;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One shard of a fleet too large for one process (see the package comment): takes its slice of
 * the clients, runs them against one address for a bounded time, and writes its
 * {@link FleetReport} as JSON.
 *
 * <pre>
 * java -cp ... dev.ferry.lab.fleet.FleetShard --address=127.0.2.1:1883 --clients=40000 --shards=4 --shard=0 \
 *     --rate=2000 --messages=200000 --run-seconds=120 --quiet-seconds=10 --out=shard-0.json
 * </pre>
 *
 * Options (defaults in brackets): {@code address} (required), {@code clients} total over all shards,
 * {@code shards} [1], {@code shard} [0], {@code protocol} [5] or 3.1.1, {@code rate} total messages per
 * second over all shards [0], {@code messages} total [unbounded], {@code run-seconds} [60],
 * {@code quiet-seconds} [5], {@code backoff-base-ms} [100], {@code backoff-cap-ms} [5000] or
 * {@code immediate} (then {@code retry-after-failure-ms} [1000]), {@code connect-rate} per shard
 * [1000], {@code out} [stdout].
 *
 * <p>In a lab ({@code --control}), the shard is one node of the cluster with its own kube-proxy:
 * instead of {@code address} it takes {@code kubeconfig} (a file) or {@code api-server} (a URL),
 * {@code namespace}, {@code service},
 * {@code port-name} and {@code propagation-ms}, and its clients connect straight to the Service's
 * endpoints ({@link dev.ferry.lab.cluster.KubeProxyRoutes}). It is driven over its standard
 * streams: it prints {@code connected N M} (connected, subscribed) every 250 ms; the parent writes
 * {@code publish}, then {@code finish QUIET_SECONDS}, and the shard prints {@code report JSON} on
 * one line and exits. Its standard input closing (the parent died) ends it.
 */
public final class FleetShard {

  /** The clients of one shard: {@code [first, first + count)}. */
  public record Slice(int first, int count) {}

  private FleetShard() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out));
  }

  /** Splits {@code clients} into {@code shards} contiguous slices whose sizes differ by at most one. */
  public static Slice slice(int clients, int shards, int shard) {
    if (shards < 1 || shard < 0 || shard >= shards || clients < shards) {
      throw new IllegalArgumentException("need 0 <= shard < shards <= clients, was shard=" + shard
          + " shards=" + shards + " clients=" + clients);
    }
    int first = (int) ((long) shard * clients / shards);
    int end = (int) ((long) (shard + 1) * clients / shards);
    return new Slice(first, end - first);
  }

  /** Runs one shard; returns the exit code (0, or 2 when not every client subscribed in time). */
  static int run(String[] args, PrintStream out) throws IOException {
    if (args.length > 0 && java.util.Arrays.asList(args).contains("--control")) {
      return control(options(args), out);
    }
    Map<String, String> o = options(args);
    int clients = Integer.parseInt(required(o, "clients"));
    int shards = Integer.parseInt(o.getOrDefault("shards", "1"));
    int shard = Integer.parseInt(o.getOrDefault("shard", "0"));
    Slice slice = slice(clients, shards, shard);
    long messages = o.containsKey("messages") ? Long.parseLong(o.get("messages")) : Long.MAX_VALUE;
    Duration run = Duration.ofSeconds(Long.parseLong(o.getOrDefault("run-seconds", "60")));
    FleetConfig config = config(o, slice, shard, shards, messages, run);
    InetSocketAddress address = parseAddress(required(o, "address"));
    int code = 0;
    FleetReport report;
    try (Fleet fleet = Fleet.start(config, Destination.fixed(address))) {
      // As long as clients keep subscribing; a minute with none more is a failure.
      if (!fleet.awaitSubscribedWhileProgressing(FleetRun.FIRST_CONNECTS_STALL, n -> { })) {
        code = 2;
      }
      fleet.startPublishing();
      fleet.awaitPublishingDone(run);
      report = fleet.finish(Duration.ofSeconds(Long.parseLong(o.getOrDefault("quiet-seconds", "5"))));
    }
    String json = report.toJson();
    if (o.containsKey("out")) {
      Files.writeString(Path.of(o.get("out")), json, StandardCharsets.UTF_8);
    } else {
      out.println(json);
    }
    return code;
  }

  private static FleetConfig config(Map<String, String> o, Slice slice, int shard, int shards, long messages, Duration run) {
    ReconnectPolicy policy = o.containsKey("immediate")
        ? ReconnectPolicy.immediate(Duration.ofMillis(Long.parseLong(o.getOrDefault("retry-after-failure-ms", "1000"))))
        : ReconnectPolicy.fullJitter(Duration.ofMillis(Long.parseLong(o.getOrDefault("backoff-base-ms", "100"))),
            Duration.ofMillis(Long.parseLong(o.getOrDefault("backoff-cap-ms", "5000"))));
    return FleetConfig.builder(slice.count())
        .firstIndex(slice.first())
        .protocol(o.getOrDefault("protocol", "5").startsWith("3") ? MqttProtocol.V3_1_1 : MqttProtocol.V5)
        .publishRatePerSecond(Double.parseDouble(o.getOrDefault("rate", "0")) / shards)
        .maxMessages(messages == Long.MAX_VALUE ? messages : Fleet.share(messages, shard, shards))
        .publishFor(run)
        .connectRatePerSecond(Integer.parseInt(o.getOrDefault("connect-rate", "1000")))
        .reconnect(policy)
        .build();
  }

  /** Starts the clients once the node's kube-proxy knows an endpoint (at most 30 s later). */
  private static Fleet startWhenRouted(FleetConfig config, dev.ferry.lab.cluster.KubeProxyRoutes routes) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!routes.ready() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return Fleet.start(config, routes);
  }

  /** How this node's kube-proxy reaches the API server: {@code kubeconfig} (a file), else {@code api-server} (a URL). */
  static io.fabric8.kubernetes.client.Config apiServer(Map<String, String> o) throws IOException {
    String file = o.get("kubeconfig");
    if (file != null) {
      java.nio.file.Path p = java.nio.file.Path.of(file);
      return io.fabric8.kubernetes.client.Config.fromKubeconfig(null, java.nio.file.Files.readString(p), p.toString());
    }
    return new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
        .withMasterUrl(required(o, "api-server")).build();
  }

  /** A shard in a lab: see the class comment. */
  private static int control(Map<String, String> o, PrintStream out) throws IOException {
    int clients = Integer.parseInt(required(o, "clients"));
    int shards = Integer.parseInt(o.getOrDefault("shards", "1"));
    int shard = Integer.parseInt(o.getOrDefault("shard", "0"));
    Slice slice = slice(clients, shards, shard);
    Duration run = Duration.ofSeconds(Long.parseLong(o.getOrDefault("run-seconds", "600")));
    FleetConfig config = config(o, slice, shard, shards, Long.MAX_VALUE, run);
    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (var routes = new dev.ferry.lab.cluster.KubeProxyRoutes(apiServer(o),
            o.getOrDefault("namespace", "lab"), required(o, "service"), o.getOrDefault("port-name", ""),
            Duration.ofMillis(Long.parseLong(o.getOrDefault("propagation-ms", "500"))), Duration.ofMillis(100));
        Fleet fleet = startWhenRouted(config, routes)) {
      var status = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "shard-status");
        t.setDaemon(true);
        return t;
      });
      status.scheduleAtFixedRate(() -> {
        synchronized (out) {
          out.println("connected " + fleet.connectedClients() + " " + fleet.subscribedClients());
        }
      }, 0, 250, java.util.concurrent.TimeUnit.MILLISECONDS);
      for (String cmd; (cmd = in.readLine()) != null; ) {
        if (cmd.equals("publish")) {
          fleet.startPublishing();
        } else if (cmd.startsWith("finish")) {
          String[] w = cmd.split(" ");
          FleetReport report = fleet.finish(Duration.ofSeconds(w.length > 1 ? Long.parseLong(w[1]) : 5));
          status.shutdownNow();
          synchronized (out) {
            out.println("report " + report.toJsonLine());
          }
          return 0;
        }
      }
      return 1; // the parent went away
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (String a : args) {
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("options look like --name=value, was " + a);
      }
      int eq = a.indexOf('=');
      o.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "true" : a.substring(eq + 1));
    }
    return o;
  }

  private static String required(Map<String, String> o, String name) {
    String v = o.get(name);
    if (v == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }

  private static InetSocketAddress parseAddress(String hostPort) {
    return ServerReference.parse(hostPort)
        .orElseThrow(() -> new IllegalArgumentException("--address must be host:port, was " + hostPort));
  }
}
