package dev.ferry.operator.support;

import dev.ferry.api.FerryNames;
import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a cluster does besides the API server, just enough for operator tests: a ReplicaSet
 * controller that honours pod-deletion-cost, and a kubelet that gives each pod its own loopback
 * address, runs a real lab broker node in it (EMQX API on 18083, MQTT on 1883, cluster on 4370),
 * and reports the containers ready once the broker listens and a start-up time has passed. An image
 * whose name contains "bad" never becomes ready; one whose name contains "lonely" runs a broker that
 * joins no cluster (and that no peer joins) until {@link #joinAll} — Ready all the same, as EMQX's
 * readiness probe answers before a node has joined.
 *
 * <p>With {@link #httpPods} the pods run a {@link DrainServer} (the HTTP drain protocol with a
 * simulated load) instead of a broker. With {@link #endpointSlices} it also plays the EndpointSlice
 * controller of one Service, showing each pod's readiness only after a lag, as a real one does.
 *
 * <p>Its loop is one thread that must not stall: each step (ReplicaSet controller, kubelet, each
 * pod, EndpointSlice) fails on its own and is logged at WARN; a pod whose servers could not be
 * started gets no address and is set up again (on a fresh address) a little later; its first status
 * (podIP, Running) is written again until it sticks; and brokers and drain servers of deleted pods
 * are closed on another thread ({@link #close} waits for those).
 */
public final class MiniCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MiniCluster.class);
  public static final String API_KEY = "ferry";
  public static final String API_SECRET = "s3cret-not-logged";

  private final KubernetesClient client;
  private final String namespace;
  private final Duration startup;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "mini-cluster");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, BrokerNode> brokers = new ConcurrentHashMap<>();
  private final Map<String, FaultyApi> apis = new ConcurrentHashMap<>();
  private final Map<String, Instant> startedAt = new ConcurrentHashMap<>();
  /** Each pod's address, once its servers started. */
  private final Map<String, String> ips = new ConcurrentHashMap<>();
  /** Pods that have an address whose first status (podIP, Running) is not written yet. */
  private final Map<String, String> initialStatusDue = new ConcurrentHashMap<>();
  /** Pods whose set-up failed, and when to try again. */
  private final Map<String, Instant> setUpRetryAt = new ConcurrentHashMap<>();
  private static final Duration SET_UP_RETRY = Duration.ofMillis(500);
  /** Addresses handed out in this JVM, across mini clusters: see {@link #address(int)}. */
  private static final AtomicInteger nextIp = new AtomicInteger();
  /** Closes brokers, APIs and drain servers of deleted pods, so the loop never waits for them. */
  private final ExecutorService closer = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "mini-cluster-close");
    t.setDaemon(true);
    return t;
  });
  /** Pods whose drain server is closed (or being closed); the servers stay in {@link #drainServers}. */
  private final java.util.Set<String> closedDrainServers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger nextPod = new AtomicInteger(1);
  private final List<String> deletedPods = java.util.Collections.synchronizedList(new ArrayList<>());

  /** The drain endpoint every pod serves, when set: port, path and the load each pod starts with. */
  public record HttpPods(int port, String path, int inFlight, int connections) {}

  private volatile HttpPods httpPods;
  /** Which EMQX the brokers of pods created from now on behave as. */
  private volatile dev.ferry.broker.EmqxProfile emqx = dev.ferry.broker.EmqxProfile.DEFAULT;
  /** Pods whose broker was started alone (a "lonely" image) and has not joined yet. */
  private final java.util.Set<String> lonely = ConcurrentHashMap.newKeySet();
  /** Every drain server that ran, by pod, kept after the pod is gone for the tests to ask. */
  private final Map<String, DrainServer> drainServers = new ConcurrentHashMap<>();
  /** Whether a pod's drain server had reported it empty when the ReplicaSet controller deleted it. */
  private final Map<String, Boolean> emptyWhenDeleted = new ConcurrentHashMap<>();
  private final Map<String, Instant> deletedAt = new ConcurrentHashMap<>();

  private volatile String sliceService;
  private volatile Duration sliceLag = Duration.ZERO;
  private final java.util.ArrayDeque<Map.Entry<Instant, Map<String, Boolean>>> sliceHistory = new java.util.ArrayDeque<>();
  private Map<String, Boolean> sliceShown = Map.of();
  private final Map<String, Instant> leftSliceAt = new ConcurrentHashMap<>();

  public MiniCluster(KubernetesClient client, String namespace, Duration startup) {
    this.client = client;
    this.namespace = namespace;
    this.startup = startup;
  }

  public MiniCluster start() {
    loop.scheduleWithFixedDelay(this::syncSafely, 0, 100, TimeUnit.MILLISECONDS);
    // A task of a scheduled executor that throws is never run again: every step catches its own.
    loop.scheduleWithFixedDelay(() -> step("drain server tick", () -> drainServers.values().forEach(DrainServer::tick)),
        150, 150, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Brokers of pods created from now on behave as this EMQX. */
  public MiniCluster emqx(dev.ferry.broker.EmqxProfile profile) {
    this.emqx = profile;
    return this;
  }

  /** Joins the broker of a "lonely" pod to every other broker, as a late cluster join does. */
  public void joinAll(String pod) {
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

  /** Pods created from now on serve the HTTP drain protocol instead of running a broker. */
  public MiniCluster httpPods(HttpPods settings) {
    this.httpPods = settings;
    return this;
  }

  /**
   * Plays the EndpointSlice controller of {@code service}: one slice listing every live pod of the
   * namespace, ready and serving when its containers are ready and its gate is True, as it was
   * {@code lag} ago.
   */
  public MiniCluster endpointSlices(String service, Duration lag) {
    this.sliceLag = lag;
    this.sliceService = service;
    return this;
  }

  public DrainServer drainServer(String pod) {
    return drainServers.get(pod);
  }

  public Map<String, DrainServer> drainServers() {
    return Map.copyOf(drainServers);
  }

  /** For each pod the ReplicaSet controller deleted: had its drain endpoint reported it empty then? */
  public Map<String, Boolean> emptyWhenDeleted() {
    return Map.copyOf(emptyWhenDeleted);
  }

  public Instant deletedAt(String pod) {
    return deletedAt.get(pod);
  }

  /** When the EndpointSlice was written without this pod (or showing it not ready) after listing it ready. */
  public Instant leftSliceAt(String pod) {
    return leftSliceAt.get(pod);
  }

  /** Pods the ReplicaSet controller deleted, in order. */
  public List<String> deletedPods() {
    return List.copyOf(deletedPods);
  }

  public BrokerNode broker(String pod) {
    return brokers.get(pod);
  }

  public Map<String, BrokerNode> brokers() {
    return Map.copyOf(brokers);
  }

  private void syncSafely() {
    step("replica sets", this::replicaSets);
    step("kubelet", this::kubelet);
    step("endpoint slice", this::endpointSlice);
  }

  /** Runs one step of the loop; a failure is logged and does not keep the other steps from running. */
  private void step(String what, Runnable step) {
    try {
      step.run();
    } catch (Throwable e) {
      if (loop.isShutdown()) {
        log.debug("mini cluster {} (closing): {}", what, e.toString());
      } else {
        log.warn("mini cluster {} failed: {}", what, e.toString(), e);
      }
    }
  }

  private void replicaSets() {
    for (ReplicaSet rs : client.apps().replicaSets().inNamespace(namespace).list().getItems()) {
      step("replica set " + rs.getMetadata().getName(), () -> replicaSet(rs));
    }
  }

  private void replicaSet(ReplicaSet rs) {
    String revision = rs.getMetadata().getLabels().get(FerryNames.REVISION_LABEL);
    List<Pod> pods = client.pods().inNamespace(namespace)
        .withLabel(FerryNames.REVISION_LABEL, revision).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    int want = rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    for (int i = pods.size(); i < want; i++) {
      var t = rs.getSpec().getTemplate();
      client.pods().inNamespace(namespace).resource(new PodBuilder()
          .withMetadata(new ObjectMetaBuilder()
              .withName(rs.getMetadata().getName() + "-" + nextPod.getAndIncrement())
              .withNamespace(namespace)
              .withLabels(t.getMetadata().getLabels())
              .withAnnotations(t.getMetadata().getAnnotations())
              .build())
          .withSpec(t.getSpec())
          .build()).create();
    }
    if (pods.size() > want) {
      // Kubernetes' order: lowest pod-deletion-cost first, then not ready, then newest.
      List<Pod> order = new ArrayList<>(pods);
      order.sort(Comparator.comparingInt(MiniCluster::cost)
          .thenComparing(p -> ready(p) ? 1 : 0)
          .thenComparing((Pod p) -> p.getMetadata().getName(), Comparator.reverseOrder()));
      for (Pod p : order.subList(0, pods.size() - want)) {
        String name = p.getMetadata().getName();
        DrainServer server = drainServers.get(name);
        if (server != null) {
          emptyWhenDeleted.put(name, server.reportedEmptyAt() != null);
        }
        deletedAt.put(name, Instant.now());
        client.pods().inNamespace(namespace).withName(name).delete();
        deletedPods.add(name);
      }
    }
  }

  private void kubelet() {
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
    java.util.Set<String> names = new java.util.HashSet<>(pods.stream().map(p -> p.getMetadata().getName()).toList());
    for (var e : drainServers.entrySet()) {
      String gone = e.getKey();
      if (!names.contains(gone) && closedDrainServers.add(gone)) {
        DrainServer server = e.getValue();
        closeLater("drain server of " + gone, server::close);
      }
    }
    for (String gone : List.copyOf(brokers.keySet())) {
      if (!names.contains(gone)) {
        BrokerNode b = brokers.remove(gone);
        lonely.remove(gone);
        FaultyApi api = apis.remove(gone);
        // Closing a broker can take half a minute (disconnects, route fence, Netty): not on the loop.
        closeLater("broker of " + gone, () -> {
          try {
            b.close();
          } finally {
            if (api != null) {
              api.close();
            }
          }
        });
      }
    }
    initialStatusDue.keySet().removeIf(name -> !names.contains(name));
    setUpRetryAt.keySet().removeIf(name -> !names.contains(name));
    for (Pod p : pods) {
      String name = p.getMetadata().getName();
      step("kubelet for pod " + name, () -> kubelet(p));
    }
  }

  private void kubelet(Pod p) {
    String name = p.getMetadata().getName();
    if (!ips.containsKey(name)) {
      Instant retryAt = setUpRetryAt.get(name);
      if (retryAt != null && Instant.now().isBefore(retryAt)) {
        return;
      }
      try {
        setUp(p);
        setUpRetryAt.remove(name);
      } catch (RuntimeException e) {
        setUpRetryAt.put(name, Instant.now().plus(SET_UP_RETRY));
        throw e;
      }
    }
    String ip = initialStatusDue.get(name);
    if (ip != null) {
      if (updateStatus(name, pod -> {
        pod.getStatus().setPodIP(ip);
        pod.getStatus().setPhase("Running");
        setCondition(pod, "ContainersReady", "False");
      })) {
        initialStatusDue.remove(name);
      } else {
        log.warn("mini cluster: the first status of pod {} (podIP {}) met only conflicts, writing it again", name, ip);
      }
    } else if ((brokers.containsKey(name) || drainServers.containsKey(name)) && !ready(p)
        && Instant.now().isAfter(startedAt.get(name).plus(startup))) {
      updateStatus(name, pod -> setCondition(pod, "ContainersReady", "True"));
    }
  }

  /**
   * Starts the pod's servers on a fresh address; only once they run does the pod get that address
   * (and its first status is due). When anything fails, what started is closed and the pod has no
   * address, so a later tick sets it up again.
   */
  private void setUp(Pod p) {
    String name = p.getMetadata().getName();
    // "ipv6" images get the one IPv6 loopback address there is: one such pod at a time.
    String ip = image(p, "ipv6") ? "::1" : address(nextIp.getAndIncrement());
    boolean bad = image(p, "bad");
    HttpPods http = httpPods;
    if (!bad && http != null) {
      DrainServer server;
      try {
        server = new DrainServer(new InetSocketAddress(ip, http.port()), http.path(), http.inFlight(), http.connections());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("drain server of pod " + name + " on " + ip, e);
      }
      drainServers.put(name, server);
      startedAt.put(name, Instant.now());
    } else if (!bad) {
      boolean alone = image(p, "lonely");
      List<InetSocketAddress> peers = alone ? List.of() : brokers.entrySet().stream()
          .filter(e -> !lonely.contains(e.getKey())).map(e -> e.getValue().clusterAddress()).toList();
      // With HTTPS the broker's own API is on 18083 (the proxy speaks plain HTTP only).
      boolean proxied = emqx.apiTls() == null;
      BrokerConfig config = new BrokerConfig(
          "emqx@" + ip, new InetSocketAddress(ip, 1883), new InetSocketAddress(ip, proxied ? 18084 : 18083),
          new InetSocketAddress(ip, 4370), peers, API_KEY, API_SECRET, 7200, 1000, 32, emqx);
      BrokerNode node = BrokerNode.start(config);
      FaultyApi api = null;
      try {
        // The operator reaches the API on 18083 through a proxy that tests can make fail.
        api = proxied ? new FaultyApi(new InetSocketAddress(ip, 18083), node.apiAddress(), config.name()) : null;
        if (!alone) {
          brokers.forEach((other, b) -> {
            if (!lonely.contains(other)) {
              b.join(node.clusterAddress()); // peering is symmetric
            }
          });
        }
      } catch (java.io.IOException | RuntimeException e) {
        FaultyApi started = api;
        closeLater("broker of pod " + name + " whose set-up failed", () -> {
          try {
            node.close();
          } finally {
            if (started != null) {
              started.close();
            }
          }
        });
        throw e instanceof java.io.IOException io
            ? new java.io.UncheckedIOException("API proxy of pod " + name + " on " + ip, io)
            : (RuntimeException) e;
      }
      if (api != null) {
        apis.put(name, api);
      }
      if (alone) {
        lonely.add(name);
      }
      brokers.put(name, node);
      startedAt.put(name, Instant.now());
    }
    ips.put(name, ip);
    initialStatusDue.put(name, ip);
  }

  /**
   * The {@code n}th pod address of this JVM: 127.0.3.1–127.0.3.239 (HttpDrainerTest has
   * 127.0.3.240; EmqxClientTest 127.0.4.x), then 127.0.7.1–.254 and 127.0.8.1–.254, which no test
   * of this repository uses. Past those it fails loudly rather than hand out an address that is not one.
   */
  static String address(int n) {
    int[][] ranges = {{3, 239}, {7, 254}, {8, 254}};
    int i = n;
    for (int[] r : ranges) {
      if (i < r[1]) {
        return "127.0." + r[0] + "." + (i + 1);
      }
      i -= r[1];
    }
    throw new IllegalStateException("MiniCluster has handed out all its " + n + " pod addresses in this JVM");
  }

  private static boolean image(Pod p, String marker) {
    return p.getSpec().getContainers().stream().anyMatch(c -> c.getImage() != null && c.getImage().contains(marker));
  }

  /** Closes something of a pod on {@link #closer}; inline if that no longer takes work. */
  private void closeLater(String what, Runnable close) {
    Runnable task = () -> {
      try {
        close.run();
      } catch (RuntimeException e) {
        log.warn("mini cluster: closing the {} failed: {}", what, e.toString(), e);
      }
    };
    try {
      closer.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  private void endpointSlice() {
    String service = sliceService;
    if (service == null) {
      return;
    }
    Instant now = Instant.now();
    Map<String, Boolean> current = new java.util.TreeMap<>();
    for (Pod p : client.pods().inNamespace(namespace).list().getItems()) {
      if (p.getMetadata().getDeletionTimestamp() == null && ips.containsKey(p.getMetadata().getName())) {
        boolean gate = p.getStatus() != null && p.getStatus().getConditions() != null
            && p.getStatus().getConditions().stream().anyMatch(c ->
                FerryNames.SERVING_CONDITION.equals(c.getType()) && "True".equals(c.getStatus()));
        current.put(p.getMetadata().getName(), ready(p) && gate);
      }
    }
    sliceHistory.addLast(Map.entry(now, current));
    // Show the newest state that is at least `lag` old.
    Map<String, Boolean> shown = null;
    while (!sliceHistory.isEmpty() && !sliceHistory.peekFirst().getKey().isAfter(now.minus(sliceLag))) {
      shown = sliceHistory.pollFirst().getValue();
    }
    if (shown == null || shown.equals(sliceShown)) {
      return;
    }
    Map<String, Boolean> toShow = shown;
    var endpoints = new ArrayList<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint>();
    toShow.forEach((pod, ok) -> endpoints.add(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder()
        .withAddresses(ips.get(pod))
        .withNewConditions().withReady(ok).withServing(ok).withTerminating(false).endConditions()
        .withNewTargetRef().withKind("Pod").withName(pod).withNamespace(namespace).endTargetRef()
        .build()));
    var slice = new io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder()
        .withNewMetadata().withName(service + "-mini").withNamespace(namespace)
          .addToLabels("kubernetes.io/service-name", service).endMetadata()
        .withAddressType("IPv4").withEndpoints(endpoints).build();
    Instant written = Instant.now();
    client.discovery().v1().endpointSlices().inNamespace(namespace).resource(slice).createOr(x -> x.update());
    Map<String, Boolean> before = sliceShown;
    before.forEach((pod, ok) -> {
      if (ok && !Boolean.TRUE.equals(toShow.get(pod))) {
        leftSliceAt.put(pod, written);
      }
    });
    sliceShown = toShow;
  }

  /**
   * Changes the pod's status, re-reading it after a conflict; false when five attempts in a row
   * conflicted (the caller tries again on a later tick). A pod that is gone counts as done.
   */
  private boolean updateStatus(String name, java.util.function.Consumer<Pod> change) {
    for (int attempt = 0; attempt < 5; attempt++) {
      Pod pod = client.pods().inNamespace(namespace).withName(name).get();
      if (pod == null) {
        return true;
      }
      if (pod.getStatus() == null) {
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
      }
      change.accept(pod);
      try {
        client.pods().inNamespace(namespace).resource(pod).updateStatus();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    return false;
  }

  private static void setCondition(Pod pod, String type, String status) {
    List<PodCondition> cs = pod.getStatus().getConditions() == null ? new ArrayList<>() : new ArrayList<>(pod.getStatus().getConditions());
    cs.removeIf(c -> type.equals(c.getType()));
    cs.add(new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(Instant.now().toString()).build());
    pod.getStatus().setConditions(cs);
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "ContainersReady".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static int cost(Pod p) {
    var a = p.getMetadata().getAnnotations();
    try {
      return a == null ? 0 : Integer.parseInt(a.getOrDefault(FerryNames.POD_DELETION_COST_ANNOTATION, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The MQTT address of a pod's broker. */
  public InetSocketAddress mqtt(String pod) {
    return new InetSocketAddress(ips.get(pod), 1883);
  }

  @Override
  public void close() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    brokers.values().forEach(BrokerNode::close);
    brokers.clear();
    drainServers.forEach((pod, server) -> {
      if (closedDrainServers.add(pod)) {
        server.close();
      }
    });
    apis.values().forEach(FaultyApi::close);
    apis.clear();
    // Wait for what the loop handed to the closer, so nothing of this cluster outlives the test.
    closer.shutdown();
    try {
      if (!closer.awaitTermination(90, TimeUnit.SECONDS)) {
        log.warn("mini cluster: brokers or drain servers of deleted pods still closing after 90 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    FaultyApi.mode(FaultyApi.Mode.PASS);
    FaultyApi.refuseRebalanceStarts(null);
  }
}
