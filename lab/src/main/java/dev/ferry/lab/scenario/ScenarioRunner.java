package dev.ferry.lab.scenario;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.lab.cluster.ClusterConfig;
import dev.ferry.lab.cluster.EmbeddedCluster;
import dev.ferry.lab.cluster.NodeSecond;
import dev.ferry.lab.cluster.Workloads;
import dev.ferry.lab.fleet.ClientReport;
import dev.ferry.lab.fleet.Destination;
import dev.ferry.lab.fleet.Fleet;
import dev.ferry.lab.fleet.FleetConfig;
import dev.ferry.lab.fleet.FleetRun;
import dev.ferry.lab.fleet.ShardedFleet;
import dev.ferry.lab.fleet.FleetReport;
import dev.ferry.lab.fleet.FleetSecond;
import dev.ferry.lab.fleet.ReconnectPolicy;
import dev.ferry.lab.net.Balancing;
import dev.ferry.lab.report.ScenarioReport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one scenario end to end on a fresh embedded cluster: deploy version 1, connect the fleet
 * through the Service and let QoS 1 traffic flow, release version 2 the scenario's way, wait until it
 * is done and every client is back, then count what happened to each client and message.
 *
 * <p>Every scenario gets its own cluster, so none inherits another's connections or sessions.
 */
public final class ScenarioRunner {

  private static final String APP = "mqtt";
  private static final String V1 = "emqx:5.8.0";
  private static final String V2 = "emqx:5.8.1";
  /** The release of the v4 dialect: EMQX Enterprise 4.4, as the blue-green posts this lab replays. */
  private static final String V1_4 = "emqx-ee:4.4.24";
  private static final String V2_4 = "emqx-ee:4.4.25";

  private ScenarioRunner() {}

