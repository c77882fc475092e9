package dev.ferry.lab.cluster;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import dev.ferry.cluster.ContainerRuntime;
import dev.ferry.cluster.Kubelet;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs in the lab's pods, under the shared kubelet ({@link dev.ferry.cluster.Kubelet}), on the
 * real control plane and on the embedded one alike:
 *
 * <ul>
 *   <li>a lab broker node (MQTT, EMQX API and cluster channel on the pod's address), in this process
 *       or in a JVM of its own ({@link BrokerProcess}); it joins, both ways, every running broker of
 *       the pods with the same {@code clusterLabel} value (EMQX's Kubernetes discovery); its
 *       readiness probe is EMQX's {@code GET /status}, first run after the start-up time;
 *   <li>a request/response application ({@link PodApp}), which has its own start-up time;
 *   <li>a run-to-completion container ({@link PodTask}: a migration Job's pod);
 *   <li>an image matching {@code crashingImage} never starts (CrashLoopBackOff);
 *   <li>an image tagged {@code ...joins-after-<n>s} runs and is Ready n seconds before it joins its cluster.
 * </ul>
 */
final class LabPods implements ContainerRuntime, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LabPods.class);

  /** How the lab's pods run. */
  record Settings(
      Duration startup,
      Duration probePeriod,
      int mqttPort,
      int apiPort,
      int clusterPort,
      String apiKey,
      String apiSecret,
      String clusterLabel,
      String crashingImage,
      dev.ferry.broker.EmqxProfile emqx,
      boolean brokerProcesses,
      String dubboRegistry) {}

  /**
   * A child broker's JVM: small heap, serial GC (a lab on two cores has no CPU for parallel GC threads)
   * and the C1 compiler only: a broker pod lives a few release steps, all of it cold, and C2's
   * compiling took more CPU than its IO loops while clients connected (half the broker's CPU for
   * 10,000 CONNECTs, docs/broker.md, the benchmark). scripts/bench-broker runs the same options.
   * Native access: the broker's epoll transport loads its JNI library without a warning.
   */
  static List<String> brokerJvm() {
    return ChildJvm.options("-Xmx2g", "-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1",
        "--enable-native-access=ALL-UNNAMED");
  }

  /** A readiness probe's answer is awaited this long: Kubernetes' default {@code timeoutSeconds}, 1. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  /** Files a broker process keeps for itself: jars, epoll, its API and cluster sockets, logs. */
  static final int FILES_KEPT_BY_A_BROKER = 1_000;

  /**
   * A broker pod in its own process takes at most its open-file limit less what the process keeps:
   * set as an EMQX user sets {@code max_connections} below the pod's {@code ulimit -n}, so that a
   * full node closes new connections (the client tries another) instead of failing every accept,
   * its API's and its peers' among them, with "Too many open files". A child inherits this
   * process's limit.
   */
  static int maxConnections() {
    long files = dev.ferry.lab.fleet.OpenFileBudget.ofThisProcess().max();
    return files >= Integer.MAX_VALUE || files <= 2L * FILES_KEPT_BY_A_BROKER ? 0 : (int) (files - FILES_KEPT_BY_A_BROKER);
  }

  private final Settings settings;
  /** The brokers that run now (terminating pods' too, until stopped), by pod name. */
  private final Map<String, PodBroker> brokers = new ConcurrentHashMap<>();
  private final Map<String, String> groups = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
  /** Applications killed: the lab waits for them at its close (a Dubbo provider's shutdown takes its time). */
  private final List<CompletableFuture<Void>> kills = new java.util.concurrent.CopyOnWriteArrayList<>();

  LabPods(Settings settings) {
    this.settings = settings;
  }

  @Override
  public Container start(Pod pod, Map<String, String> env, String ip) throws Exception {
    String image = pod.getSpec().getContainers().get(0).getImage();
    if (image != null && settings.crashingImage() != null && image.contains(settings.crashingImage())) {
      throw new IllegalStateException("image " + image + " crashes at start");
    }
    if (PodTask.handles(image)) {
      return task(pod, env);
    }
    if (PodApp.handles(image)) {
      return app(PodApp.start(pod, env, ip, settings.startup(), settings.dubboRegistry()));
    }
    return broker(pod, image, ip);
  }

  private Container task(Pod pod, Map<String, String> env) {
    CompletableFuture<Exit> exit = PodTask.start(pod, env).thenApply(e -> new Exit(e.code(), e.reason(), e.message()));
    return new Container() {
      public boolean ready() {
        return true;
      }

      public CompletableFuture<Exit> exited() {
        return exit;
      }

      // A migration in this process cannot be stopped halfway safely: it runs to its end.
      public CompletableFuture<Void> terminate() {
        return exit.thenApply(e -> null);
      }

      public void kill() {}
    };
  }

  private Container app(PodApp app) {
    return new Container() {
      public boolean ready() {
        return app.probe(http);
      }

      public CompletableFuture<Void> terminate() {
        return app.terminate();
      }

      /** SIGKILL; an application in this process that cannot be killed (Dubbo) shuts down as fast as it can. */
      public void kill() {
        kills.add(app.shutdownNow());
      }
    };
  }

  private Container broker(Pod pod, String image, String ip) throws Exception {
    String name = pod.getMetadata().getName();
    BrokerConfig config = new BrokerConfig("emqx@" + ip,
        new InetSocketAddress(ip, settings.mqttPort()), new InetSocketAddress(ip, settings.apiPort()),
        new InetSocketAddress(ip, settings.clusterPort()), List.of(), settings.apiKey(), settings.apiSecret(),
        7200, 1000, 32, profile(settings.emqx(), image));
    PodBroker broker = settings.brokerProcesses()
        ? BrokerProcess.start(config.withMaxConnections(maxConnections()), brokerJvm())
        : PodBroker.inThisProcess(config);
    var labels = pod.getMetadata().getLabels();
    String group = labels == null || labels.get(settings.clusterLabel()) == null ? name : labels.get(settings.clusterLabel());
    Duration joinDelay = joinDelay(image);
    if (joinDelay.isZero()) {
      joinGroup(name, broker, group);
    } else {
      // Running and answering /status (so Ready), but not in the cluster until the delay is over.
      synchronized (brokers) {
        brokers.put(name, broker);
        groups.put(name, "not-joined:" + name);
      }
      CompletableFuture.delayedExecutor(joinDelay.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> {
        if (brokers.get(name) == broker) {
          joinGroup(name, broker, group);
          log.info("event=broker_joined_late pod={} after_ms={}", name, joinDelay.toMillis());
        }
      });
    }
    log.info("event=broker_started pod={} ip={} group={} join_delay_ms={}", name, ip, group, joinDelay.toMillis());
    Runnable stop = () -> {
      try {
        broker.close(); // SIGTERM: the broker disconnects its clients (MQTT 5: 0x8B) and stops
      } finally {
        brokers.remove(name);
        groups.remove(name);
      }
    };
    return new Container() {
      public Duration startup() {
        return settings.startup();
      }

      /** EMQX's readiness probe: GET /status. */
      public boolean ready() {
        return brokerReady(http, ip, settings.apiPort());
      }

      public CompletableFuture<Void> terminate() {
        return CompletableFuture.runAsync(stop);
      }

      public void kill() {
        stop.run();
      }
    };
  }

  /**
   * Joins a broker to every running broker of its group, both ways. Pods start side by side:
   * peering happens one pod at a time, or two brokers starting together would each miss the other
   * and form two clusters.
   */
  private void joinGroup(String name, PodBroker broker, String group) {
    synchronized (brokers) {
      brokers.forEach((other, b) -> {
        if (!other.equals(name) && Objects.equals(groups.get(other), group)) {
          broker.join(b.clusterAddress());
          b.join(broker.clusterAddress());
        }
      });
      brokers.put(name, broker);
      groups.put(name, group);
    }
  }

  /**
   * How long a broker of this image runs before it joins its cluster: an image whose tag has
   * {@code joins-after-<n>s} (e.g. {@code emqx:5.8.1-joins-after-20s}) starts, answers its readiness
   * probe and takes clients, but is in no cluster for n seconds: a pod Ready before it has joined,
   * as EMQX's {@code GET /status} allows. Zero for every other image.
   */
  static Duration joinDelay(String image) {
    var m = java.util.regex.Pattern.compile("joins-after-(\\d+)s").matcher(image == null ? "" : image);
    return m.find() ? Duration.ofSeconds(Long.parseLong(m.group(1))) : Duration.ZERO;
  }

  /** The brokers that run now (terminating pods' too, until stopped), by pod name. */
  Map<String, PodBroker> podBrokers() {
    return new TreeMap<>(brokers);
  }

  /** The in-process brokers among {@link #podBrokers()} (tests look inside them). */
  Map<String, BrokerNode> brokers() {
    Map<String, BrokerNode> out = new TreeMap<>();
    brokers.forEach((pod, b) -> {
      if (b.inProcess() != null) {
        out.put(pod, b.inProcess());
      }
    });
    return out;
  }

  /** EMQX's readiness probe, once: GET /status on the API port answers 200 (once the node holds its peers' routes). */
  static boolean brokerReady(HttpClient http, String ip, int apiPort) {
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + apiPort + "/status"))
          .timeout(PROBE_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * The EMQX a pod's broker behaves as: the lab's profile, at the version of the image's tag when
   * that has the profile's major version (a release from 5.8.0 to 5.8.1 shows in {@code /nodes}).
   */
  static dev.ferry.broker.EmqxProfile profile(dev.ferry.broker.EmqxProfile p, String image) {
    String tag = version(image);
    return tag != null && tag.split("\\.")[0].equals(p.version().split("\\.")[0])
        ? p.withVersion(tag, p.edition()) : p;
  }

  /** The version in an image's tag ({@code emqx:5.8.1} → 5.8.1), or null. */
  static String version(String image) {
    if (image != null && image.lastIndexOf(':') > image.lastIndexOf('/')) {
      var m = java.util.regex.Pattern.compile("(\\d+\\.\\d+(\\.\\d+)?)(-.*)?")
          .matcher(image.substring(image.lastIndexOf(':') + 1));
      if (m.matches()) {
        return m.group(1);
      }
    }
    return null;
  }

  /**
   * Pod addresses on loopback for the embedded cluster (no network of its own): the next address of
   * {@link Loopback#PODS} on which none of the lab's ports is taken (another lab on this machine
   * may hold one; an application binds only once its start-up time has passed, too late to find out).
   */
  Kubelet.PodAddresses loopbackAddresses() {
    int[] ports = {settings.mqttPort(), settings.apiPort(), settings.clusterPort(), PodApp.HTTP_PORT, PodApp.DUBBO_PORT};
    return ipv6 -> {
      if (ipv6) {
        throw new IllegalArgumentException("the embedded lab has no IPv6 pod addresses (use --kube real)");
      }
      for (int attempt = 0; attempt < Loopback.BIND_ATTEMPTS; attempt++) {
        String ip = Loopback.PODS.next();
        if (java.util.Arrays.stream(ports).allMatch(port -> free(ip, port))) {
          return ip;
        }
        log.info("event=pod_address_taken ip={}", ip);
      }
      throw new IllegalStateException("no free pod address after " + Loopback.BIND_ATTEMPTS + " attempts");
    };
  }

  private static boolean free(String ip, int port) {
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.bind(new InetSocketAddress(ip, port));
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Waits (20 s at most) for the applications killed to be gone; the kubelet has killed every container before. */
  @Override
  public void close() {
    try {
      CompletableFuture.allOf(kills.toArray(CompletableFuture[]::new)).get(20, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("event=app_stop_slow error={}", e.toString());
    }
    http.close();
  }
}
