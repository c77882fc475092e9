package dev.ferry.lab.fleet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet too large for one process (about 20,000 open files each) as {@link FleetShard} processes,
 * each a node of the lab with its own kube-proxy, driven over their standard streams. Their reports
 * come back as one ({@link FleetReport#merge}).
 */
public final class ShardedFleet implements FleetRun {

  private static final Logger log = LoggerFactory.getLogger(ShardedFleet.class);
  /**
   * A shard's JVM: serial GC, as the lab's brokers (two cores have no room for parallel GC threads);
   * the C1 compiler only, as the brokers: a shard lives one run, and C2's compiling costs more than it
   * saves in that time (with C2 the brokers took twice the CPU of a 20,000-client release, docs/lab.md);
   * metaspace's first collection threshold above what the kube-proxy's client loads (it was a full
   * collection of the whole heap in every shard while its clients connected); native access for epoll.
   */
  static List<String> shardJvm() {
    return dev.ferry.lab.cluster.ChildJvm.options("-Xmx2g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-XX:MetaspaceSize=128m", "--enable-native-access=ALL-UNNAMED");
  }

  private final List<Shard> shards = new ArrayList<>();
  private final int clients;

  private ShardedFleet(int clients) {
    this.clients = clients;
  }

  private static final class Shard {
    final int index;
    final Process process;
    final Writer in;
    volatile int connected;
    volatile int subscribed;
    final CompletableFuture<FleetReport> report = new CompletableFuture<>();

    Shard(int index, Process process) {
      this.index = index;
      this.process = process;
      this.in = process.outputWriter(StandardCharsets.UTF_8);
    }

    void send(String line) {
      try {
        synchronized (in) {
          in.write(line + "\n");
          in.flush();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("fleet shard " + index + " is gone", e);
      }
    }
  }

  /**
   * Starts {@code count} shards of {@code clients} clients, each with {@code options} (FleetShard's
   * {@code --name=value} options other than clients, shards and shard) and {@code --control}.
   */
  public static ShardedFleet start(int clients, int count, List<String> options) {
    ShardedFleet f = new ShardedFleet(clients);
    try {
      for (int k = 0; k < count; k++) {
        List<String> args = new ArrayList<>(List.of(
            "--control", "--clients=" + clients, "--shards=" + count, "--shard=" + k));
        args.addAll(options);
        List<String> cmd = dev.ferry.workload.JavaProcess.command(FleetShard.class, shardJvm(), args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Shard s = new Shard(k, p);
        f.shards.add(s);
        BufferedReader out = p.inputReader(StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("fleet-shard-" + k).start(() -> read(s, out));
        log.info("event=fleet_shard_started shard={} of={} pid={}", k, count, p.pid());
      }
    } catch (IOException e) {
      f.close();
      throw new UncheckedIOException("cannot start a fleet shard", e);
    }
    return f;
  }

  private static void read(Shard s, BufferedReader out) {
    try {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("connected ")) {
          String[] w = line.split(" ");
          s.connected = Integer.parseInt(w[1]);
          s.subscribed = Integer.parseInt(w[2]);
        } else if (line.startsWith("report ")) {
          s.report.complete(FleetReport.fromJson(line.substring("report ".length())));
        }
      }
    } catch (IOException | RuntimeException e) {
      s.report.completeExceptionally(e);
    }
    s.report.completeExceptionally(new IllegalStateException("fleet shard " + s.index + " ended without a report"));
  }

  @Override
  public boolean awaitSubscribed(Duration timeout) {
    return Fleet.await(() -> shards.stream().allMatch(s -> s.process.isAlive()) && subscribedClients() == clients, timeout);
  }

  @Override
  public int subscribedClients() {
    return shards.stream().mapToInt(s -> s.subscribed).sum();
  }

  @Override
  public void startPublishing() {
    shards.forEach(s -> s.send("publish"));
  }

  @Override
  public int connectedClients() {
    return shards.stream().mapToInt(s -> s.connected).sum();
  }

  @Override
  public boolean awaitConnected(int n, Duration timeout) {
    return Fleet.await(() -> connectedClients() >= n, timeout);
  }

  @Override
  public FleetReport finish(Duration quietPeriod) {
    shards.forEach(s -> s.send("finish " + Math.max(1, quietPeriod.toSeconds())));
    List<FleetReport> parts = new ArrayList<>();
    for (Shard s : shards) {
      try {
        parts.add(s.report.get(quietPeriod.toSeconds() + 60, TimeUnit.SECONDS));
      } catch (Exception e) {
        throw new IllegalStateException("fleet shard " + s.index + " gave no report: " + e, e);
      }
    }
    String dump = System.getenv("FERRY_LAB_FLEET_DUMP");
    if (dump != null) { // a folder for every shard's whole report, to look into one client
      for (int k = 0; k < parts.size(); k++) {
        try {
          java.nio.file.Files.createDirectories(Path.of(dump));
          java.nio.file.Files.writeString(Path.of(dump, "fleet-shard-" + k + "-" + System.currentTimeMillis() + ".json"),
              parts.get(k).toJson());
        } catch (IOException e) {
          log.warn("event=fleet_dump_failed dir={} error={}", dump, e.toString());
        }
      }
    }
    return FleetReport.merge(parts);
  }

  @Override
  public void close() {
    for (Shard s : shards) {
      try {
        s.in.close();
      } catch (IOException e) {
        // gone already
      }
    }
    for (Shard s : shards) {
      try {
        if (!s.process.waitFor(15, TimeUnit.SECONDS)) {
          s.process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.process.destroyForcibly();
      }
    }
  }
}
