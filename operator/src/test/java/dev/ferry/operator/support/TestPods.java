package dev.ferry.operator.support;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.cluster.ContainerRuntime;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What runs in the pods of an operator test, under our kubelet on the real control plane:
 *
 * <ul>
 *   <li>by default a real lab broker node (MQTT on 1883, cluster channel on 4370, the EMQX API on
 *       18083 through a {@link FaultyApi} that tests can make fail, the broker's own API behind it on
 *       18084), peered both ways with every other broker of the namespace (EMQX's discovery); an
 *       image whose name contains "lonely" runs a broker that joins no cluster until {@link #joinAll},
 *       Ready all the same, as EMQX's readiness probe answers before a node has joined; "ipv6" gives
 *       the pod an IPv6 address; "bad" never starts (CrashLoopBackOff);
 *   <li>with {@link #httpPods}, a {@link DrainServer} (the HTTP drain protocol with a simulated load);
 *   <li>a Job's pod (a migration): exits 0 a moment after it starts, or as {@link #failJob} and
 *       {@link #holdJob} say, and the real Job controller does the rest.
 * </ul>
 *
 * A pod's container is ready once the start-up time has passed. What happens is recorded for the
 * tests to check: which pods Kubernetes deleted and when, whether their drain server had reported
 * empty by then, and when a pod left its Service's EndpointSlices.
 */
public final class TestPods implements ContainerRuntime, AutoCloseable {
  public static final String API_KEY = "ferry";
  public static final String API_SECRET = "s3cret-not-logged";

  /** The drain endpoint every pod serves, when set: port, path and the load each pod starts with. */
  public record HttpPods(int port, String path, int inFlight, int connections) {}

  private final Duration startup;
  private volatile HttpPods httpPods;
  private volatile EmqxProfile emqx = EmqxProfile.DEFAULT;
  private final Map<String, BrokerNode> brokers = new ConcurrentHashMap<>();
  private final Map<String, String> ips = new ConcurrentHashMap<>();
  private final Set<String> lonely = ConcurrentHashMap.newKeySet();
  private final Map<String, DrainServer> drainServers = new ConcurrentHashMap<>();
  private final Map<String, String> jobFailures = new ConcurrentHashMap<>();
  private final Set<String> heldJobs = ConcurrentHashMap.newKeySet();
  private final Map<String, CompletableFuture<Exit>> runningJobs = new ConcurrentHashMap<>();
  private final List<String> deletedPods = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Instant> deletedAt = new ConcurrentHashMap<>();
  private final Map<String, Boolean> emptyWhenDeleted = new ConcurrentHashMap<>();
  private final Map<String, Instant> leftSliceAt = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final List<String> seenJobs = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Moves each drain server's simulated load along. */
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "drain-server-tick");
    t.setDaemon(true);
    return t;
  });

  public TestPods(Duration startup) {
    this.startup = startup;
    ticker.scheduleWithFixedDelay(() -> drainServers.values().forEach(server -> {
      try {
        server.tick();
      } catch (RuntimeException e) {
        // a closed server: nothing to move
      }
    }), 150, 150, TimeUnit.MILLISECONDS);
  }

  /** Starts recording what Kubernetes does to the pods and EndpointSlices of {@code namespace}. */
  public TestPods record(KubernetesClient client, String namespace) {
    informers.add(client.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      public void onAdd(Pod pod) {
        onUpdate(null, pod);
      }

      public void onUpdate(Pod old, Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null && (old == null || old.getMetadata().getDeletionTimestamp() == null)) {
          deleted(pod.getMetadata().getName());
        }
      }

      public void onDelete(Pod pod, boolean unknown) {}
    }));
    informers.add(client.batch().v1().jobs().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      public void onAdd(io.fabric8.kubernetes.api.model.batch.v1.Job job) {
        seenJobs.add(job.getMetadata().getName() + "/" + job.getMetadata().getUid());
      }

      public void onUpdate(io.fabric8.kubernetes.api.model.batch.v1.Job old, io.fabric8.kubernetes.api.model.batch.v1.Job job) {}

      public void onDelete(io.fabric8.kubernetes.api.model.batch.v1.Job job, boolean unknown) {}
    }));
    Map<String, Boolean> shownReady = new HashMap<>();
    informers.add(client.discovery().v1().endpointSlices().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      public void onAdd(EndpointSlice s) {
        onUpdate(null, s);
      }

      public synchronized void onUpdate(EndpointSlice old, EndpointSlice s) {
        Map<String, Boolean> now = new HashMap<>();
        if (s.getEndpoints() != null) {
          s.getEndpoints().forEach(e -> {
            if (e.getTargetRef() != null) {
              now.put(e.getTargetRef().getName(), e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getReady()));
            }
          });
        }
        Instant at = Instant.now();
        shownReady.forEach((pod, ready) -> {
          if (ready && !Boolean.TRUE.equals(now.get(pod))) {
            leftSliceAt.putIfAbsent(pod, at);
          }
        });
        shownReady.putAll(now);
        shownReady.keySet().retainAll(now.keySet());
      }

      public void onDelete(EndpointSlice s, boolean unknown) {}
    }));
    return this;
  }

  private void deleted(String pod) {
    if (deletedAt.putIfAbsent(pod, Instant.now()) == null) {
      deletedPods.add(pod);
      DrainServer server = drainServers.get(pod);
      if (server != null) {
        emptyWhenDeleted.put(pod, server.reportedEmptyAt() != null);
      }
    }
  }

  /** Pods started from now on serve the HTTP drain protocol instead of running a broker. */
  public TestPods httpPods(HttpPods settings) {
    this.httpPods = settings;
    return this;
  }

  /** Brokers of pods started from now on behave as this EMQX. */
  public TestPods emqx(EmqxProfile profile) {
    this.emqx = profile;
    return this;
  }

  /** A migration Job's pods exit with code 1 (the Job controller then fails the Job: BackoffLimitExceeded). */
  public void failJob(String job) {
    jobFailures.put(job, "failed on purpose");
    heldJobs.remove(job);
    finishJobs(job);
  }

  /** A migration Job's pods keep running until {@link #releaseJob} or {@link #failJob}. */
  public void holdJob(String job) {
    heldJobs.add(job);
  }

  public void releaseJob(String job) {
    heldJobs.remove(job);
    finishJobs(job);
  }

  /** A migration Job's pods succeed again (after a {@link #failJob}). */
  public void succeedJob(String job) {
    jobFailures.remove(job);
    heldJobs.remove(job);
    finishJobs(job);
  }

  @Override
  public boolean ipv6(Pod pod) {
    return image(pod).contains("ipv6");
  }

  @Override
  public Container start(Pod pod, Map<String, String> env, String ip) throws Exception {
    String name = pod.getMetadata().getName();
    String image = image(pod);
    ips.put(name, ip);
    var labels = pod.getMetadata().getLabels();
    String job = labels == null ? null : labels.get("job-name");
    if (job != null) {
      return jobContainer(name, job);
    }
    if (image.contains("bad")) {
      throw new IllegalStateException("image " + image + " crashes at start");
    }
    HttpPods http = httpPods;
    if (http != null) {
      DrainServer server = new DrainServer(new InetSocketAddress(ip, http.port()), http.path(), http.inFlight(), http.connections());
      drainServers.put(name, server);
      return container(() -> server.close());
    }
    return brokerContainer(name, ip, image.contains("lonely"));
  }

  private Container brokerContainer(String name, String ip, boolean alone) throws IOException {
    EmqxProfile profile = emqx;
    // With HTTPS the broker's own API is on 18083 (the proxy speaks plain HTTP only).
    boolean proxied = profile.apiTls() == null;
    BrokerConfig config = new BrokerConfig("emqx@" + ip, new InetSocketAddress(ip, 1883),
        new InetSocketAddress(ip, proxied ? 18084 : 18083), new InetSocketAddress(ip, 4370), List.of(),
        API_KEY, API_SECRET, 7200, 1000, 32, profile);
    BrokerNode node = BrokerNode.start(config);
    FaultyApi api;
    try {
      // The operator reaches the API on 18083 through a proxy that tests can make fail.
      api = proxied ? new FaultyApi(new InetSocketAddress(ip, 18083), node.apiAddress(), config.name()) : null;
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
    // Pods start side by side: peering and registering happen one pod at a time, or two brokers
    // starting together would each miss the other and form two clusters.
    synchronized (brokers) {
      if (alone) {
        lonely.add(name);
      } else {
        brokers.forEach((other, b) -> {
          if (!lonely.contains(other)) {
            b.join(node.clusterAddress()); // peering is symmetric
            node.join(b.clusterAddress());
          }
        });
      }
      brokers.put(name, node);
    }
    return container(() -> {
      // Gone from brokers() as soon as it stops, not once it has stopped: a test asking every
      // running broker must not meet one whose listeners are closing.
      synchronized (brokers) {
        brokers.remove(name);
        lonely.remove(name);
      }
      try {
        node.close(); // SIGTERM: the broker disconnects its clients (MQTT 5: 0x8B) and stops
      } finally {
        if (api != null) {
          api.close();
        }
      }
    });
  }

  private Container jobContainer(String pod, String job) {
    CompletableFuture<Exit> exit = new CompletableFuture<>();
    runningJobs.put(pod + "/" + job, exit);
    finishJobs(job);
    return new Container() {
      public boolean ready() {
        return true;
      }

      public CompletableFuture<Exit> exited() {
        return exit;
      }

      public CompletableFuture<Void> terminate() {
        exit.complete(new Exit(143, "Error", "terminated"));
        return CompletableFuture.completedFuture(null);
      }

      public void kill() {
        exit.complete(new Exit(137, "Error", "killed"));
      }
    };
  }

  /** Ends the running pods of {@code job} as the test wants them to end, unless held. */
  private void finishJobs(String job) {
    if (heldJobs.contains(job)) {
      return;
    }
    String failure = jobFailures.get(job);
    runningJobs.forEach((key, exit) -> {
      if (key.endsWith("/" + job)) {
        exit.complete(failure == null ? new Exit(0, "Completed", null) : new Exit(1, "Error", failure));
      }
    });
  }

  private Container container(Runnable stop) {
    Duration wait = startup;
    return new Container() {
      public Duration startup() {
        return wait;
      }

      public boolean ready() {
        return true;
      }

      public CompletableFuture<Void> terminate() {
        return CompletableFuture.runAsync(stop);
      }

      public void kill() {
        stop.run();
      }
    };
  }

  /** Joins the broker of a "lonely" pod to every other broker, as a late cluster join does. */
  public void joinAll(String pod) {
    synchronized (brokers) {
      joinAllLocked(pod);
    }
  }

  private void joinAllLocked(String pod) {
    BrokerNode node = brokers.get(pod);
    if (node == null || !lonely.remove(pod)) {
      throw new IllegalStateException("pod " + pod + " has no lonely broker");
    }
    brokers.forEach((other, b) -> {
      if (b != node && !lonely.contains(other)) {
        b.join(node.clusterAddress());
        node.join(b.clusterAddress());
      }
    });
  }

  /** Every Job that appeared, as name/uid, in order. */
  public List<String> seenJobs() {
    return List.copyOf(seenJobs);
  }

  public DrainServer drainServer(String pod) {
    return drainServers.get(pod);
  }

  public Map<String, DrainServer> drainServers() {
    return Map.copyOf(drainServers);
  }

  /** For each pod Kubernetes deleted: had its drain endpoint reported it empty then? */
  public Map<String, Boolean> emptyWhenDeleted() {
    return Map.copyOf(emptyWhenDeleted);
  }

  public Instant deletedAt(String pod) {
    return deletedAt.get(pod);
  }

  /** When an EndpointSlice stopped showing this pod ready, after it had. */
  public Instant leftSliceAt(String pod) {
    return leftSliceAt.get(pod);
  }

  /** Pods that were deleted (a deletionTimestamp appeared), in order. */
  public List<String> deletedPods() {
    return List.copyOf(deletedPods);
  }

  public BrokerNode broker(String pod) {
    return brokers.get(pod);
  }

  /** A question a test asks one broker through its EMQX API. */
  @FunctionalInterface
  public interface BrokerQuestion {
    void ask(BrokerNode broker, dev.ferry.operator.emqx.EmqxClient api) throws Exception;
  }

  /**
   * Asks every running broker, through its own EMQX API (not the proxy that tests can make fail).
   * A broker whose pod stops it while it is asked is skipped: it has stopped running.
   */
  public void askEveryBroker(BrokerQuestion question) throws Exception {
    for (var e : brokers().entrySet()) {
      BrokerNode b = e.getValue();
      var api = new dev.ferry.operator.emqx.EmqxClient(dev.ferry.operator.emqx.EmqxClient.newHttpClient(),
          dev.ferry.operator.emqx.EmqxClient.baseOf(b.apiAddress().getHostString(), b.apiAddress().getPort()),
          new dev.ferry.operator.emqx.EmqxCredentials(API_KEY, API_SECRET));
      try {
        question.ask(b, api);
      } catch (dev.ferry.operator.emqx.EmqxException x) {
        if (brokers.containsKey(e.getKey())) {
          throw x;
        }
      }
    }
  }

  /** The brokers of the pods that run now (a stopping one no longer counts), by pod name. */
  public Map<String, BrokerNode> brokers() {
    return Map.copyOf(brokers);
  }

  /** The MQTT address of a pod's broker. */
  public InetSocketAddress mqtt(String pod) {
    return new InetSocketAddress(ips.get(pod), 1883);
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    informers.forEach(SharedIndexInformer::close);
    drainServers.values().forEach(DrainServer::close);
    FaultyApi.mode(FaultyApi.Mode.PASS);
    FaultyApi.refuseRebalanceStarts(null);
  }

  private static String image(Pod pod) {
    String image = pod.getSpec().getContainers().get(0).getImage();
    return image == null ? "" : image;
  }
}