  public static ScenarioReport run(Scenario scenario, LabSettings settings, Consumer<String> progress) {
    // The EMQX Operator's releases wait EMQX's 60 s per node: the run, and the fleet's traffic, last longer.
    LabSettings s = scenario.emqxOperator() || scenario.fault() != ReleaseFault.NONE
        ? EmqxOperatorScenario.settings(settings) : settings;
    if (scenario.requestResponse()) {
      return RequestScenarioRunner.run(scenario, RequestSettings.defaults(), progress);
    }
    if (scenario.schemaMigration()) {
      try (var postgres = dev.ferry.lab.db.LabPostgres.embedded()) {
        return SchemaScenarioRunner.run(scenario, SchemaSettings.defaults(), postgres, progress);
      }
    }
    ClusterConfig config = ClusterConfig.builder()
        .podStartup(s.podStartup())
        .propagationDelay(s.propagation())
        .balancing(Balancing.RANDOM)
        .emqx(s.emqx())
        .brokerProcesses(s.brokerProcesses())
        .kube(s.kube())
        .build();
    // The EMQX Operator's imitation (null for the others) stops before the cluster does.
    try (EmbeddedCluster cluster = EmbeddedCluster.start(config);
        EmqxOperatorScenario emqxOperator = scenario.emqxOperator()
            ? EmqxOperatorScenario.deploy(cluster, s, APP, v1(s)) : null) {
      if (emqxOperator == null) {
        deploy(scenario, s, cluster);
      }
      InetSocketAddress service = cluster.awaitServiceAddress(APP, "mqtt", Duration.ofSeconds(30));
      // The clients connect to a steady cluster, as the release's users' are: every broker pod in
      // the Service (as the proxies see it) before the first client, or the pods that were ready
      // first take the early clients (at 100,000 some ended with 20,000, their process's limit).
      if (!EmbeddedCluster.await(() -> cluster.serviceProxy(APP, "mqtt").orElseThrow().visibleEndpoints().size() >= s.nodes(),
          Duration.ofSeconds(60 + 10L * s.nodes()))) { // a broker JVM's start-up each, on two cores
        throw new IllegalStateException("the Service did not list all " + s.nodes() + " broker pods: "
            + cluster.serviceProxy(APP, "mqtt").orElseThrow().visibleEndpoints());
      }
      FleetConfig fleetConfig = FleetConfig.builder(s.clients())
          .protocol(s.protocol())
          .reconnect(s.reconnectBackoff()
              ? ReconnectPolicy.fullJitter(Duration.ofMillis(100), Duration.ofSeconds(5))
              : ReconnectPolicy.immediate(Duration.ofSeconds(1)))
          .publishRatePerSecond(s.publishRatePerSecond())
          .publishFor(s.timeout().plus(Duration.ofMinutes(1)))
          .build();
      try (FleetRun fleet = s.fleetProcesses() == 0
          ? Fleet.start(fleetConfig, Destination.fixed(service))
          : ShardedFleet.start(s.clients(), s.fleetProcesses(), shardOptions(s, cluster))) {
        awaitSubscribed(fleet, s.clients(), progress);
        fleet.startPublishing();
        sleep(Duration.ofSeconds(3)); // steady traffic before the release
        OperatorSampler operator = cluster.operator() == null ? null
            : new OperatorSampler(cluster.operator().registry(), APP);
        if (operator != null) {
          operator.sample(); // the counters' values before the release
        }
        long t0 = System.currentTimeMillis();
        ReleaseSteps steps = new ReleaseSteps(t0);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        if (operator != null) {
          ticker.scheduleAtFixedRate(operator::sample, 1, 1, TimeUnit.SECONDS);
        }
        Set<String> before = servingPods(cluster);
        ticker.scheduleAtFixedRate(() -> progress.accept(progressLine(scenario, s, cluster, fleet, t0, before, steps)),
            2, 2, TimeUnit.SECONDS);
        ReleaseOutcome.End end;
        try {
          if (emqxOperator != null) {
            end = emqxOperator.release(scenario.fault(), v1(s), v2(s), steps, s);
          } else if (scenario.fault() != ReleaseFault.NONE) {
            end = FerryFaults.release(scenario.fault(), cluster, s, APP, v1(s), v2(s), steps);
          } else {
            release(scenario, s, cluster, steps);
            end = new ReleaseOutcome.End(true, "released", "", null);
          }
        } finally {
          ticker.shutdownNow();
        }
        long t1 = System.currentTimeMillis();
        if (scenario.ferryMqtt() || scenario == Scenario.ADOPT) {
          steps.addOperatorEvents(operatorEvents(cluster));
        }
        fleet.awaitConnected(s.clients(), Duration.ofSeconds(30));
        sleep(Duration.ofSeconds(3));
        ScenarioReport.Outcome outcome = ReleaseOutcome.measure(cluster, APP, end);
        Set<String> remaining = remainingPods(cluster);
        FleetReport report = fleet.finish(Duration.ofSeconds(5));
        return report(scenario, s, cluster.nodeSeconds(), report, t0, t1, steps.steps(),
            operator == null ? null : operator.samples(), remaining).withOutcome(outcome);
      }
    }
  }

  private static boolean v4(LabSettings s) {
    return s.emqx().dialect() == dev.ferry.broker.EmqxProfile.Dialect.V4;
  }

  /** The image released from: its tag is the version the brokers report. */
  private static String v1(LabSettings s) {
    return v4(s) ? V1_4 : V1;
  }

  private static String v2(LabSettings s) {
    return v4(s) ? V2_4 : V2;
  }

