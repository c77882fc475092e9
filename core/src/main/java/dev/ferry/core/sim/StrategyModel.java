package dev.ferry.core.sim;

import dev.ferry.core.bluegreen.BlueGreenSpec;
import dev.ferry.core.release.DrainSettings;
import dev.ferry.core.release.DrainType;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.Step;
import dev.ferry.core.rolling.IntOrPercent;
import dev.ferry.core.rolling.RollingObservation;
import dev.ferry.core.rolling.RollingPlan;
import dev.ferry.core.rolling.RollingSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Release strategies compared on the in-memory model: the real plans of this module deciding, a
 * simulated cluster acting, clients that reconnect one second after they are cut off. It shows the
 * shape of what each strategy does to clients in milliseconds of CPU; the lab measures the same on
 * real sockets.
 */
public final class StrategyModel {

  /**
   * @param nodes broker pods
   * @param clients long-lived clients
   * @param connEvictRate Ferry's eviction rate, clients per second
   * @param startupSeconds how long a new pod takes to become ready
   * @param initialDelaySeconds Ferry's settle time after the switch
   * @param waitTakeoverSeconds Ferry's takeover wait
   */
  public record Settings(
      int nodes, int clients, int connEvictRate, int startupSeconds, int initialDelaySeconds,
      int waitTakeoverSeconds) {}

  /** What one strategy did to the clients during the release. */
  public record Result(
      String scenario,
      String description,
      int clients,
      int maxDisconnectsPerClient,
      double meanDisconnectsPerClient,
      Map<Integer, Integer> disconnectsHistogram,
      long clientsDroppedByDeletion,
      int peakReconnectsPerSecond,
      double minConnectedFraction,
      double imbalance,
      long durationSeconds,
      long floorSeconds,
      int[] connectedPerSecond,
      int[] reconnectsPerSecond,
      Map<String, int[]> connectionsPerNode) {}

  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private StrategyModel() {}

  public static List<Result> compare(Settings s) {
    return List.of(rolling(s), blueGreenPlain(s), ferry(s));
  }

  /** Ferry: blue-green, then each old node evacuated at the rate before it is deleted. */
  public static Result ferry(Settings s) {
    return blueGreen(s, "ferry", "Ferry blue-green: switch, then evacuate each old node at the rate",
        new DrainSettings(DrainType.EMQX, Duration.ofSeconds(s.waitTakeoverSeconds()), Duration.ofHours(1)),
        s.initialDelaySeconds());
  }

  /** What a generic blue-green does: switch the Service, then delete the old pods. */
  public static Result blueGreenPlain(Settings s) {
    return blueGreen(s, "bluegreen-plain", "Plain blue-green: switch, then delete the old pods",
        new DrainSettings(DrainType.NONE, Duration.ZERO, Duration.ofHours(1)), 0);
  }

  private static Result blueGreen(Settings s, String name, String description, DrainSettings drain, int initialDelay) {
    SimulatedCluster cluster = cluster(s);
    BlueGreenSpec spec = new BlueGreenSpec(
        s.nodes(), true, Duration.ofSeconds(initialDelay), Duration.ofSeconds(600), drain, 2);
    BlueGreenWalk walk = new BlueGreenWalk(cluster, spec, "v1");
    walk.run(Duration.ofSeconds(s.startupSeconds() + 5L));
    int from = cluster.connectedPerSecond().length;
    int[] before = cluster.disconnectsPerClient();
    walk.changeTemplate("v2");
    long seconds = 0;
    while (!(walk.status().phase() == Phase.Healthy && "v2".equals(walk.status().currentRevision()))
        && seconds < 3600) {
      walk.run(Duration.ofSeconds(1));
      seconds++;
    }
    walk.run(Duration.ofSeconds(2));
    long floor = s.startupSeconds() + initialDelay
        + (drain.type() == DrainType.EMQX
            ? (long) Math.ceil((double) s.clients() / s.connEvictRate())
                + (long) s.nodes() * s.waitTakeoverSeconds()
            : 0);
    return result(name, description, s, cluster, from, before, seconds, floor);
  }

  /** The Kubernetes default for a StatefulSet: one pod at a time is deleted and recreated. */
  public static Result rolling(Settings s) {
    SimulatedCluster cluster = cluster(s);
    RollingSpec spec = new RollingSpec(
        s.nodes(), IntOrPercent.of(0), IntOrPercent.of(1), Duration.ZERO, Duration.ZERO,
        Duration.ofSeconds(600), new DrainSettings(DrainType.NONE, Duration.ZERO, Duration.ofHours(1)), 2);
    ReleaseStatus[] status = {ReleaseStatus.initial()};
    String[] template = {"v1"};
    Runnable tick = () -> {
      for (int i = 0; i < 20; i++) {
        Step step = RollingPlan.next(new RollingObservation(
            spec, template[0], status[0], cluster.revisionSets(), cluster.pods(), cluster.drains(),
            cluster.servingEndpoints(), cluster.now()));
        cluster.apply(step.action());
        status[0] = step.status();
        if (step.action() instanceof dev.ferry.core.release.Action.Wait w && w.recheckAt().isAfter(cluster.now())) {
          break;
        }
      }
      cluster.advance(Duration.ofSeconds(1));
    };
    for (int i = 0; i < s.startupSeconds() + 5; i++) {
      tick.run();
    }
    int from = cluster.connectedPerSecond().length;
    int[] before = cluster.disconnectsPerClient();
    template[0] = "v2";
    long seconds = 0;
    while (!(status[0].phase() == Phase.Healthy && "v2".equals(status[0].currentRevision())) && seconds < 3600) {
      tick.run();
      seconds++;
    }
    tick.run();
    tick.run();
    long floor = (long) s.nodes() * s.startupSeconds();
    return result("rolling", "StatefulSet rolling update: each pod deleted, then recreated",
        s, cluster, from, before, seconds, floor);
  }

  private static SimulatedCluster cluster(Settings s) {
    return new SimulatedCluster(
        s.clients(), Duration.ofSeconds(s.startupSeconds()), Duration.ofSeconds(1), s.connEvictRate(), START, 7);
  }

  private static Result result(
      String name, String description, Settings s, SimulatedCluster cluster, int from, int[] before,
      long seconds, long floor) {
    int[] after = cluster.disconnectsPerClient();
    int[] during = new int[after.length];
    Map<Integer, Integer> histogram = new TreeMap<>();
    for (int i = 0; i < after.length; i++) {
      during[i] = after[i] - before[i];
      histogram.merge(during[i], 1, Integer::sum);
    }
    int[] connected = Arrays.copyOfRange(cluster.connectedPerSecond(), from, cluster.connectedPerSecond().length);
    int[] reconnects = Arrays.copyOfRange(cluster.reconnectsPerSecond(), from, cluster.reconnectsPerSecond().length);
    int minConnected = Arrays.stream(connected).min().orElse(s.clients());
    Map<String, Integer> load = cluster.load();
    double avg = load.values().stream().mapToInt(Integer::intValue).average().orElse(0);
    int max = load.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    return new Result(
        name, description, s.clients(),
        Arrays.stream(during).max().orElse(0),
        Arrays.stream(during).average().orElse(0),
        histogram,
        cluster.dropped(),
        Arrays.stream(reconnects).max().orElse(0),
        s.clients() == 0 ? 1.0 : (double) minConnected / s.clients(),
        avg == 0 ? 0 : max / avg - 1,
        seconds, floor, connected, reconnects, cluster.connectionsPerPodPerSecond(from));
  }
}
