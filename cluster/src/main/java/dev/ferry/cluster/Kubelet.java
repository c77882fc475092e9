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
 *       readiness probe, first run after the container's start-up time, then every probe period;
 *       Ready only when ContainersReady and every readiness gate are True;
 *   <li>on deletion (a {@code deletionTimestamp}, which the apiserver sets for a graceful delete):
 *       runs the preStop hook ({@link PreStopHook}), sends SIGTERM, and SIGKILL when
 *       {@code terminationGracePeriodSeconds} is over; then writes the final phase and deletes the
 *       pod for good (grace period 0), as the kubelet does once its containers have stopped;
 *   <li>a run-to-completion container (a Job's pod) leaves the pod Succeeded or Failed with its exit
 *       code, reason and message, until it is deleted.
 * </ul>
 *
 * Its loop is one thread; starting and stopping containers happen on others, so a slow container
 * never holds the rest up. Each pass fails on its own and is logged.
 */
public final class Kubelet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Kubelet.class);
  private static final AtomicInteger nodes = new AtomicInteger();
  private static final AtomicInteger podAddresses = new AtomicInteger();

  /**
   * @param namespaces the namespaces whose pods this kubelet takes
   * @param period how often it looks at its pods
   * @param probePeriod how often a running container's readiness probe runs
   */
  public record Settings(Set<String> namespaces, Duration period, Duration probePeriod) {
    public static Settings of(String namespace) {
      return new Settings(Set.of(namespace), Duration.ofMillis(100), Duration.ofMillis(500));
    }
  }

  private enum State { STARTING, RUNNING, CRASHED, TERMINATING, EXITED }

  /** One pod as this kubelet runs it. Its fields change on the kubelet's thread only. */
  private static final class PodRun {
    final String uid;
    final String namespace;
    final String name;
    final String ip;
    State state = State.STARTING;
    CompletableFuture<ContainerRuntime.Container> starting;
    ContainerRuntime.Container container;
    CompletableFuture<Void> stopping;
    Instant startedAt;
    Instant lastProbe = Instant.EPOCH;
    boolean probeOk;
    ContainerRuntime.Exit exit;

    PodRun(Pod pod, String ip) {
      this.uid = pod.getMetadata().getUid();
      this.namespace = pod.getMetadata().getNamespace();
      this.name = pod.getMetadata().getName();
      this.ip = ip;
    }
  }

  private final KubernetesClient client;
  private final ContainerRuntime runtime;
  private final Settings settings;
  private final String nodeName;
  private final String nodeAddress;
  private final Map<String, PodRun> runs = new ConcurrentHashMap<>();
  private final ScheduledExecutorService loop;
  private final ExecutorService containers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("container-", 0).factory());
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private Kubelet(KubernetesClient client, ContainerRuntime runtime, Settings settings) {
    this.client = client;
    this.runtime = runtime;
    this.settings = settings;
    int n = nodes.getAndIncrement();
    this.nodeName = "node-" + n;
    this.nodeAddress = LabNetwork.nodeAddress(n);
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
    return runs.values().stream().filter(r -> r.name.equals(pod)).map(r -> r.ip).findFirst().orElse(null);
  }

  private void registerNode() {
    var node = new NodeBuilder().withNewMetadata().withName(nodeName)
        .addToLabels("kubernetes.io/hostname", nodeName).addToLabels("kubernetes.io/os", "linux").endMetadata()
        .build();
    client.nodes().resource(node).create();
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

  private void syncSafely() {
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
        if (!Long.valueOf(0).equals(pod.getMetadata().getDeletionGracePeriodSeconds())) {
          deleteNow(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        }
        return;
      }
      if (pod.getSpec().getNodeName() == null && !bind(pod)) {
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
          finish(run, "Succeeded");
        }
      }
    }
  }

  private boolean bind(Pod pod) {
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
    int n = podAddresses.getAndIncrement();
    String ip = runtime.ipv6(pod) ? LabNetwork.podAddress6(n) : LabNetwork.podAddress(n);
    PodRun run = new PodRun(pod, ip);
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
    run.starting = CompletableFuture.supplyAsync(() -> {
      try {
        return runtime.start(pod, env, ip);
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }, containers);
    log.info("event=pod_admitted pod={}/{} ip={} image={}", ns, name, ip, image);
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
      s.setPodIP(run.ip);
      s.setPodIPs(List.of(new PodIP(run.ip)));
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
        run.probeOk = probe(run);
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
        callHook(run, PreStopHook.inPod(hook.url(), run.ip));
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

  private void callHook(PodRun run, String url) {
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

  private void deleteNow(String namespace, String name) {
    client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
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
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (PodRun run : runs.values()) {
      if (run.starting != null) {
        stops.add(run.starting.handle((c, e) -> {
          if (c != null) {
            c.kill();
          }
          return null;
        }));
      }
    }
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("event=containers_stop_slow node={} error={}", nodeName, e.toString());
    }
    runs.clear();
    containers.shutdownNow();
    http.close();
  }
}
