package dev.ferry.lab.cluster;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.broker.BrokerNode;
import dev.ferry.cluster.Kubelet;
import dev.ferry.lab.net.ServiceProxy;
import dev.ferry.operator.FerryOperator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kubernetes cluster on one machine, for the lab: an API server (fabric8's mock server, over
 * HTTP on loopback) and the components that play Kubernetes' part, each in its own loop against that
 * API, exactly as on a real cluster:
 *
 * <ul>
 *   <li>{@link ReplicaSetController}: replicas, honouring pod-deletion-cost;
 *   <li>{@link StatefulSetController}: ordered creation and rolling update;
 *   <li>{@link JobController}: a Job's pod, retries up to its back-off limit, Complete or Failed;
 *   <li>{@link Kubelet} (the one the real control plane has too): each pod a lab broker node, an
 *       application or a Job's container ({@link LabPods}) on its own {@code 127.0.x.y}, start-up
 *       time, readiness probe, readiness gates, preStop and grace period;
 *   <li>{@link EndpointSliceController}: ready / serving / terminating endpoints of each Service;
 *   <li>{@link ServiceController}: each Service a proxy on its own loopback ClusterIP, following
 *       the ready endpoints after a propagation delay;
 *   <li>{@link OwnerCollector}: what the garbage collector would delete.
 * </ul>
 *
 * <pre>{@code
 * try (EmbeddedCluster cluster = EmbeddedCluster.start(ClusterConfig.builder().build())) {
 *   cluster.startOperator();                                  // the real Ferry operator, over HTTP
 *   cluster.createApiKeySecret("mqtt-api-key");               // keys "key" and "secret"
 *   cluster.create(losslessDeployment);                       // or Workloads.brokerStatefulSet(...)
 *   InetSocketAddress mqtt = cluster.awaitServiceAddress("mqtt", Duration.ofSeconds(30));
 *   Fleet fleet = Fleet.start(config, Destination.fixed(mqtt));
 *   cluster.editLosslessDeployment("mqtt", ld -> { ...set the image...; return ld; });
 *   List<NodeSecond> perNode = cluster.nodeSeconds();        // connections per pod, per second
 * }
 * }</pre>
 *
 * One namespace; a few dozen pods at most (every pod's broker runs in this process).
 *
 * <p>With {@link ClusterConfig#kube()} {@link Kube#REAL} the same cluster is the real one instead
 * ({@link RealKube}): etcd, kube-apiserver and kube-controller-manager take the place of the API
 * server and of every controller above but kube-proxy, and the shared kubelet runs the same
 * containers. The process must then run in the lab's network.
 */
public final class EmbeddedCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedCluster.class);
  private static final long POLL_MILLIS = 50;

  private final ClusterConfig config;
  /** The mock API server ({@link Kube#EMBEDDED}), or null. */
  private final ApiServer api;
  /** The real control plane and the shared kubelet ({@link Kube#REAL}), or null. */
  private final RealKube real;
  private final KubernetesClient client;
  /** The controllers' and the ingress controller's client (the admin, on the real cluster). */
  private final KubernetesClient componentsClient;
  /** kube-proxy's client: on the real cluster its own ServiceAccount (system:node-proxier). */
  private final KubernetesClient kubeProxyClient;
  private final ReplicaSetController replicaSets;
  private final StatefulSetController statefulSets;
  /** The shared kubelet: its own on the embedded cluster, the real cluster's node otherwise. */
  private final Kubelet kubelet;
  /** What runs in the pods: brokers, applications, Job containers. */
  private final LabPods pods;
  private final ServiceController services;
  private final NodeSampler sampler;
  private final List<ControlLoop> loops = new ArrayList<>();
  private final List<IngressController> ingresses = new java.util.concurrent.CopyOnWriteArrayList<>();
  private KubernetesClient operatorClient;
  private FerryOperator operator;
  private boolean closed;

  private EmbeddedCluster(ClusterConfig config) {
    this.config = config;
    this.pods = new LabPods(new LabPods.Settings(config.podStartup(), config.probePeriod(),
        config.mqttPort(), config.apiPort(), config.clusterPort(), config.apiKey(), config.apiSecret(),
        config.clusterLabel(), config.crashingImage(), config.emqx(),
        config.brokerProcesses(), config.dubboRegistry()));
    String ns = config.namespace();
    Duration period = config.syncPeriod();
    if (config.kube() == Kube.REAL) {
      this.api = null;
      this.real = RealKube.start(config, new Kubelet.Settings(Set.of(ns), period, config.probePeriod()), pods);
      try {
        this.client = real.newClient();
        this.componentsClient = real.newClient();
        this.kubeProxyClient = new KubernetesClientBuilder().withConfig(real.kubeProxyConfig()).build();
        this.replicaSets = null;
        this.statefulSets = null;
        this.kubelet = real.kubelet();
        this.services = new ServiceController(kubeProxyClient, ns, config.balancing(), config.propagationDelay(), 2, true);
        loops.add(new ControlLoop("kube-proxy", period, services::sync));
        this.sampler = new NodeSampler(pods::podBrokers);
      } catch (RuntimeException e) {
        real.close();
        throw e;
      }
      log.info("event=cluster_started kube=real api={} config={}", real.url(), config);
      return;
    }
    this.real = null;
    this.api = ApiServer.start(config.apiServerHost(), config.apiServerPort(), ns);
    try {
      this.client = api.newClient();
      this.componentsClient = api.newClient();
      this.kubeProxyClient = componentsClient;
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
      this.replicaSets = new ReplicaSetController(componentsClient, ns);
      this.statefulSets = new StatefulSetController(componentsClient, ns);
      this.kubelet = Kubelet.start(componentsClient, pods, new Kubelet.Settings(Set.of(ns), period, config.probePeriod(),
          Kubelet.ApiServer.FABRIC8_MOCK, pods.loopbackAddresses()));
      this.services = new ServiceController(componentsClient, ns, config.balancing(), config.propagationDelay(), 2);
      EndpointSliceController slices = new EndpointSliceController(componentsClient, ns);
      OwnerCollector owners = new OwnerCollector(componentsClient, ns);
      loops.add(new ControlLoop("replicaset-controller", period, replicaSets::sync));
      loops.add(new ControlLoop("statefulset-controller", period, statefulSets::sync));
      JobController jobs = new JobController(componentsClient, ns, config.jobBackoff());
      loops.add(new ControlLoop("job-controller", period, jobs::sync));
      loops.add(new ControlLoop("endpointslice-controller", period, slices::sync));
      loops.add(new ControlLoop("kube-proxy", period, services::sync));
      loops.add(new ControlLoop("garbage-collector", period.multipliedBy(5), owners::sync));
      this.sampler = new NodeSampler(pods::podBrokers);
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
    log.info("event=cluster_started kube=embedded api={} config={}", api.url(), config);
  }

  /** Starts the API server and every component; the cluster is empty but for its namespace. */
  public static EmbeddedCluster start(ClusterConfig config) {
    return new EmbeddedCluster(config);
  }

  public ClusterConfig config() {
    return config;
  }

  public String namespace() {
    return config.namespace();
  }

  /** The scenario's client (namespace: the cluster's). Closed with the cluster. */
  public KubernetesClient client() {
    return client;
  }

  /** A new client of its own, as another process would have; the caller closes it. */
  public KubernetesClient newClient() {
    return real != null ? real.newClient() : api.newClient();
  }

  /** The API server's URL, e.g. {@code http://127.0.21.1:41234} (embedded) or {@code https://198.18.0.1:40681} (real). */
  public String apiUrl() {
    return real != null ? real.url() : api.url();
  }

  /**
   * How kube-proxy reaches the API server: as its own ServiceAccount on the real one (read-only on
   * Services and EndpointSlices), by URL alone on the mock.
   */
  public io.fabric8.kubernetes.client.Config kubeProxyConfig() {
    return real != null ? real.kubeProxyConfig() : api.config();
  }

  /**
   * The options a process of its own (a fleet shard, a node with its own kube-proxy) reaches the API
   * server with: a kubeconfig file readable by its owner only on the real one (a token never goes
   * on a command line), the URL on the mock.
   */
  public List<String> kubeProxyOptions() {
    return real != null ? List.of("--kubeconfig=" + real.kubeProxyKubeconfig()) : List.of("--api-server=" + api.url());
  }

  /** Which Kubernetes this cluster is. */
  public Kube kube() {
    return config.kube();
  }

  // ---------------------------------------------------------------- the operator

  /**
   * Starts the real Ferry operator on this cluster, with its own client (on the real cluster as its
   * own ServiceAccount, with server-side apply; on the mock as anyone, without), watching the
   * cluster's namespace, without a metrics endpoint.
   */
  public synchronized FerryOperator startOperator() {
    return startOperator(null);
  }

  /** As {@link #startOperator()}, serving /metrics and /healthz on {@code metricsAddress}. */
  public synchronized FerryOperator startOperator(InetSocketAddress metricsAddress) {
    if (operator != null) {
      throw new IllegalStateException("the operator already runs");
    }
    operatorClient = real != null ? new KubernetesClientBuilder().withConfig(real.operatorConfig()).build() : newClient();
    try {
      // Server-side apply where the API server has it (the real one).
      operator = FerryOperator.start(operatorClient, new FerryOperator.Options(Set.of(namespace()), real != null, metricsAddress));
    } catch (IOException e) {
      operatorClient.close();
      operatorClient = null;
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      operatorClient.close();
      operatorClient = null;
      throw e;
    }
    return operator;
  }

  /** Stops the operator, as a crash looks to the cluster: it just goes away. */
  public synchronized void stopOperator() {
    if (operator != null) {
      operator.close();
      operatorClient.close();
      operator = null;
      operatorClient = null;
    }
  }

  // ---------------------------------------------------------------- deploying

  /** Creates the Secret an EMQX drain names ({@code spec.drain.emqx.apiKeySecret}), with the brokers' key and secret. */
  public Secret createApiKeySecret(String name) {
    return client.secrets().inNamespace(namespace()).resource(new SecretBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace()).endMetadata()
        .addToStringData(FerryNames.EMQX_API_KEY_SECRET_KEY, config.apiKey())
        .addToStringData(FerryNames.EMQX_API_SECRET_SECRET_KEY, config.apiSecret())
        .build()).create();
  }

  /**
   * Creates a Secret with these keys (as {@code stringData}, which the lab's API server keeps as
   * written and every reader here understands). The values never go to logs.
   */
  public Secret createSecret(String name, Map<String, String> values) {
    return client.secrets().inNamespace(namespace()).resource(new SecretBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace()).endMetadata()
        .withStringData(new LinkedHashMap<>(values))
        .build()).create();
  }

  /** A Job of the namespace, or null. */
  public io.fabric8.kubernetes.api.model.batch.v1.Job job(String name) {
    return client.batch().v1().jobs().inNamespace(namespace()).withName(name).get();
  }

  /**
   * Waits until the Job has a {@code Complete} or {@code Failed} condition; returns that condition's
   * type ("Complete" or "Failed"), or null when {@code timeout} passed first.
   */
  public String awaitJobFinished(String name, Duration timeout) {
    String[] type = new String[1];
    await(() -> {
      var job = job(name);
      if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
        return false;
      }
      for (var c : job.getStatus().getConditions()) {
        if ("True".equals(c.getStatus()) && ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))) {
          type[0] = c.getType();
          return true;
        }
      }
      return false;
    }, timeout);
    return type[0];
  }

  /** Creates any object in the cluster's namespace (a LosslessDeployment, a Service, a StatefulSet...). */
  public <T extends HasMetadata> T create(T resource) {
    resource.getMetadata().setNamespace(namespace());
    return client.resource(resource).inNamespace(namespace()).create();
  }

  /** Changes a LosslessDeployment (its template, to release), with a retry on a conflicting write. */
  public LosslessDeployment editLosslessDeployment(String name, UnaryOperator<LosslessDeployment> change) {
    return retryOnConflict(() -> client.resources(LosslessDeployment.class).inNamespace(namespace()).withName(name).edit(change));
  }

  /** Sets the image of a LosslessDeployment's first container: a release. */
  public LosslessDeployment setLosslessDeploymentImage(String name, String image) {
    return editLosslessDeployment(name, ld -> {
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      return ld;
    });
  }

  // ---------------------------------------------------------------- the rolling baseline

  /**
   * The {@code rolling} baseline's deployment: Service {@code app} (MQTT 1883) and StatefulSet
   * {@code app} of {@code replicas} brokers; waits until every pod is Ready.
   */
  public void deployStatefulSet(String app, int replicas, String image, Duration timeout) {
    createServiceIfAbsent(app, Map.of("app", app));
    create(Workloads.brokerStatefulSet(app, replicas, image));
    if (!awaitStatefulSetRolledOut(app, timeout)) {
      throw new IllegalStateException("statefulset " + app + " not ready after " + timeout);
    }
  }

  /** Sets the image of a StatefulSet's first container: the StatefulSet controller rolls it, highest ordinal first. */
  public StatefulSet setStatefulSetImage(String name, String image) {
    return retryOnConflict(() -> client.apps().statefulSets().inNamespace(namespace()).withName(name).edit(s -> {
      s.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      return s;
    }));
  }

  /** Waits until every pod of the StatefulSet runs its current template and is Ready. */
  public boolean awaitStatefulSetRolledOut(String name, Duration timeout) {
    return await(() -> {
      StatefulSet s = client.apps().statefulSets().inNamespace(namespace()).withName(name).get();
      if (s == null || s.getStatus() == null) {
        return false;
      }
      int replicas = s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
      if (real != null) {
        // The real StatefulSet controller: its status names the revisions by ControllerRevision.
        return s.getStatus().getObservedGeneration() != null && s.getStatus().getObservedGeneration() >= s.getMetadata().getGeneration()
            && s.getStatus().getUpdateRevision() != null && s.getStatus().getUpdateRevision().equals(s.getStatus().getCurrentRevision())
            && s.getStatus().getUpdatedReplicas() != null && s.getStatus().getUpdatedReplicas() == replicas
            && s.getStatus().getReadyReplicas() != null && s.getStatus().getReadyReplicas() == replicas;
      }
      String revision = StatefulSetController.revision(s);
      return revision.equals(s.getStatus().getUpdateRevision()) && revision.equals(s.getStatus().getCurrentRevision())
          && s.getStatus().getUpdatedReplicas() != null && s.getStatus().getUpdatedReplicas() == replicas
          && s.getStatus().getReadyReplicas() != null && s.getStatus().getReadyReplicas() == replicas;
    }, timeout);
  }

  // ---------------------------------------------------------------- the plain blue-green baseline

  /**
   * The {@code bluegreen-plain} baseline's deployment: Service {@code app} selecting
   * {@code app=<app>, color=<color>} and ReplicaSet {@code <app>-<color>}; waits until every pod is Ready.
   */
  public void deployPlainBlueGreen(String app, String color, int replicas, String image, Duration timeout) {
    createServiceIfAbsent(app, Map.of("app", app, "color", color));
    create(Workloads.brokerReplicaSet(app, color, replicas, image));
    if (!awaitReadyPods(Map.of("app", app, "color", color), replicas, timeout)) {
      throw new IllegalStateException("replicaset " + app + "-" + color + " not ready after " + timeout);
    }
  }

  /**
   * A plain blue-green release, as a generic tool does it: create ReplicaSet {@code <app>-<to>} with
   * the new image, wait until all its pods are Ready, switch Service {@code app}'s selector to it,
   * wait {@code afterSwitch}, delete ReplicaSet {@code <app>-<from>} (its pods terminate: their
   * clients are cut off and reconnect through the Service), and wait until those pods are gone.
   */
  public void releasePlainBlueGreen(String app, String from, String to, String image, Duration afterSwitch, Duration timeout) {
    releasePlainBlueGreen(app, from, to, image, afterSwitch, timeout, step -> { });
  }

  /** As above, telling {@code steps} when it switches the Service and deletes the old pods. */
  public void releasePlainBlueGreen(String app, String from, String to, String image, Duration afterSwitch,
      Duration timeout, java.util.function.Consumer<String> steps) {
    int replicas = client.apps().replicaSets().inNamespace(namespace()).withName(app + "-" + from).get().getSpec().getReplicas();
    create(Workloads.brokerReplicaSet(app, to, replicas, image));
    if (!awaitReadyPods(Map.of("app", app, "color", to), replicas, timeout)) {
      throw new IllegalStateException("replicaset " + app + "-" + to + " not ready after " + timeout);
    }
    setServiceSelector(app, Map.of("app", app, "color", to));
    steps.accept("switch");
    try {
      Thread.sleep(afterSwitch.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    deleteReplicaSet(app + "-" + from);
    steps.accept("delete " + from);
    Map<String, String> old = Map.of("app", app, "color", from);
    if (!await(() -> pods().stream().noneMatch(p -> Pods.matches(old, p)), timeout)) {
      throw new IllegalStateException("pods of " + app + "-" + from + " still there after " + timeout);
    }
  }

  private void createServiceIfAbsent(String name, Map<String, String> selector) {
    if (client.services().inNamespace(namespace()).withName(name).get() == null) {
      create(Workloads.mqttService(name, selector));
    }
  }

  /** Points a Service at other pods: what a generic blue-green does to switch. */
  public void setServiceSelector(String service, Map<String, String> selector) {
    retryOnConflict(() -> client.services().inNamespace(namespace()).withName(service).edit(s -> {
      s.getSpec().setSelector(new LinkedHashMap<>(selector));
      return s;
    }));
  }

  /** Sets a ReplicaSet's replicas (kubectl scale). */
  public void scaleReplicaSet(String name, int replicas) {
    retryOnConflict(() -> client.apps().replicaSets().inNamespace(namespace()).withName(name).edit(rs -> {
      rs.getSpec().setReplicas(replicas);
      return rs;
    }));
  }

  /** Sets (or, with null, removes) an annotation of a pod, e.g. {@code controller.kubernetes.io/pod-deletion-cost}. */
  public void annotatePod(String pod, String key, String value) {
    retryOnConflict(() -> client.pods().inNamespace(namespace()).withName(pod).edit(p -> {
      Map<String, String> a = p.getMetadata().getAnnotations() == null
          ? new LinkedHashMap<>() : new LinkedHashMap<>(p.getMetadata().getAnnotations());
      if (value == null) {
        a.remove(key);
      } else {
        a.put(key, value);
      }
      p.getMetadata().setAnnotations(a);
      return p;
    }));
  }

  /** Deletes a ReplicaSet; its pods are deleted next (and terminate with their grace period). */
  public void deleteReplicaSet(String name) {
    client.apps().replicaSets().inNamespace(namespace()).withName(name).delete();
  }

  // ---------------------------------------------------------------- observing

  public List<Pod> pods() {
    return client.pods().inNamespace(namespace()).list().getItems();
  }

  /** Pods that match {@code selector}, are Ready (readiness gates included) and not terminating. */
  public List<Pod> readyPods(Map<String, String> selector) {
    return pods().stream().filter(p -> Pods.matches(selector, p) && Pods.ready(p) && !Pods.terminating(p)).toList();
  }

  /** Waits until at least {@code n} pods matching {@code selector} are Ready. */
  public boolean awaitReadyPods(Map<String, String> selector, int n, Duration timeout) {
    return await(() -> readyPods(selector).size() >= n, timeout);
  }

  /** The address of a Service's first port (its ClusterIP), once its proxy listens. */
  public Optional<InetSocketAddress> serviceAddress(String service) {
    return services.proxy(service, null).map(ServiceProxy::address);
  }

  /** Waits for the Service to exist and its proxy to listen; then its address. */
  public InetSocketAddress awaitServiceAddress(String service, Duration timeout) {
    if (!await(() -> serviceAddress(service).isPresent(), timeout)) {
      throw new IllegalStateException("service " + service + " has no address after " + timeout);
    }
    return serviceAddress(service).orElseThrow();
  }

  /** Waits for the proxy of one named port of a Service to listen; then its address. */
  public InetSocketAddress awaitServiceAddress(String service, String portName, Duration timeout) {
    if (!await(() -> serviceProxy(service, portName).isPresent(), timeout)) {
      throw new IllegalStateException("service " + service + " port " + portName + " has no address after " + timeout);
    }
    return serviceProxy(service, portName).orElseThrow().address();
  }

  /** The proxy behind a Service's port (null or "": its first), e.g. for its per-endpoint counts. */
  public Optional<ServiceProxy> serviceProxy(String service, String portName) {
    return services.proxy(service, portName);
  }

  /**
   * Starts an ingress (an L7 proxy like ingress-nginx by default) in front of a Service's port: it
   * sends each request to a ready pod's address, learns endpoint changes {@code delay} late, and
   * honours the pods' warmup annotations. Returns where clients send their requests.
   */
  public InetSocketAddress startIngress(String service, String portName, Duration delay) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < Loopback.BIND_ATTEMPTS; attempt++) {
      InetSocketAddress address = new InetSocketAddress(Loopback.SERVICES.next(), 80);
      try {
        IngressController ic = new IngressController(componentsClient, namespace(), service, portName, delay, address,
            config.syncPeriod());
        ingresses.add(ic);
        log.info("event=ingress_started service={} address={} delay_ms={}", service, address, delay.toMillis());
        return ic.address();
      } catch (RuntimeException e) {
        if (!Loopback.addressInUse(e)) {
          throw e;
        }
        last = e;
      }
    }
    throw new IllegalStateException("no free ingress address", last);
  }

  /** A free address of the lab's Service range (for a registry or another shared component). */
  public static String serviceRangeAddress() {
    return Loopback.SERVICES.next();
  }

  /** The brokers that run now (terminating pods' too, until stopped), by pod name. */
  public Map<String, BrokerNode> brokers() {
    return pods.brokers();
  }

  /** A pod's MQTT address on its own IP, while the kubelet runs it. */
  public Optional<InetSocketAddress> podMqttAddress(String pod) {
    String ip = kubelet.ipOf(pod);
    return Optional.ofNullable(ip).map(a -> new InetSocketAddress(a, config.mqttPort()));
  }

  /** The operator {@link #startOperator()} started, or null. */
  public synchronized FerryOperator operator() {
    return operator;
  }

  /** Connected clients (and sessions) per pod, one sample per second since the start. */
  public List<NodeSecond> nodeSeconds() {
    return sampler.seconds();
  }

  /** Pods deleted by the ReplicaSet controller, then by the StatefulSet controller, each in order. */
  public List<String> deletedPods() {
    List<String> out = new ArrayList<>(deletedByReplicaSets());
    out.addAll(deletedByStatefulSets());
    return out;
  }

  /** Pods deleted by the ReplicaSet controller, in order. */
  public List<String> deletedByReplicaSets() {
    return real != null ? real.deletedPods(Set.of("ReplicaSet")) : replicaSets.deletedPods();
  }

  /** Pods deleted by the StatefulSet controller, in order. */
  public List<String> deletedByStatefulSets() {
    return real != null ? real.deletedPods(Set.of("StatefulSet")) : statefulSets.deletedPods();
  }

  /**
   * Runs a read-modify-write until it is not refused for a conflict (409), as kubectl does: the
   * lab's controllers write the same objects' status all the time. At most 10 attempts.
   */
  public static <T> T retryOnConflict(java.util.function.Supplier<T> write) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write.get();
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  /** Polls {@code condition} every 50 ms until it holds or {@code timeout} passes. */
  public static boolean await(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return true;
        }
      } catch (RuntimeException e) {
        log.debug("await: {}", e.toString());
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** Stops the operator, every component, every broker (their clients are disconnected), then the API server. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopOperator();
    loops.forEach(ControlLoop::close);
    ingresses.forEach(IngressController::close);
    sampler.close();
    if (real == null) {
      kubelet.close(); // the real cluster's node goes with it
      pods.close();
    }
    services.close();
    client.close();
    componentsClient.close();
    if (kubeProxyClient != componentsClient) {
      kubeProxyClient.close();
    }
    if (real != null) {
      real.close();
    } else {
      api.close();
    }
    log.info("event=cluster_stopped");
  }
}