  private static void deploy(Scenario scenario, LabSettings s, EmbeddedCluster c) {
    Duration t = s.timeout();
    switch (scenario) {
      case ROLLING -> c.deployStatefulSet(APP, s.nodes(), v1(s), t);
      case ADOPT -> AdoptScenario.deploy(APP, s, c, v1(s));
      case BLUEGREEN_PLAIN -> c.deployPlainBlueGreen(APP, "blue", s.nodes(), v1(s), t);
      case FERRY, REBALANCE, SCALE_OUT, FERRY_ROLLBACK, FERRY_BAD_IMAGE, FERRY_BAD_IMAGE_REVERT, FERRY_LATE_JOIN,
          FERRY_REBALANCE_BALANCED -> {
        c.startOperator();
        c.createApiKeySecret("mqtt-api-key");
        var ld = Workloads.brokerLosslessDeployment(APP, s.nodes(), v1(s), s.connEvictRate(),
            (int) s.waitTakeover().toSeconds(), (int) s.initialDelay().toSeconds(), "mqtt-api-key");
        ld.getSpec().getDrain().setParallel(s.drainParallel());
        if (scenario == Scenario.SCALE_OUT) {
          var auto = rebalanceSettings(s, new dev.ferry.api.v1alpha1.AutoRebalanceSpec());
          auto.setAuto(true);
          auto.setSettleSeconds((int) SCALE_OUT_SETTLE.toSeconds());
          auto.setConnEvictRate(s.connEvictRate());
          ld.getSpec().setRebalance(auto);
        }
        if (v4(s)) {
          ld.getSpec().getDrain().getEmqx().setApiVersion(dev.ferry.api.v1alpha1.EmqxApiVersion.V4);
          ld.getSpec().getDrain().getEmqx().setPort(c.config().apiPort());
        }
        c.create(ld);
        if (!EmbeddedCluster.await(() -> healthy(c, null), t)) {
          throw new IllegalStateException("LosslessDeployment " + APP + " not healthy after " + t);
        }
      }
    }
  }

  /** What the operator announced about the release (its steps among them). */
  private static List<io.fabric8.kubernetes.api.model.Event> operatorEvents(EmbeddedCluster c) {
    return c.client().v1().events().inNamespace(c.namespace()).list().getItems().stream()
        .filter(e -> e.getInvolvedObject() != null && APP.equals(e.getInvolvedObject().getName())
            && "LosslessDeployment".equals(e.getInvolvedObject().getKind()))
        .toList();
  }

  private static void release(Scenario scenario, LabSettings s, EmbeddedCluster c, ReleaseSteps steps) {
    Duration t = s.timeout();
    switch (scenario) {
      case ROLLING -> {
        c.setStatefulSetImage(APP, v2(s));
        sleep(Duration.ofMillis(500));
        if (!c.awaitStatefulSetRolledOut(APP, t)) {
          throw new IllegalStateException("the StatefulSet did not roll out within " + t);
        }
      }
      case BLUEGREEN_PLAIN -> c.releasePlainBlueGreen(APP, "blue", "green", v2(s), s.initialDelay(), t, steps::mark);
      case REBALANCE -> rebalance(s, c);
      case SCALE_OUT -> scaleOut(s, c);
      case ADOPT -> AdoptScenario.adopt(APP, s, c, v1(s), steps::mark);
      case FERRY -> {
        String before = ld(c).getStatus().getCurrentRevision();
        c.setLosslessDeploymentImage(APP, v2(s));
        if (!EmbeddedCluster.await(() -> healthy(c, before), t)) {
          throw new IllegalStateException("the release did not complete within " + t + ": " + ld(c).getStatus().getMessage());
        }
      }
    }
  }

