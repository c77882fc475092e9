package dev.ferry.lab.scenario;

import dev.ferry.api.v1alpha1.LifecycleSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.lab.cluster.ClusterConfig;
import dev.ferry.lab.cluster.EmbeddedCluster;
import dev.ferry.lab.cluster.KubeProxyRoutes;
import dev.ferry.lab.cluster.Workloads;
import dev.ferry.lab.net.Balancing;
import dev.ferry.lab.report.ScenarioReport;
import dev.ferry.workload.dubbo.DubboConsumer;
import dev.ferry.workload.dubbo.DubboConsumerConfig;
import dev.ferry.workload.dubbo.EmbeddedZooKeeper;
import dev.ferry.workload.load.HttpRequestSender;
import dev.ferry.workload.load.Kind;
import dev.ferry.workload.load.LoadConfig;
import dev.ferry.workload.load.LoadGenerator;
import dev.ferry.workload.load.LoadReport;
import dev.ferry.workload.load.Outcome;
import dev.ferry.workload.load.RequestSender;
import dev.ferry.workload.load.Router;
import dev.ferry.workload.load.SecondStats;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Runs one request/response scenario on a fresh embedded cluster: deploy version 1 of the service
 * ({@code web:1} or {@code dubbo-provider:1}), start a fixed-rate open-model load on each path
 * (HTTP: through the Service's kube-proxy-like L4 proxy with keep-alive clients, and through an
 * ingress-nginx-like L7 proxy; Dubbo: through a Dubbo consumer that finds providers in ZooKeeper),
 * release version 2 the scenario's way, keep the load on a little longer, then count every request.
 *
 * <ul>
 *   <li>{@code *-k8s}: what a Deployment does (two ReplicaSets, the new one scaled up and the old one
 *       down within maxSurge / maxUnavailable, by ready pods), with pods as users have them today:
 *       a readiness probe, no preStop hook, the default grace period, nothing delayed, no drain.
 *   <li>{@code *-ferry}: a LosslessDeployment with strategy Rolling and a lifecycle; the operator
 *       renders the preStop hook and grace period and drives the serving gate and the drain.
 * </ul>
 */
public final class RequestScenarioRunner {

  static final int MAX_SURGE = 1;
  static final int MAX_UNAVAILABLE = 1;
  /** The Dubbo application's cold start: this much more per call when Dubbo starts... */
  static final Duration COLD_EXTRA = Duration.ofSeconds(3);
  /** ...falling linearly to nothing over this. */
  static final Duration COLD_PERIOD = Duration.ofSeconds(10);
  /** Dubbo's {@code delay} in dubbo-ferry: calls take under 0.6 s more by then (the timeout is 1 s). */
  static final Duration DUBBO_DELAY = Duration.ofSeconds(8);

  private RequestScenarioRunner() {}

  public static ScenarioReport run(Scenario scenario, RequestSettings s, Consumer<String> progress) {
    return run(scenario, s, dev.ferry.lab.cluster.Kube.EMBEDDED, progress);
  }

  /** Runs the scenario on the Kubernetes {@code kube} says. */
  public static ScenarioReport run(Scenario scenario, RequestSettings s, dev.ferry.lab.cluster.Kube kube, Consumer<String> progress) {
    if (!scenario.requestResponse()) {
      throw new IllegalArgumentException(scenario.id() + " is not a request/response scenario");
    }
    quietLibraries();
    EmbeddedZooKeeper zk = scenario.dubbo()
        ? EmbeddedZooKeeper.start(new InetSocketAddress(EmbeddedCluster.serviceRangeAddress(), 2181)) : null;
    try {
      ClusterConfig config = ClusterConfig.builder()
          .podStartup(s.podStartup())
          .propagationDelay(s.propagation())
          .balancing(Balancing.RANDOM)
          .dubboRegistry(zk == null ? null : zk.dubboRegistry())
          .kube(kube)
          .build();
      try (EmbeddedCluster cluster = EmbeddedCluster.start(config)) {
        return new Run(scenario, s, cluster, zk, progress).run();
      }
    } finally {
      if (zk != null) {
        try {
          zk.close();
        } catch (IOException e) {
          progress.accept("ZooKeeper did not close: " + e);
        }
      }
    }
  }

