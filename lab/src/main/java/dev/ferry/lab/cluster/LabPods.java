package dev.ferry.lab.cluster;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import dev.ferry.cluster.ContainerRuntime;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
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
 * What runs in the lab's pods on the real control plane, under the shared kubelet
 * ({@link dev.ferry.cluster.Kubelet}): the same containers as on the embedded cluster's kubelet.
 *
 * <ul>
 *   <li>a lab broker node (MQTT, EMQX API and cluster channel on the pod's address), in this process
 *       or in a JVM of its own ({@link BrokerProcess}); it joins, both ways, every running broker of
 *       the pods with the same {@code clusterLabel} value (EMQX's Kubernetes discovery); its
 *       readiness probe is EMQX's {@code GET /status}, first run after the start-up time;
 *   <li>a request/response application ({@link PodApp}), which has its own start-up time;
 *   <li>a run-to-completion container ({@link PodTask}: a migration Job's pod);
 *   <li>an image matching {@code crashingImage} never starts (CrashLoopBackOff).
 * </ul>
 */
final class LabPods implements ContainerRuntime, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LabPods.class);

  private final Kubelet.Settings settings;
  /** The brokers that run now (terminating pods' too, until stopped), by pod name. */
  private final Map<String, PodBroker> brokers = new ConcurrentHashMap<>();
  private final Map<String, String> groups = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

  LabPods(Kubelet.Settings settings) {
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

      public void kill() {
        app.kill();
      }
    };
  }

  private Container broker(Pod pod, String image, String ip) throws Exception {
    String name = pod.getMetadata().getName();
    BrokerConfig config = new BrokerConfig("emqx@" + ip,
        new InetSocketAddress(ip, settings.mqttPort()), new InetSocketAddress(ip, settings.apiPort()),
        new InetSocketAddress(ip, settings.clusterPort()), List.of(), settings.apiKey(), settings.apiSecret(),
        7200, 1000, 32, Kubelet.profile(settings.emqx(), image));
    PodBroker broker = settings.brokerProcesses() ? BrokerProcess.start(config, Kubelet.BROKER_JVM) : PodBroker.inThisProcess(config);
    var labels = pod.getMetadata().getLabels();
    String group = labels == null || labels.get(settings.clusterLabel()) == null ? name : labels.get(settings.clusterLabel());
    // Pods start side by side: peering happens one pod at a time, or two brokers starting
    // together would each miss the other and form two clusters.
    synchronized (brokers) {
      brokers.forEach((other, b) -> {
        if (Objects.equals(groups.get(other), group)) {
          broker.join(b.clusterAddress());
          b.join(broker.clusterAddress());
        }
      });
      brokers.put(name, broker);
      groups.put(name, group);
    }
    log.info("event=broker_started pod={} ip={} group={}", name, ip, group);
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

      /** EMQX's readiness probe: GET /status (the embedded kubelet's too). */
      public boolean ready() {
        return Kubelet.brokerReady(http, ip, settings.apiPort());
      }

      public CompletableFuture<Void> terminate() {
        return CompletableFuture.runAsync(stop);
      }

      public void kill() {
        stop.run();
      }
    };
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

  @Override
  public void close() {
    http.close();
  }
}
