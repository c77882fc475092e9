package dev.ferry.cluster;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our kubelet: one Node of the cluster, running the pods of the namespaces it serves through a
 * {@link ContainerRuntime}, and doing for them what the real kubelet does:
 *
 * <ul>
 *   <li>registers its Node (Ready, with its address) and binds the unscheduled pods of its namespaces
 *       to it (the {@code binding} subresource, as a scheduler does: there is no scheduler here);
 *   <li>gives each pod an address of its own in the lab's network ({@link LabNetwork}) and starts its
 *       container there, after resolving its environment (a missing Secret or key keeps the pod
 *       Pending with {@code CreateContainerConfigError}, retried each pass);
 *   <li>writes the pod's status: Pending, Running, podIP, container statuses; ContainersReady from the
 *       readiness probe, first run after the container's start-up time, then every probe period:
 *       True at the first success, False again only after the probe's {@code failureThreshold}
 *       failures in a row (Kubernetes' default 3), as the kubelet's prober counts them; Ready only
 *       when ContainersReady and every readiness gate are True;
 *   <li>on deletion (a {@code deletionTimestamp}, which the apiserver sets for a graceful delete):
 *       runs the preStop hook ({@link PreStopHook}), sends SIGTERM, and SIGKILL when
 *       {@code terminationGracePeriodSeconds} is over; then writes the final phase and deletes the
 *       pod for good (grace period 0), as the kubelet does once its containers have stopped;
 *   <li>a run-to-completion container (a Job's pod) leaves the pod Succeeded or Failed with its exit
 *       code, reason and message, until it is deleted.
 * </ul>
 *
 * It also renews its Node's Lease in {@code kube-node-lease} every 10 s (a 40 s lease), as the
 * kubelet's heartbeat does.
 *
 * <p>Two API servers: the real kube-apiserver ({@link ApiServer#KUBE_APISERVER}), and fabric8's mock
 * server in CRUD mode ({@link ApiServer#FABRIC8_MOCK}, the lab's embedded mode), which has neither
 * the {@code binding} subresource nor graceful deletion. On the mock the kubelet binds a pod by
 * setting {@code spec.nodeName}, and graceful deletion stands on a finalizer
 * ({@link #GRACEFUL_DELETION_FINALIZER}): the kubelet adds it to each pod of its namespaces that
 * lacks it, before admitting it (the lab's controllers create pods with it), the mock then only sets {@code deletionTimestamp} on a DELETE,
 * and the kubelet removes the finalizer where the real kubelet deletes with grace period 0.
 *
 * <p>Its loop is one thread; starting and stopping containers happen on others, so a slow container
 * never holds the rest up. Each pass fails on its own and is logged.
 */
public final class Kubelet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Kubelet.class);
  private static final AtomicInteger nodes = new AtomicInteger();
  private static final AtomicInteger podAddresses = new AtomicInteger();

  /**
   * The finalizer that stands for graceful deletion on an API server without it (fabric8's mock):
   * a pod that has it stays, Terminating, after a DELETE until the kubelet has stopped its
   * containers and removed it.
   */
  public static final String GRACEFUL_DELETION_FINALIZER = "cluster.ferry.dev/graceful-deletion";

  /** How long the Node's Lease lasts, and how often it is renewed (the kubelet's defaults: 40 s, a quarter of it). */
  static final Duration LEASE_DURATION = Duration.ofSeconds(40);
  static final Duration LEASE_RENEWAL = Duration.ofSeconds(10);

  /** Which API server the kubelet talks to. */
  public enum ApiServer {
    /** The real kube-apiserver: the binding subresource, graceful deletion. */
    KUBE_APISERVER,
    /** fabric8's mock server in CRUD mode: {@code spec.nodeName} set directly, a finalizer for graceful deletion. */
    FABRIC8_MOCK
  }

  /**
   * Where pods get their addresses, as a network plugin's IPAM hands them out. An address whose
   * container then fails to bind (another process on the machine holds it) is given up and the
   * next one tried.
   */
  public interface PodAddresses {
    /** The next address for a pod, IPv6 when asked for (an allocator without IPv6 may refuse). */
    String next(boolean ipv6);

    /** The lab's network ({@link LabNetwork}): 198.18.1.0 onwards, 2001:2::1:0 onwards. */
    static PodAddresses labNetwork() {
      return ipv6 -> {
        int n = podAddresses.getAndIncrement();
        return ipv6 ? LabNetwork.podAddress6(n) : LabNetwork.podAddress(n);
      };
    }
  }

  /** Attempts at starting a container, each on a new address, while its address is taken. */
  static final int ADDRESS_ATTEMPTS = 8;

  /**
   * @param namespaces the namespaces whose pods this kubelet takes
   * @param period how often it looks at its pods
   * @param probePeriod how often a running container's readiness probe runs
   * @param apiServer which API server it talks to
   * @param addresses where its pods get their addresses
   */
  public record Settings(Set<String> namespaces, Duration period, Duration probePeriod, ApiServer apiServer,
      PodAddresses addresses) {
    public static Settings of(String namespace) {
      return new Settings(Set.of(namespace), Duration.ofMillis(100), Duration.ofMillis(500));
    }

    /** On the real kube-apiserver, pods in the lab's network. */
    public Settings(Set<String> namespaces, Duration period, Duration probePeriod) {
      this(namespaces, period, probePeriod, ApiServer.KUBE_APISERVER, PodAddresses.labNetwork());
    }
  }

  private enum State { STARTING, RUNNING, CRASHED, TERMINATING, EXITED }

  /** One pod as this kubelet runs it. Its fields change on the kubelet's thread only. */
  static final class PodRun {
    final String uid;
    final String namespace;
    final String name;
    /** The pod's address, once its container has started on it (or failed to, not for want of an address). */
    volatile String ip;
    State state = State.STARTING;
    CompletableFuture<ContainerRuntime.Container> starting;
    ContainerRuntime.Container container;
    CompletableFuture<Void> stopping;
    Instant startedAt;
    Instant lastProbe = Instant.EPOCH;
    boolean probeOk;
    /** Failed probes in a row since the last success. */
    int probeFailures;
    ContainerRuntime.Exit exit;

    PodRun(Pod pod) {
      this.uid = pod.getMetadata().getUid();
      this.namespace = pod.getMetadata().getNamespace();
      this.name = pod.getMetadata().getName();
    }
  }

  /** A readiness probe's {@code failureThreshold} when the pod does not say (Kubernetes' default). */
  static final int DEFAULT_FAILURE_THRESHOLD = 3;

  private final KubernetesClient client;
  private final ContainerRuntime runtime;
  private final Settings settings;
  private final String nodeName;
  private final String nodeAddress;
  private final Map<String, PodRun> runs = new ConcurrentHashMap<>();
  private final ScheduledExecutorService loop;
  private Instant leaseRenewed = Instant.EPOCH;
  private String nodeUid;
  private final ExecutorService containers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("container-", 0).factory());
  /** HTTP calls from any address (to IPv6 pods from the node; everything on the mock). */
  private final HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  /** The kubelet's own HTTP calls (an httpGet hook) to IPv4 pods: from the node's address where it has one. */
  private final HttpClient fromNode;
  /** An exec hook's HTTP call: from inside the pod, loopback (IPv4, IPv6). */
  private final HttpClient fromContainer;
  private final HttpClient fromContainer6;

  private Kubelet(KubernetesClient client, ContainerRuntime runtime, Settings settings) {
    this.client = client;
    this.runtime = runtime;
    this.settings = settings;
    int n = nodes.getAndIncrement();
    this.nodeName = "node-" + n;
    // On the mock there is no lab network: the node is this machine (and the static counter may pass
    // the lab network's 200 node addresses in a long-lived JVM that makes many clusters).
    this.nodeAddress = settings.apiServer() == ApiServer.KUBE_APISERVER ? LabNetwork.nodeAddress(n) : "127.0.0.1";
    // On the real apiserver the kubelet runs in the lab's network, where the node's address is
    // local; on the mock every address is loopback and there is no node address to call from.
    this.fromNode = settings.apiServer() == ApiServer.KUBE_APISERVER ? httpFrom(nodeAddress) : plain;
    this.fromContainer = httpFrom("127.0.0.1");
    this.fromContainer6 = httpFrom("::1");
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kubelet-" + nodeName);
      t.setDaemon(true);
      return t;
    });
  }

  /** Registers a Node and starts running the pods of {@code settings.namespaces()}. */
  public static Kubelet start(KubernetesClient client, ContainerRuntime runtime, Settings settings) {
    Kubelet k = new Kubelet(client, runtime, settings);
    k.registerNode();
    k.loop.scheduleWithFixedDelay(k::syncSafely, 0, settings.period().toMillis(), TimeUnit.MILLISECONDS);
    return k;
  }

  public String nodeName() {
    return nodeName;
  }

  /** The address of a pod this kubelet runs, or null. */
  public String ipOf(String pod) {
    return runs.values().stream().filter(r -> r.name.equals(pod) && r.ip != null).map(r -> r.ip).findFirst().orElse(null);
  }

  private void registerNode() {
    var node = new NodeBuilder().withNewMetadata().withName(nodeName)
        .addToLabels("kubernetes.io/hostname", nodeName).addToLabels("kubernetes.io/os", "linux").endMetadata()
        .build();
    nodeUid = client.nodes().resource(node).create().getMetadata().getUid();
    Map<String, Quantity> capacity = Map.of("cpu", new Quantity("64"), "memory", new Quantity("256Gi"), "pods", new Quantity("1000"));
    client.nodes().withName(nodeName).editStatus(n -> {
      n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
          .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
            .withMessage("our kubelet is posting ready status").withLastHeartbeatTime(PodStatuses.now())
            .withLastTransitionTime(PodStatuses.now()).endCondition()
          .addNewAddress().withType("InternalIP").withAddress(nodeAddress).endAddress()
          .addNewAddress().withType("Hostname").withAddress(nodeName).endAddress()
          .withCapacity(capacity).withAllocatable(capacity)
          .withNewNodeInfo().withKubeletVersion("v1.36.3").withOperatingSystem("linux").withArchitecture("amd64")
            .withContainerRuntimeVersion("ferry://lab").withKernelVersion("").withOsImage("ferry lab")
            .withBootID("").withMachineID("").withSystemUUID("").withKubeProxyVersion("").endNodeInfo()
          .withPhase("Running").build());
      return n;
    });
    log.info("event=node_registered node={} address={}", nodeName, nodeAddress);
  }

  /** The kubelet's heartbeat: its Node's Lease, created or renewed. */
  private void renewLease() {
    Instant now = Instant.now();
    if (Duration.between(leaseRenewed, now).compareTo(LEASE_RENEWAL) < 0) {
      return;
    }
    var leases = client.leases().inNamespace("kube-node-lease");
    java.time.ZonedDateTime renew = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
    if (leases.withName(nodeName).get() == null) {
      leases.resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
          .withNewMetadata().withName(nodeName).withNamespace("kube-node-lease")
            .addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(nodeName).withUid(nodeUid).endOwnerReference()
          .endMetadata()
          .withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds((int) LEASE_DURATION.toSeconds())
            .withRenewTime(renew).endSpec().build()).create();
    } else {
      leases.withName(nodeName).edit(l -> {
        l.getSpec().setRenewTime(renew);
        return l;
      });
    }
    leaseRenewed = now;
  }

  private void syncSafely() {
    try {
      renewLease();
    } catch (RuntimeException e) {
      leaseRenewed = Instant.now(); // tried again at the next renewal, not every pass
      log.warn("event=lease_renewal_failed node={} error={}", nodeName, e.toString());
    }
    try {
      sync();
    } catch (RuntimeException e) {
      log.warn("event=kubelet_pass_failed node={} error={}", nodeName, e.toString());
    }
  }

  private void sync() {
    Set<String> present = new HashSet<>();
    for (String ns : settings.namespaces()) {
      for (Pod pod : client.pods().inNamespace(ns).list().getItems()) {
        String bound = pod.getSpec().getNodeName();
        if (bound != null && !bound.equals(nodeName)) {
          continue;
        }
        present.add(pod.getMetadata().getUid());
        step(pod);
      }
    }
    for (PodRun run : List.copyOf(runs.values())) {
      if (!present.contains(run.uid)) {
        vanished(run);
      }
    }
  }

  private void step(Pod pod) {
    PodRun run = runs.get(pod.getMetadata().getUid());
    if (run == null) {
      if (PodStatuses.terminating(pod)) {
        // Deleted before it ever ran, or already asked to go and held by a finalizer.
        if (settings.apiServer() == ApiServer.FABRIC8_MOCK
            || !Long.valueOf(0).equals(pod.getMetadata().getDeletionGracePeriodSeconds())) {
          deleteNow(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        }
        return;
      }
      boolean mockWithoutFinalizer = settings.apiServer() == ApiServer.FABRIC8_MOCK && (pod.getMetadata().getFinalizers() == null
          || !pod.getMetadata().getFinalizers().contains(GRACEFUL_DELETION_FINALIZER));
      if ((pod.getSpec().getNodeName() == null || mockWithoutFinalizer) && !bind(pod)) {
        return;
      }
      admit(pod);
      return;
    }
    switch (run.state) {
      case STARTING -> {
        if (run.starting.isDone()) {
          started(run, pod);
        }
      }
      case RUNNING -> running(run, pod);
      case CRASHED, EXITED -> {
        if (PodStatuses.terminating(pod)) {
          finish(run, run.state == State.EXITED && run.exit.succeeded() ? "Succeeded" : "Failed");
        }
      }
      case TERMINATING -> {
        if (run.stopping.isDone()) {
          // A run-to-completion container that exited by itself meanwhile ends the pod with its own outcome.
          var exit = run.container.exited().getNow(null);
          finish(run, exit != null && !exit.succeeded() ? "Failed" : "Succeeded");
        }
      }
    }
  }

  private boolean bind(Pod pod) {
    if (settings.apiServer() == ApiServer.FABRIC8_MOCK) {
      return bindOnMock(pod);
    }
    try {
      client.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(new BindingBuilder()
          .withNewMetadata().withName(pod.getMetadata().getName()).withNamespace(pod.getMetadata().getNamespace()).endMetadata()
          .withNewTarget().withApiVersion("v1").withKind("Node").withName(nodeName).endTarget().build()).create();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409 || e.getCode() == 404) {
        return false; // bound meanwhile, or gone
      }
      throw e;
    }
  }

  /** No binding subresource: the node's name set in the spec, and the finalizer that stands for graceful deletion. */
  private boolean bindOnMock(Pod pod) {
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).edit(p -> {
        if (p.getSpec().getNodeName() == null) {
          p.getSpec().setNodeName(nodeName);
        }
        List<String> f = p.getMetadata().getFinalizers() == null ? new ArrayList<>() : new ArrayList<>(p.getMetadata().getFinalizers());
        if (!f.contains(GRACEFUL_DELETION_FINALIZER)) {
          f.add(GRACEFUL_DELETION_FINALIZER);
        }
        p.getMetadata().setFinalizers(f);
        return p;
      });
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409 || e.getCode() == 404) {
        return false; // changed meanwhile (tried again next pass), or gone
      }
      throw e;
    }
  }

  private void admit(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    Map<String, String> env;
    try {
      env = pod.getSpec().getContainers().isEmpty() ? Map.of() : ContainerEnv.resolve(client, ns, pod.getSpec().getContainers().get(0));
    } catch (ContainerEnv.ConfigError e) {
      waitForConfig(pod, e.getMessage()); // tried again on the next pass, as the kubelet does
      return;
    }
    PodRun run = new PodRun(pod);
    runs.put(run.uid, run);
    String container = containerName(pod);
    String image = image(pod);
    PodStatuses.update(client, ns, name, p -> {
      var s = p.getStatus();
      s.setPhase("Pending");
      s.setHostIP(nodeAddress);
      s.setHostIPs(List.of(new io.fabric8.kubernetes.api.model.HostIP(nodeAddress)));
      s.setStartTime(PodStatuses.now());
      PodStatuses.setCondition(s, "Initialized", true, null);
      PodStatuses.setCondition(s, "ContainersReady", false, "ContainersNotReady");
      PodStatuses.setCondition(s, "Ready", false, "ContainersNotReady");
      s.setContainerStatuses(List.of(waiting(container, image, "ContainerCreating", null)));
      return true;
    });
    boolean ipv6 = runtime.ipv6(pod);
    run.starting = CompletableFuture.supplyAsync(() -> startContainer(run, pod, env, ipv6), containers);
    log.info("event=pod_admitted pod={}/{} image={}", ns, name, image);
  }

  /** Starts the pod's container on an address of its own; an address another process holds is given up for the next. */
  private ContainerRuntime.Container startContainer(PodRun run, Pod pod, Map<String, String> env, boolean ipv6) {
    Exception last = null;
    for (int attempt = 0; attempt < ADDRESS_ATTEMPTS; attempt++) {
      String ip;
      try {
        ip = settings.addresses().next(ipv6);
      } catch (RuntimeException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
      try {
        ContainerRuntime.Container c = runtime.start(pod, env, ip);
        run.ip = ip;
        return c;
      } catch (Exception e) { // Netty's bind throws java.net.BindException unchecked
        if (!addressInUse(e)) {
          run.ip = ip; // the sandbox has its address, though its container does not run
          throw new java.util.concurrent.CompletionException(e);
        }
        log.info("event=pod_address_taken pod={}/{} ip={}", run.namespace, run.name, ip);
        last = e;
      }
    }
    throw new java.util.concurrent.CompletionException(
        new IllegalStateException("no free pod address after " + ADDRESS_ATTEMPTS + " attempts", last));
  }

  /**
   * True when {@code e} (or a cause) says the address is taken (EADDRINUSE), not that it cannot be
   * had at all (EADDRNOTAVAIL: outside the lab network), which no other address would cure.
   */
  static boolean addressInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }

  private void started(PodRun run, Pod pod) {
    try {
      run.container = run.starting.join();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      run.state = State.CRASHED;
      log.info("event=container_crashed pod={}/{} ip={} error={}", run.namespace, run.name, run.ip, cause.toString());
      String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
      writeRunning(run, pod, waiting(containerName(pod), image(pod), "CrashLoopBackOff", message));
      return;
    }
    run.state = State.RUNNING;
    run.startedAt = Instant.now();
    writeRunning(run, pod, new ContainerStatusBuilder().withName(containerName(pod)).withImage(image(pod))
        .withReady(false).withStarted(true).withRestartCount(0)
        .withNewState().withNewRunning().withStartedAt(PodStatuses.now()).endRunning().endState().build());
    log.info("event=pod_running pod={}/{} ip={}", run.namespace, run.name, run.ip);
    if (PodStatuses.terminating(pod)) {
      running(run, pod);
    }
  }

  private void writeRunning(PodRun run, Pod pod, ContainerStatus status) {
    PodStatuses.update(client, run.namespace, run.name, p -> {
      var s = p.getStatus();
      s.setPhase("Running");
      if (run.ip != null) {
        s.setPodIP(run.ip);
        s.setPodIPs(List.of(new PodIP(run.ip)));
      }
      s.setContainerStatuses(List.of(status));
      return true;
    });
  }

  private void running(PodRun run, Pod pod) {
    if (run.container.exited().isDone()) {
      exited(run, pod);
    } else if (PodStatuses.terminating(pod)) {
      terminate(run, pod);
    } else {
      reportReadiness(run, pod);
    }
  }

  private void reportReadiness(PodRun run, Pod pod) {
    Instant now = Instant.now();
    boolean containersReady = false;
    if (!now.isBefore(run.startedAt.plus(run.container.startup()))) {
      if (Duration.between(run.lastProbe, now).compareTo(settings.probePeriod()) >= 0) {
        run.probeOk = probed(run, probe(run), failureThreshold(pod));
        run.lastProbe = now;
      }
      containersReady = run.probeOk;
    }
    boolean ready = containersReady && PodStatuses.gatesTrue(pod);
    if (PodStatuses.isTrue(pod, "ContainersReady") == containersReady && PodStatuses.isTrue(pod, "Ready") == ready) {
      return;
    }
    boolean cr = containersReady;
    PodStatuses.update(client, run.namespace, run.name, p -> {
      var s = p.getStatus();
      boolean changed = PodStatuses.setCondition(s, "ContainersReady", cr, "ContainersNotReady");
      boolean r = cr && PodStatuses.gatesTrue(p);
      changed |= PodStatuses.setCondition(s, "Ready", r, cr ? "ReadinessGatesNotReady" : "ContainersNotReady");
      if (s.getContainerStatuses() != null) {
        s.getContainerStatuses().forEach(c -> c.setReady(cr));
      }
      return changed;
    });
  }

  /**
   * The container's readiness after one more probe: ready at a success; once ready, unready only at
   * the {@code failureThreshold}-th failure in a row. A busy container that misses one probe stays
   * in its Service, as with the kubelet; with a threshold of 1 one slow answer took a loaded lab
   * broker out of the endpoints and its clients' reconnects elsewhere (docs/lab.md, the
   * 100,000-client runs).
   */
  static boolean probed(PodRun run, boolean ok, int failureThreshold) {
    if (ok) {
      run.probeFailures = 0;
      return true;
    }
    run.probeFailures++;
    return run.probeOk && run.probeFailures < failureThreshold;
  }

  /** The readiness probe's {@code failureThreshold} of the pod's first container; Kubernetes' default 3. */
  static int failureThreshold(Pod pod) {
    var containers = pod.getSpec() == null ? null : pod.getSpec().getContainers();
    var probe = containers == null || containers.isEmpty() ? null : containers.get(0).getReadinessProbe();
    Integer t = probe == null ? null : probe.getFailureThreshold();
    return t == null || t < 1 ? DEFAULT_FAILURE_THRESHOLD : t;
  }

  private boolean probe(PodRun run) {
    try {
      return run.container.ready();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The container exited by itself: the pod's phase and its container's terminated state. */
  private void exited(PodRun run, Pod pod) {
    run.exit = run.container.exited().getNow(new ContainerRuntime.Exit(1, "Error", "lost"));
    run.state = State.EXITED;
    String phase = run.exit.succeeded() ? "Succeeded" : "Failed";
    ContainerRuntime.Exit exit = run.exit;
    String started = run.startedAt.toString();
    PodStatuses.update(client, run.namespace, run.name, p -> {
      var s = p.getStatus();
      s.setPhase(phase);
      PodStatuses.setCondition(s, "ContainersReady", false, "PodCompleted");
      PodStatuses.setCondition(s, "Ready", false, "PodCompleted");
      s.setContainerStatuses(List.of(new ContainerStatusBuilder()
          .withName(containerName(pod)).withImage(image(pod)).withReady(false).withStarted(false).withRestartCount(0)
          .withNewState().withNewTerminated().withExitCode(exit.code()).withReason(exit.reason())
            .withMessage(exit.message()).withStartedAt(started).withFinishedAt(PodStatuses.now()).endTerminated().endState()
          .build()));
      return true;
    });
    log.info("event=container_exited pod={}/{} exit_code={} phase={}", run.namespace, run.name, exit.code(), phase);
  }

  /**
   * Kubernetes' termination of a container: the preStop hook (its HTTP call really goes to the pod,
   * then its sleep) within the grace period; SIGTERM; SIGKILL when the grace period is over (2 s
   * more when the hook used it all up, as the kubelet grants).
   */
  private void terminate(PodRun run, Pod pod) {
    long grace = pod.getSpec().getTerminationGracePeriodSeconds() == null ? 30 : pod.getSpec().getTerminationGracePeriodSeconds();
    PreStopHook hook = PreStopHook.of(pod, 80);
    ContainerRuntime.Container container = run.container;
    run.state = State.TERMINATING;
    log.info("event=pod_terminating pod={}/{} ip={} prestop_url={} prestop_sleep_ms={} grace_s={}", run.namespace, run.name,
        run.ip, hook.url(), hook.sleep().toMillis(), grace);
    run.stopping = CompletableFuture.runAsync(() -> stopContainer(run, container, hook, grace), containers);
  }

  private void stopContainer(PodRun run, ContainerRuntime.Container container, PreStopHook hook, long graceSeconds) {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(graceSeconds);
    try {
      if (hook.url() != null) {
        callHook(run, PreStopHook.inPod(hook.url(), run.ip), hook.fromContainer());
      }
      long sleep = Math.min(hook.sleep().toNanos(), deadline - System.nanoTime());
      if (sleep > 0) {
        TimeUnit.NANOSECONDS.sleep(sleep);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        left = TimeUnit.SECONDS.toNanos(2);
      }
      try {
        container.terminate().get(left, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        log.info("event=sigkill pod={}/{} after_ms={}", run.namespace, run.name, (System.nanoTime() - start) / 1_000_000);
        container.kill();
      } catch (java.util.concurrent.ExecutionException e) {
        log.info("event=container_stop_failed pod={}/{} error={}", run.namespace, run.name, e.getCause().toString());
      }
    } catch (InterruptedException e) {
      container.kill();
      Thread.currentThread().interrupt();
    }
  }

  private static HttpClient httpFrom(String address) {
    try {
      return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).localAddress(java.net.InetAddress.getByName(address)).build();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(address, e);
    }
  }

  private void callHook(PodRun run, String url, boolean fromInside) {
    boolean ipv6 = run.ip.contains(":");
    HttpClient http = fromInside ? (ipv6 ? fromContainer6 : fromContainer) : (ipv6 ? plain : fromNode);
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.discarding());
      log.info("event=prestop_call pod={}/{} url={} status={}", run.namespace, run.name, url, r.statusCode());
    } catch (java.io.IOException e) {
      log.info("event=prestop_call_failed pod={}/{} url={} error={}", run.namespace, run.name, url, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The containers have stopped: the final phase, then the pod is deleted for good. */
  private void finish(PodRun run, String phase) {
    PodStatuses.update(client, run.namespace, run.name, p -> {
      var s = p.getStatus();
      boolean changed = !phase.equals(s.getPhase());
      s.setPhase(phase);
      changed |= PodStatuses.setCondition(s, "ContainersReady", false, "PodCompleted");
      changed |= PodStatuses.setCondition(s, "Ready", false, "PodCompleted");
      return changed;
    });
    deleteNow(run.namespace, run.name);
    runs.remove(run.uid);
    log.info("event=pod_gone pod={}/{} ip={} phase={}", run.namespace, run.name, run.ip, phase);
  }

  /** Deletes the pod for good: grace period 0, or on the mock the finalizer removed (it is Terminating already). */
  private void deleteNow(String namespace, String name) {
    if (settings.apiServer() == ApiServer.FABRIC8_MOCK) {
      removeFinalizer(namespace, name);
      return;
    }
    client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
  }

  private void removeFinalizer(String namespace, String name) {
    for (int attempt = 1; ; attempt++) {
      Pod pod = client.pods().inNamespace(namespace).withName(name).get();
      if (pod == null || pod.getMetadata().getFinalizers() == null
          || !pod.getMetadata().getFinalizers().contains(GRACEFUL_DELETION_FINALIZER)) {
        return;
      }
      List<String> rest = new ArrayList<>(pod.getMetadata().getFinalizers());
      rest.remove(GRACEFUL_DELETION_FINALIZER);
      pod.getMetadata().setFinalizers(rest);
      try {
        client.pods().inNamespace(namespace).resource(pod).update();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return;
        }
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  /** Removed without the kubelet (a forced deletion): the container is killed at once. */
  private void vanished(PodRun run) {
    runs.remove(run.uid);
    log.info("event=pod_vanished pod={}/{} ip={}", run.namespace, run.name, run.ip);
    if (run.starting != null) {
      run.starting.thenAccept(ContainerRuntime.Container::kill);
    }
  }

  /** The container cannot start: a Secret or key its environment names is missing. */
  private void waitForConfig(Pod pod, String message) {
    String container = containerName(pod);
    PodStatuses.update(client, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), p -> {
      var cs = p.getStatus().getContainerStatuses();
      if (cs != null && cs.size() == 1 && cs.get(0).getState() != null && cs.get(0).getState().getWaiting() != null
          && message.equals(cs.get(0).getState().getWaiting().getMessage())) {
        return false;
      }
      p.getStatus().setPhase("Pending");
      p.getStatus().setContainerStatuses(List.of(waiting(container, image(pod), "CreateContainerConfigError", message)));
      log.info("event=container_config_error pod={}/{} message=\"{}\"", pod.getMetadata().getNamespace(),
          pod.getMetadata().getName(), message);
      return true;
    });
  }

  private static ContainerStatus waiting(String container, String image, String reason, String message) {
    return new ContainerStatusBuilder().withName(container).withImage(image).withReady(false).withStarted(false)
        .withRestartCount(0).withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState()
        .build();
  }

  private static String containerName(Pod pod) {
    return pod.getSpec().getContainers().isEmpty() ? "main" : pod.getSpec().getContainers().get(0).getName();
  }

  private static String image(Pod pod) {
    return pod.getSpec().getContainers().isEmpty() ? null : pod.getSpec().getContainers().get(0).getImage();
  }

  /** Stops the loop and kills every container (the cluster goes away). */
  @Override
  public void close() {
    loop.shutdownNow();
    try {
      // A pass in progress may still admit a pod: wait for it, so that no container starts unseen.
      loop.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (PodRun run : runs.values()) {
      if (run.starting != null) {
        // Side by side: a broker in a JVM of its own can take seconds to stop.
        stops.add(run.starting.handleAsync((c, e) -> {
          if (c != null) {
            c.kill();
          }
          return null;
        }, containers));
      }
    }
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("event=containers_stop_slow node={} error={}", nodeName, e.toString());
    }
    runs.clear();
    containers.shutdownNow();
    plain.close();
    fromNode.close();
    fromContainer.close();
    fromContainer6.close();
  }
}