  /**
   * Dubbo logs every late answer at WARN with a stack trace (tens of megabytes in a baseline whose
   * calls time out), and on two cores that logging slows the lab enough to time out more calls:
   * Dubbo, ZooKeeper and Curator log errors only, when the backend is logback.
   */
  static void quietLibraries() {
    for (String name : List.of("org.apache.dubbo", "org.apache.zookeeper", "org.apache.curator", "io.micrometer")) {
      org.slf4j.Logger l = org.slf4j.LoggerFactory.getLogger(name);
      try {
        Class<?> level = Class.forName("ch.qos.logback.classic.Level");
        l.getClass().getMethod("setLevel", level).invoke(l, level.getField("ERROR").get(null));
      } catch (ReflectiveOperationException | RuntimeException e) {
        return; // another logging backend: its own configuration decides
      }
    }
  }

  /** The lifecycle the Ferry scenarios give the operator. */
  static LifecycleSpec lifecycle(Scenario scenario, RequestSettings s) {
    LifecycleSpec l = new LifecycleSpec();
    int lag = (int) Math.ceil(Math.max(s.propagation().toMillis(), s.ingressDelay().toMillis()) / 1000.0);
    l.setWarmupSeconds(s.warmupSeconds());
    l.setShutdownSeconds(10);
    if (scenario.dubbo()) {
      // The registry is the path: Dubbo's QoS offline takes the provider out of ZooKeeper, the sleep
      // lets every consumer hear of it, then SIGTERM. Dubbo's own delay does the delayed online.
      l.setOfflineUrl("http://localhost:" + 22222 + "/offline");
      l.setPreStopSleepSeconds(3);
      l.setDelayOnlineSeconds(0);
      l.setPropagationSeconds(1);
    } else {
      l.setPreStopSleepSeconds(lag + 1);
      l.setDelayOnlineSeconds(2);
      l.setPropagationSeconds(lag + 1);
    }
    return l;
  }