  /**
   * Scale out by one node (the new one starts empty: long-lived connections stay where they are),
   * then a Rebalance at the same rate and takeover wait as Ferry's drains, until Completed.
   */
  private static void rebalance(LabSettings s, EmbeddedCluster c) {
    Duration t = s.timeout();
    c.editLosslessDeployment(APP, ld -> {
      ld.getSpec().setReplicas(s.nodes() + 1);
      return ld;
    });
    if (!EmbeddedCluster.await(() -> healthy(c, null) && c.readyPods(java.util.Map.of("app", APP)).size() == s.nodes() + 1, t)) {
      throw new IllegalStateException("the scale-out did not complete within " + t);
    }
    var spec = rebalanceSettings(s, new dev.ferry.api.v1alpha1.RebalanceSpec());
    var target = new dev.ferry.api.v1alpha1.TargetReference();
    target.setName(APP);
    spec.setTargetRef(target);
    spec.setConnEvictRate(s.connEvictRate());
    var rb = new dev.ferry.api.v1alpha1.Rebalance();
    rb.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("after-scale-out").build());
    rb.setSpec(spec);
    c.create(rb);
    if (!EmbeddedCluster.await(() -> {
      var r = c.client().resources(dev.ferry.api.v1alpha1.Rebalance.class).inNamespace(c.namespace())
          .withName("after-scale-out").get();
      return r != null && r.getStatus() != null && (r.getStatus().getPhase() == dev.ferry.api.v1alpha1.RebalancePhase.COMPLETED
          || r.getStatus().getPhase() == dev.ferry.api.v1alpha1.RebalancePhase.FAILED);
    }, t)) {
      throw new IllegalStateException("the rebalance did not end within " + t);
    }
  }

  /** How long the scale-out scenario lets new pods settle before the operator judges the load. */
  static final Duration SCALE_OUT_SETTLE = Duration.ofSeconds(5);

  /**
   * The rebalance settings both rebalance scenarios use: the rate and takeover wait of Ferry's drains,
   * no health-check wait (the lab's Service has no load balancer health checks), thresholds of 5% of
   * a node's fair share or 5%.
   */
  private static <T extends dev.ferry.api.v1alpha1.RebalanceSettings> T rebalanceSettings(LabSettings s, T settings) {
    settings.setSessEvictRate(s.connEvictRate());
    settings.setWaitTakeover((int) s.waitTakeover().toSeconds());
    settings.setWaitHealthCheck(0);
    int abs = Math.max(1, s.clients() / (s.nodes() + 1) / 20);
    settings.setAbsConnThreshold(abs);
    settings.setAbsSessThreshold(abs);
    settings.setRelConnThreshold("1.05");
    settings.setRelSessThreshold("1.05");
    return settings;
  }

  /**
   * Scale out by one node and nothing else: the LosslessDeployment's spec.rebalance.auto makes the
   * operator judge the load once the new node has settled and run a Rebalance of its own. Done when
   * that automatic rebalance has ended (completed, failed, or judged balanced) for the new pods.
   */
  private static void scaleOut(LabSettings s, EmbeddedCluster c) {
    Duration t = s.timeout();
    c.editLosslessDeployment(APP, ld -> {
      ld.getSpec().setReplicas(s.nodes() + 1);
      return ld;
    });
    if (!EmbeddedCluster.await(() -> {
      var auto = autoRebalance(c);
      return auto != null && auto.getPods().size() == s.nodes() + 1 && auto.getPhase() != null
          && switch (auto.getPhase()) {
            case COMPLETED, FAILED, BALANCED -> true;
            default -> false;
          };
    }, t)) {
      var auto = autoRebalance(c);
      throw new IllegalStateException("the automatic rebalance did not end within " + t
          + (auto == null ? "" : ": " + auto.getPhase() + ", " + auto.getMessage()));
    }
  }

  private static dev.ferry.api.v1alpha1.AutoRebalanceStatus autoRebalance(EmbeddedCluster c) {
    LosslessDeployment ld = ld(c);
    return ld == null || ld.getStatus() == null ? null : ld.getStatus().getRebalance();
  }

  private static LosslessDeployment ld(EmbeddedCluster c) {
    return c.client().resources(LosslessDeployment.class).inNamespace(c.namespace()).withName(APP).get();
  }

  /** Healthy, on a revision other than {@code notThis} (null: any). */
  private static boolean healthy(EmbeddedCluster c, String notThis) {
    LosslessDeployment ld = ld(c);
    return ld != null && ld.getStatus() != null && ld.getStatus().getPhase() == LosslessDeploymentPhase.HEALTHY
        && ld.getStatus().getCurrentRevision() != null && !ld.getStatus().getCurrentRevision().equals(notThis);
  }

  /**
   * How fast a sharded fleet opens its first connections, all shards together. Each shard used to
   * open 1,000 a second: 7,000 a second at 100,000 clients, on two cores shared with seven broker
   * JVMs, each CONNECT asking every peer node for the client's session. Nodes fell seconds behind,
   * takeovers timed out, clients retried elsewhere and the nodes started uneven, one at its
   * open-file limit (docs/lab.md, the 100,000-client runs). This is set-up, not the release.
   */
  static final int FIRST_CONNECTS_PER_SECOND = 2_000;

  /** What each shard process is told: the fleet's settings, and where its kube-proxy reads endpoints. */
  static List<String> shardOptions(LabSettings s, EmbeddedCluster cluster) {
    List<String> o = new java.util.ArrayList<>(cluster.kubeProxyOptions());
    o.addAll(List.of(
        "--namespace=" + cluster.namespace(),
        "--service=" + APP,
        "--port-name=mqtt",
        "--propagation-ms=" + s.propagation().toMillis(),
        "--protocol=" + (s.protocol() == dev.ferry.lab.fleet.MqttProtocol.V5 ? "5" : "3.1.1"),
        "--rate=" + s.publishRatePerSecond(),
        "--connect-rate=" + Math.max(1, FIRST_CONNECTS_PER_SECOND / s.fleetProcesses()),
        "--run-seconds=" + s.timeout().plus(Duration.ofMinutes(1)).toSeconds()));
    if (s.reconnectBackoff()) {
      o.add("--backoff-base-ms=100");
      o.add("--backoff-cap-ms=5000");
    } else {
      o.add("--immediate");
      o.add("--retry-after-failure-ms=1000");
    }
    return o;
  }

  /** Until every client holds its subscription, with a line of progress every 10 s; fails after a minute with none more. */
  static void awaitSubscribed(FleetRun fleet, int clients, Consumer<String> progress) {
    if (!fleet.awaitSubscribedWhileProgressing(FleetRun.FIRST_CONNECTS_STALL,
        n -> progress.accept(String.format("  fleet: %,d of %,d clients connected and subscribed", n, clients)))) {
      throw new IllegalStateException("the fleet did not connect: " + fleet.subscribedClients() + "/" + clients
          + " subscribed, none more in " + FleetRun.FIRST_CONNECTS_STALL.toSeconds() + " s");
    }
  }

  /**
   * The tick's line: the release's phase (the operator's, or the lab's last step), clients connected,
   * the time left, connections per node; {@code before}: the pods that served when it started.
   */
  private static String progressLine(Scenario scenario, LabSettings s, EmbeddedCluster c, FleetRun fleet, long t0,
      Set<String> before, ReleaseSteps steps) {
    long elapsed = (System.currentTimeMillis() - t0) / 1000;
    List<NodeSecond> seconds = c.nodeSeconds();
    String phase = steps.last() == null ? "releasing" : steps.last();
    Long drain = null;
    if (scenario.ferryMqtt() || scenario == Scenario.REBALANCE || scenario == Scenario.SCALE_OUT
        || scenario == Scenario.ADOPT) {
      LosslessDeployment ld = ld(c);
      var status = ld == null ? null : ld.getStatus();
      phase = status == null ? null : ProgressLine.phase(status.getPhase());
      if (scenario == Scenario.SCALE_OUT && status != null && status.getRebalance() != null
          && status.getPhase() == LosslessDeploymentPhase.HEALTHY) {
        phase = "rebalance " + status.getRebalance().getPhase().name().toLowerCase(java.util.Locale.ROOT);
      }
      if ((scenario == Scenario.FERRY || scenario == Scenario.ADOPT) && status != null
          && status.getPhase() == LosslessDeploymentPhase.DRAINING
          && !seconds.isEmpty()) {
        NodeSecond now = seconds.get(seconds.size() - 1);
        drain = ProgressLine.drainSeconds(ProgressLine.connectionsLeft(before, now), ProgressLine.podsLeft(before, now),
            s.connEvictRate(), s.drainParallel(), s.waitTakeover().toSeconds());
      }
    }
    return new ProgressLine(scenario.id(), elapsed, phase, fleet.connectedClients(), s.clients(),
        ProgressLine.nodes(seconds), ProgressLine.eta(drain, floor(scenario, s), elapsed)).format();
  }

  /**
   * The pods that stay: not deleted, not terminating. A pod the release deleted keeps its broker
   * (and a count of 0) while it stops, up to its grace period; it is not part of the balance the
   * release leaves.
   */
  private static Set<String> remainingPods(EmbeddedCluster c) {
    try {
      return c.client().pods().inNamespace(c.namespace()).list().getItems().stream()
          .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
          .map(p -> p.getMetadata().getName())
          .collect(java.util.stream.Collectors.toSet());
    } catch (RuntimeException e) {
      return Set.of(); // the figure then counts every pod of the last second, as it did
    }
  }

  /** The pods whose brokers serve now. */
  private static Set<String> servingPods(EmbeddedCluster c) {
    List<NodeSecond> seconds = c.nodeSeconds();
    return seconds.isEmpty() ? Set.of() : Set.copyOf(seconds.get(seconds.size() - 1).connections().keySet());
  }

  /** The least a release of this kind can take with these settings (DESIGN §6's floor). */
  static long floor(Scenario scenario, LabSettings s) {
    long startup = s.podStartup().toSeconds();
    return switch (scenario) {
      case ROLLING -> s.nodes() * startup;
      case BLUEGREEN_PLAIN -> startup + s.initialDelay().toSeconds();
      case EMQX_OPERATOR -> startup + s.initialDelay().toSeconds()
          + (long) Math.ceil((double) s.clients() / s.connEvictRate())
          + s.nodes() * (EmqxOperatorScenario.EMQX_DEFAULT_WAIT_HEALTH_CHECK + s.waitTakeover().toSeconds());
      case FERRY, ADOPT -> startup + s.initialDelay().toSeconds()
          + (long) Math.ceil((double) s.clients() / s.connEvictRate())
          + (long) Math.ceil((double) s.nodes() / s.drainParallel()) * s.waitTakeover().toSeconds();
      // Scale-out start-up, then a fair share for the new node moved at the rate (donors evict in
      // parallel, each at the rate, so this is an upper bound), then the takeover wait.
      case REBALANCE -> startup + (long) Math.ceil((double) s.clients() / (s.nodes() + 1) / s.connEvictRate())
          + s.waitTakeover().toSeconds();
      case SCALE_OUT -> floor(Scenario.REBALANCE, s) + SCALE_OUT_SETTLE.toSeconds();
      default -> 0;
    };
  }

  /**
   * max / mean - 1 of the clients per node in the last second, over the pods that stay (all of the
   * second's pods when none of them is known to stay): a deleted pod still stopping holds 0 and is
   * not part of the balance.
   */
  static double imbalance(NodeSecond last, Set<String> remaining) {
    if (last == null || last.connections().isEmpty()) {
      return 0;
    }
    List<Integer> counts = last.connections().entrySet().stream().filter(e -> remaining.contains(e.getKey()))
        .map(Map.Entry::getValue).toList();
    if (counts.isEmpty()) {
      counts = List.copyOf(last.connections().values());
    }
    double avg = counts.stream().mapToInt(Integer::intValue).average().orElse(0);
    int max = counts.stream().mapToInt(Integer::intValue).max().orElse(0);
    return avg == 0 ? 0 : max / avg - 1;
  }

  /** The figures of DESIGN §6 over the release, from the fleet's and the nodes' per-second series. */
  static ScenarioReport report(
      Scenario scenario, LabSettings s, List<NodeSecond> nodeSeconds, FleetReport fleet, long t0, long t1,
      List<ScenarioReport.Event> steps, List<OperatorSampler.Sample> operator, Set<String> remaining) {
    long end = t1 + 3000;
    int n = (int) Math.max(1, (end - t0 + 999) / 1000);
    int[] connected = new int[n];
    int[] lowest = new int[n];
    int[] reconnects = new int[n];
    Arrays.fill(connected, -1);
    Arrays.fill(lowest, s.clients());
    for (FleetSecond f : fleet.timeline()) {
      int i = (int) Math.floorDiv(f.epochMillis() - t0, 1000);
      if (i >= 0 && i < n) {
        connected[i] = f.connected();
        lowest[i] = Math.min(lowest[i], f.connectedLowest());
        reconnects[i] += (int) f.reconnects();
      }
    }
    for (int i = 0; i < n; i++) { // a second the meter missed shows what the one before showed
      if (connected[i] < 0) {
        connected[i] = i == 0 ? s.clients() : connected[i - 1];
      }
    }
    Map<String, int[]> perNode = new TreeMap<>();
    NodeSecond last = null;
    for (NodeSecond ns : nodeSeconds) {
      int i = (int) Math.floorDiv(ns.epochMillis() - t0, 1000);
      if (i < 0 || i >= n) {
        continue;
      }
      last = ns;
      for (var e : ns.connections().entrySet()) {
        perNode.computeIfAbsent(e.getKey(), k -> {
          int[] a = new int[n];
          Arrays.fill(a, -1);
          return a;
        })[i] = e.getValue();
      }
    }
    int releaseSeconds = (int) Math.min(n, (t1 - t0 + 999) / 1000 + 1);
    int minConnected = Arrays.stream(connected, 0, Math.max(1, releaseSeconds)).min().orElse(s.clients());
    int lowestConnected = Arrays.stream(lowest, 0, Math.max(1, releaseSeconds)).min().orElse(s.clients());
    int peak = Arrays.stream(reconnects).max().orElse(0);
    Map<Integer, Integer> histogram = new TreeMap<>();
    for (ClientReport c : fleet.clientReports()) {
      histogram.merge(c.disconnects(), 1, Integer::sum);
    }
    double imbalance = imbalance(last, remaining);
    long floor = floor(scenario, s);
    ScenarioReport.Operator operatorSeconds = operator == null ? null : OperatorSampler.perSecond(operator, t0, n);
    List<ScenarioReport.Event> marks = operatorSeconds == null ? steps : java.util.stream.Stream.concat(steps.stream(),
        ReleaseSteps.drainEnds(steps, perNode, operatorSeconds.drainConnections()).stream())
        .sorted(java.util.Comparator.comparingInt(ScenarioReport.Event::second)).toList();
    return new ScenarioReport(
        scenario.id(), scenario.description(), s.clients(), fleet.maxDisconnectsPerClient(),
        fleet.meanDisconnectsPerClient(), histogram, fleet.messagesLost(), fleet.messagesDuplicated(), peak,
        scenario.ferryMqtt() || scenario.emqxOperator() || scenario == Scenario.REBALANCE || scenario == Scenario.SCALE_OUT
            || scenario == Scenario.ADOPT
            ? s.connEvictRate() : 0, (double) minConnected / s.clients(), (double) lowestConnected / s.clients(), imbalance,
        Math.round((t1 - t0) / 1000.0), floor, new ScenarioReport.Timeline(connected, reconnects, perNode, marks, operatorSeconds));
  }

  /** Sleeps; an interrupt ends the scenario. The scenario runners share it. */
  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