  /** The application's own settings (environment) for version {@code v} of the scenario's pods. */
  static Map<String, String> env(Scenario scenario, RequestSettings s) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("STARTUP_MS", String.valueOf(s.podStartup().toMillis()));
    env.put("SERVICE_MS", "10");
    if (scenario.dubbo()) {
      // The same application in both: once Dubbo has started it is slow for a while (caches and
      // connection pools filling, JIT): 3 s more per call at first, none after 10 s; the consumers'
      // timeout is Dubbo's default, 1 s. Ferry's version sets Dubbo's delay past the worst of it
      // and a warmup, as Dubbo's documentation suggests; the baseline has neither.
      env.put("COLD_EXTRA_MS", String.valueOf(COLD_EXTRA.toMillis()));
      env.put("COLD_PERIOD_MS", String.valueOf(COLD_PERIOD.toMillis()));
      env.put("DUBBO_PROVIDER_DELAY", scenario.ferry() ? String.valueOf(DUBBO_DELAY.toMillis()) : "0");
      env.put("DUBBO_PROVIDER_WARMUP", scenario.ferry() ? String.valueOf(s.warmupSeconds() * 1000L) : "0");
      env.put("DUBBO_SHUTWAIT", "10000");
    } else {
      // On SIGTERM the application exits at once, requests in flight and all: the default of Go's
      // net/http and Node's http servers, and of Spring Boot before 3.4 (server.shutdown=immediate).
      // The same application in both scenarios; graceful shutdown is what Ferry makes unnecessary.
      env.put("SHUTDOWN_MS", "0");
    }
    return env;
  }

  /** Callers of the Service: client pods, each with its own keep-alive connection pool. */
  static final int SERVICE_CLIENTS = 16;

  /** Several clients, each with its own connections, sending in turn: a Service's many callers. */
  static final class Clients implements RequestSender {
    private final List<RequestSender> clients = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();

    Clients(int n, java.util.function.Supplier<RequestSender> client) {
      for (int i = 0; i < n; i++) {
        clients.add(client.get());
      }
    }

    @Override
    public CompletableFuture<Outcome> send() {
      return clients.get((int) Math.floorMod(next.getAndIncrement(), (long) clients.size())).send();
    }

    @Override
    public void close() {
      clients.forEach(RequestSender::close);
    }
  }

  /** One request path: its load and a few of its error details. */
  private record Path(String name, String via, RequestSender sender, LoadGenerator load, Recorder recorder) {}

  /** Keeps the first distinct error details of a path (kind and message), for people. */
  private static final class Recorder implements RequestSender {
    private final RequestSender delegate;
    private final Map<String, Integer> details = new ConcurrentHashMap<>();

    Recorder(RequestSender delegate) {
      this.delegate = delegate;
    }

    @Override
    public CompletableFuture<Outcome> send() {
      return delegate.send().thenApply(o -> {
        if (o.kind() != Kind.OK && details.size() < 8) {
          String detail = o.detail() == null ? "" : o.detail();
          int t = detail.indexOf(". start time:"); // Dubbo's timeouts: the same but for their times
          String d = o.kind() + ": " + (t > 0 ? detail.substring(0, t) : detail);
          details.merge(d.length() > 160 ? d.substring(0, 160) : d, 1, Integer::sum);
        }
        return o;
      });
    }

    List<String> details() {
      return details.entrySet().stream().map(e -> e.getKey() + " (x" + e.getValue() + ")").sorted().toList();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private static final class Run {
    final Scenario scenario;
    final RequestSettings s;
    final EmbeddedCluster c;
    final EmbeddedZooKeeper zk;
    final Consumer<String> progress;
    final String app;
    final String v1;
    final String v2;

    Run(Scenario scenario, RequestSettings s, EmbeddedCluster c, EmbeddedZooKeeper zk, Consumer<String> progress) {
      this.scenario = scenario;
      this.s = s;
      this.c = c;
      this.zk = zk;
      this.progress = progress;
      this.app = scenario.dubbo() ? "rpc" : "web";
      this.v1 = (scenario.dubbo() ? "dubbo-provider" : "web") + ":1";
      this.v2 = (scenario.dubbo() ? "dubbo-provider" : "web") + ":2";
    }

    ScenarioReport run() {
      deploy();
      List<Path> paths = new ArrayList<>();
      KubeProxyRoutes kubeProxy = null;
      long loadStart = System.currentTimeMillis();
      LoadConfig load = LoadConfig.of(s.ratePerSecond(), s.timeout().plus(s.settle().multipliedBy(2)).plusSeconds(60))
          .withMaxInFlight(2000);
      try {
        if (scenario.dubbo()) {
          // Dubbo's defaults: weighted random, 1 s timeout, 2 retries (which do not apply to this
          // asynchronous call: its timeout comes after the invoker returned).
          var consumer = DubboConsumer.start(DubboConsumerConfig.of(zk.dubboRegistry()));
          if (!EmbeddedCluster.await(() -> consumer.providers().size() >= s.replicas(), Duration.ofSeconds(30))) {
            consumer.close();
            throw new IllegalStateException("the Dubbo consumer sees " + consumer.providers() + ", not " + s.replicas());
          }
          ScenarioRunner.sleep(COLD_PERIOD); // version 1 has run for a while: warm
          warmUp(List.of(consumer));
          loadStart = System.currentTimeMillis();
          paths.add(start("consumer", "Dubbo consumer, Dubbo's defaults (ZooKeeper, weighted random, 1 s timeout)",
              consumer, load));
        } else {
          c.awaitServiceAddress(app, "http", Duration.ofSeconds(30));
          // kube-proxy as iptables does it: each new connection DNATed straight to a ready endpoint
          // of this node's (late) view, no process in between; refused when there is none.
          kubeProxy = new KubeProxyRoutes(c.kubeProxyConfig(), c.namespace(), app, "http", s.propagation(), Duration.ofMillis(100));
          KubeProxyRoutes routes = kubeProxy;
          if (!EmbeddedCluster.await(() -> !routes.endpoints().isEmpty(),
              s.propagation().plusSeconds(10))) {
            throw new IllegalStateException("kube-proxy has no endpoint of " + app);
          }
          InetSocketAddress ingress = c.startIngress(app, "http", s.ingressDelay());
          EmbeddedCluster.await(() -> false, s.ingressDelay().plusMillis(500)); // the ingress learns the pods
          var viaService = new Clients(SERVICE_CLIENTS, () -> HttpRequestSender.work(() -> routes.addressFor("client")));
          var viaIngress = HttpRequestSender.work(Router.fixed(ingress));
          warmUp(List.of(viaService, viaIngress));
          loadStart = System.currentTimeMillis();
          paths.add(start("service", "Service (kube-proxy L4, DNAT to a ready pod), " + SERVICE_CLIENTS
              + " callers with keep-alive connections", viaService, load));
          paths.add(start("ingress", "ingress (L7 like ingress-nginx: pod addresses, learnt late, slow start)",
              viaIngress, load));
        }
        ScenarioRunner.sleep(s.settle());
        List<String> before = c.pods().stream().map(p -> p.getMetadata().getName()).toList();
        long t0 = System.currentTimeMillis();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        ticker.scheduleAtFixedRate(() -> progress.accept(progressLine(paths, t0)), 2, 2, TimeUnit.SECONDS);
        try {
          release();
        } finally {
          ticker.shutdownNow();
        }
        long t1 = System.currentTimeMillis();
        // Long enough to see the last new pod warm up, and for a late error to show.
        ScenarioRunner.sleep(s.settle().plusSeconds(scenario.ferry() ? s.warmupSeconds() : 0));
        Set<String> newPods = c.pods().stream().map(p -> p.getMetadata().getName())
            .filter(n -> !before.contains(n)).collect(Collectors.toSet());
        paths.forEach(p -> p.load().stop());
        Map<String, LoadReport> reports = new LinkedHashMap<>();
        for (Path p : paths) {
          try {
            reports.put(p.name(), p.load().done().get(40, TimeUnit.SECONDS));
          } catch (Exception e) {
            reports.put(p.name(), p.load().report());
          }
        }
        return report(paths, reports, newPods, loadStart, t0, t1);
      } finally {
        paths.forEach(p -> {
          p.load().close();
          p.sender().close();
        });
        if (kubeProxy != null) {
          kubeProxy.close();
        }
      }
    }

    /**
     * The same load for a few seconds, not counted: the JVM compiles the paths' code and the
     * clients open their connections, as a service that has run for a while has.
     */
    void warmUp(List<RequestSender> senders) {
      List<LoadGenerator> loads = new ArrayList<>();
      for (RequestSender sender : senders) {
        loads.add(LoadGenerator.start(scenario.id() + "-warmup", LoadConfig.of(s.ratePerSecond(), s.settle()), sender));
      }
      for (LoadGenerator g : loads) {
        try {
          LoadReport r = g.done().get(s.settle().plusSeconds(30).toSeconds(), TimeUnit.SECONDS);
          progress.accept(String.format("[%s] warm-up (not counted): %d sent, %d failed %s", scenario.id(),
              r.requestsSent(), r.requestsFailed(), r.errors()));
        } catch (Exception e) {
          g.close();
        }
      }
    }

    Path start(String name, String via, RequestSender sender, LoadConfig load) {
      Recorder r = new Recorder(sender);
      return new Path(name, via, r, LoadGenerator.start(scenario.id() + "-" + name, load, r), r);
    }

    void deploy() {
      Duration t = s.timeout();
      Map<String, String> env = env(scenario, s);
      c.create(scenario.dubbo() ? Workloads.appService(app, "dubbo", 20880) : Workloads.appService(app, "http", 8080));
      if (scenario.ferry()) {
        c.startOperator();
        c.create(Workloads.appLosslessDeployment(app, s.replicas(), v1, env, MAX_SURGE, MAX_UNAVAILABLE,
            lifecycle(scenario, s), !scenario.dubbo()));
        if (!EmbeddedCluster.await(() -> healthy(null) && c.readyPods(Map.of("app", app)).size() == s.replicas(), t)) {
          throw new IllegalStateException("LosslessDeployment " + app + " not healthy after " + t + ": " + message());
        }
      } else {
        DeploymentRollout.deploy(c, app, "v1", Workloads.appTemplate(app, v1, Map.of("version", "v1"), env), s.replicas(),
            MAX_SURGE, MAX_UNAVAILABLE);
        if (!c.awaitReadyPods(Map.of("app", app), s.replicas(), t)) {
          throw new IllegalStateException(app + " v1 not ready after " + t);
        }
      }
    }

    void release() {
      Duration t = s.timeout();
      if (scenario.ferry()) {
        String before = ld().getStatus().getCurrentRevision();
        c.setLosslessDeploymentImage(app, v2);
        if (!EmbeddedCluster.await(() -> healthy(before) && onlyNewPods(), t)) {
          throw new IllegalStateException("the release did not complete within " + t + ": " + message());
        }
      } else if (!DeploymentRollout.roll(c, app, "v1", "v2", Workloads.appTemplate(app, v2, Map.of("version", "v2"), env(scenario, s)),
          v2, s.replicas(), MAX_SURGE, MAX_UNAVAILABLE, t)) {
        throw new IllegalStateException("the rolling update did not complete within " + t);
      }
    }

    /** Every pod of the app runs version 2 (the old ones are gone, not just terminating). */
    boolean onlyNewPods() {
      return c.pods().stream().filter(p -> app.equals(label(p, "app")))
          .allMatch(p -> v2.equals(p.getSpec().getContainers().get(0).getImage()));
    }

    static String label(Pod p, String key) {
      return p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(key);
    }

    LosslessDeployment ld() {
      return c.client().resources(LosslessDeployment.class).inNamespace(c.namespace()).withName(app).get();
    }

    String message() {
      LosslessDeployment ld = ld();
      return ld == null || ld.getStatus() == null ? "no status" : ld.getStatus().getPhase() + ": " + ld.getStatus().getMessage();
    }

    boolean healthy(String notThis) {
      LosslessDeployment ld = ld();
      return ld != null && ld.getStatus() != null && ld.getStatus().getPhase() == LosslessDeploymentPhase.HEALTHY
          && ld.getStatus().getCurrentRevision() != null && !ld.getStatus().getCurrentRevision().equals(notThis);
    }

    String progressLine(List<Path> paths, long t0) {
      StringBuilder line = new StringBuilder(String.format("[%s] %3ds", scenario.id(), (System.currentTimeMillis() - t0) / 1000));
      for (Path p : paths) {
        LoadReport r = p.load().report();
        line.append(String.format("  %s: %d sent, %d failed", p.name(), r.requestsSent(), r.requestsFailed()));
      }
      try {
        List<String> pods = c.pods().stream().map(p -> p.getMetadata().getName()
            + (p.getMetadata().getDeletionTimestamp() != null ? "(terminating)" : "")).sorted().toList();
        line.append("  pods ").append(pods);
        if (scenario.ferry()) {
          line.append("  ").append(message());
        }
      } catch (RuntimeException e) {
        // the API server is busy: the counts say enough
      }
      return line.toString();
    }

    ScenarioReport report(List<Path> paths, Map<String, LoadReport> reports, Set<String> newPods, long loadStart,
        long t0, long t1) {
      int n = reports.values().stream().mapToInt(r -> r.perSecond().size()).max().orElse(0);
      int[] sent = new int[n];
      int[] failed = new int[n];
      Map<String, ScenarioReport.Path> byPath = new LinkedHashMap<>();
      long totalSent = 0;
      long totalFailed = 0;
      double p99 = 0;
      for (Path p : paths) {
        LoadReport r = reports.get(p.name());
        for (SecondStats ss : r.perSecond()) {
          if (ss.second() >= 0 && ss.second() < n) {
            sent[(int) ss.second()] += (int) ss.sent();
            failed[(int) ss.second()] += (int) ss.failed();
          }
        }
        Map<String, Long> errors = new TreeMap<>();
        r.errors().forEach((k, v) -> errors.put(k.name(), v));
        byPath.put(p.name(), new ScenarioReport.Path(p.via(), r.requestsSent(), r.requestsOk(), r.requestsFailed(),
            errors, round(r.p50Ms()), round(r.p99Ms()), p.recorder().details()));
        totalSent += r.requestsSent();
        totalFailed += r.requestsFailed();
        p99 = Math.max(p99, r.p99Ms());
      }
      String warmupPath = scenario.dubbo() ? "consumer" : "ingress";
      Map<String, int[]> perNewPod = new TreeMap<>();
      LoadReport wr = reports.get(warmupPath);
      if (wr != null) {
        for (SecondStats ss : wr.perSecond()) {
          ss.perPod().forEach((pod, count) -> {
            if (newPods.contains(pod) && ss.second() >= 0 && ss.second() < n) {
              perNewPod.computeIfAbsent(pod, k -> new int[n])[(int) ss.second()] = count.intValue();
            }
          });
        }
      }
      int startSecond = (int) Math.floorDiv(t0 - loadStart, 1000);
      int endSecond = (int) Math.floorDiv(t1 - loadStart, 1000);
      var requests = new ScenarioReport.Requests(s.ratePerSecond(), byPath, startSecond, endSecond, sent, failed,
          warmupPath, perNewPod, scenario.ferry() ? s.warmupSeconds() : 0);
      // The MQTT figures do not apply; the timeline shows requests: OK per second, failed per second,
      // and per new pod.
      int[] ok = new int[n];
      for (int i = 0; i < n; i++) {
        ok[i] = sent[i] - failed[i];
      }
      return new ScenarioReport(scenario.id(), scenario.description(), 0, 0, 0, Map.of(), -1, -1, 0, 0, 1, 1, 0,
          Math.round((t1 - t0) / 1000.0), 0, new ScenarioReport.Timeline(ok, failed, perNewPod),
          totalSent, totalFailed, round(p99), requests);
    }
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
