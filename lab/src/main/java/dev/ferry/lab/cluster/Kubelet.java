package dev.ferry.lab.cluster;

import dev.ferry.cluster.ContainerEnv;
import dev.ferry.cluster.PreStopHook;

import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
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
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet of the lab's one node. Each pod it admits gets its own loopback address and runs one
 * lab broker node (MQTT, EMQX API and cluster channel on that address), in this process or, for a
 * large lab, in a JVM of its own ({@link BrokerProcess}). A pod goes
 * through these states, one step per pass of the loop:
 *
 * <pre>
 *  admitted ── broker starting ──▶ running ── deletionTimestamp ──▶ terminating ──▶ stopped ──▶ gone
 *     │ (image that crashes)          │ ContainersReady once the start-up time has passed and
 *     ▼                               │ the readiness probe (GET /metrics on the API) answers;
 *  crashed                            │ Ready = ContainersReady and every readiness gate True
 * </pre>
 *
 * <ul>
 *   <li>Peering: when a broker has started it joins, both ways, every started broker of the pods
 *       with the same {@code clusterLabel} value in the namespace (EMQX's Kubernetes discovery by
 *       the {@code app} label), since the lab broker must be dialled from both sides.
 *   <li>Termination: a deleted pod keeps existing with its {@code deletionTimestamp} set (see
 *       {@link Pods#GRACEFUL_DELETION_FINALIZER}). The kubelet runs its preStop hook (a
 *       {@code sleep} action, or an exec of {@code sleep N}), then stops the broker (its MQTT 5
 *       clients get DISCONNECT 0x8B, server shutting down), both within
 *       {@code terminationGracePeriodSeconds}; then marks the pod Succeeded, not ready, and removes
 *       the finalizer, and the pod is gone.
 *   <li>Run-to-completion containers (a Job's pods, {@link PodTask}: {@code people-migrate:*},
 *       {@code busybox:*}) run once; the pod is Running until the container exits, then Succeeded
 *       or Failed with the container's terminated state (exit code, reason, message), and stays so
 *       until deleted. A deleted pod's task still runs to its end (a migration in this process
 *       cannot be stopped halfway safely).
 *   <li>Environment: plain values and {@code secretKeyRef}s ({@link ContainerEnv}); a missing
 *       Secret or key keeps the pod Pending with {@code CreateContainerConfigError}, retried each pass.
 *   <li>An image whose name matches {@code crashingImage} never starts: the pod stays Running with
 *       ContainersReady False (CrashLoopBackOff), as a bad release would.
 * </ul>
 */
final class Kubelet implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Kubelet.class);

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

  /** A child broker's JVM: small heap, serial GC (a lab on two cores has no CPU for parallel GC threads). */
  static final List<String> BROKER_JVM = ChildJvm.options("-Xmx2g", "-XX:+UseSerialGC", "-Xss512k");

  enum State { STARTING, RUNNING, CRASHED, TERMINATING, STOPPED, EXITED }

  private final KubernetesClient client;
  private final String namespace;
  private final Settings settings;
  private final Map<String, PodRuntime> runtimes = new ConcurrentHashMap<>();
  /** Starts and stops brokers; a preStop hook is a delay before the stop, so it holds no thread. */
  private final ScheduledExecutorService containers;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

  Kubelet(KubernetesClient client, String namespace, Settings settings) {
    this.client = client;
    this.namespace = namespace;
    this.settings = settings;
    AtomicInteger n = new AtomicInteger();
    this.containers = Executors.newScheduledThreadPool(4, r -> {
      Thread t = new Thread(r, "lab-container-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** One pod as this kubelet runs it. Its fields are only changed on the kubelet's thread. */
  final class PodRuntime {
    final String uid;
    final String name;
    /** The pod's address, from the moment its sandbox exists (the broker bound it). */
    volatile String ip;
    final String group;
    volatile State state = State.STARTING;
    volatile PodBroker broker;
    /** A request/response pod's application (then there is no broker). */
    volatile PodApp app;
    /** A run-to-completion container (a Job's pod): it exits by itself. */
    volatile java.util.concurrent.CompletableFuture<PodTask.Exit> task;
    /** How the task ended (state EXITED): Succeeded or Failed. */
    String exitPhase;
    Future<PodBroker> starting;
    Future<?> stopping;
    Instant startedAt;
    Instant lastProbe = Instant.EPOCH;
    boolean probeOk;

    PodRuntime(String uid, String name, String group) {
      this.uid = uid;
      this.name = name;
      this.group = group;
    }
  }

  /** Brokers of pods whose broker runs now (terminating ones too, until stopped), by pod name. */
  Map<String, PodBroker> podBrokers() {
    Map<String, PodBroker> out = new TreeMap<>();
    runtimes.values().forEach(r -> {
      PodBroker b = r.broker;
      if (b != null && (r.state == State.RUNNING || r.state == State.TERMINATING)) {
        out.put(r.name, b);
      }
    });
    return out;
  }

  /** The in-process brokers among {@link #podBrokers()} (tests look inside them). */
  Map<String, BrokerNode> brokers() {
    Map<String, BrokerNode> out = new TreeMap<>();
    podBrokers().forEach((pod, b) -> {
      if (b.inProcess() != null) {
        out.put(pod, b.inProcess());
      }
    });
    return out;
  }

  /** The IP of a pod this kubelet runs, or null. */
  String ipOf(String pod) {
    return runtimes.values().stream().filter(r -> r.name.equals(pod) && r.ip != null).map(r -> r.ip).findFirst().orElse(null);
  }

  void sync() {
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
    Set<String> present = new HashSet<>();
    for (Pod pod : pods) {
      String uid = pod.getMetadata().getUid();
      present.add(uid);
      PodRuntime rt = runtimes.get(uid);
      if (rt == null) {
        if (!Pods.terminating(pod) && (pod.getMetadata().getFinalizers() == null
            || !pod.getMetadata().getFinalizers().contains(Pods.GRACEFUL_DELETION_FINALIZER))) {
          addFinalizer(pod); // a pod not made by a lab controller: graceful deletion for it too
        }
        if (Pods.terminating(pod)) {
          Pods.removeFinalizer(client, namespace, Pods.name(pod)); // deleted before it ever ran
          continue;
        }
        rt = admit(pod);
        if (rt == null) {
          continue;
        }
      }
      step(rt, pod);
    }
    for (PodRuntime rt : List.copyOf(runtimes.values())) {
      if (!present.contains(rt.uid)) {
        // Removed without the kubelet (a forced deletion): the container is killed at once.
        log.info("event=pod_vanished pod={} ip={}", rt.name, rt.ip);
        if (rt.app != null) {
          rt.app.kill();
        }
        stopBroker(rt, Duration.ZERO);
        runtimes.remove(rt.uid);
      }
    }
  }

  private void addFinalizer(Pod pod) {
    try {
      client.pods().inNamespace(namespace).withName(Pods.name(pod)).edit(p -> {
        List<String> f = p.getMetadata().getFinalizers() == null ? new ArrayList<>() : new ArrayList<>(p.getMetadata().getFinalizers());
        if (!f.contains(Pods.GRACEFUL_DELETION_FINALIZER)) {
          f.add(Pods.GRACEFUL_DELETION_FINALIZER);
        }
        p.getMetadata().setFinalizers(f);
        return p;
      });
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409) {
        throw e;
      }
    }
  }

  private PodRuntime admit(Pod pod) {
    String image = image(pod);
    Map<String, String> env;
    try {
      env = pod.getSpec().getContainers().isEmpty() ? Map.of()
          : ContainerEnv.resolve(client, namespace, pod.getSpec().getContainers().get(0));
    } catch (ContainerEnv.ConfigError e) {
      waitForConfig(pod, e.getMessage()); // retried on the next pass, as the kubelet does
      return null;
    }
    String group = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(settings.clusterLabel());
    PodRuntime rt = new PodRuntime(pod.getMetadata().getUid(), Pods.name(pod), group == null ? Pods.name(pod) : group);
    runtimes.put(rt.uid, rt);
    Pods.updateStatus(client, namespace, rt.name, p -> {
      var s = p.getStatus();
      s.setPhase("Pending");
      s.setHostIP("127.0.0.1");
      s.setStartTime(Instant.now().toString());
      Pods.setCondition(s, "PodScheduled", true, null);
      Pods.setCondition(s, "Initialized", true, null);
      Pods.setCondition(s, "ContainersReady", false, "ContainersNotReady");
      Pods.setCondition(s, "Ready", false, "ContainersNotReady");
      return true;
    });
    if (image != null && settings.crashingImage() != null && image.contains(settings.crashingImage())) {
      rt.state = State.CRASHED;
      rt.ip = Loopback.PODS.next(); // a sandbox, but nothing listens in it
      log.info("event=pod_crashing pod={} ip={} image={}", rt.name, rt.ip, image);
      writeRunning(rt);
      return rt;
    }
    if (PodTask.handles(image)) {
      return admitTask(rt, pod, image, env);
    }
    if (PodApp.handles(image)) {
      return admitApp(rt, pod, image, env);
    }
    rt.starting = containers.submit(() -> startBroker(image));
    log.info("event=pod_admitted pod={} image={} group={}", rt.name, image, rt.group);
    return rt;
  }

  /**
   * A request/response pod: its application starts at once on a free address of its own and
   * listens once its own start-up time has passed; the readiness probe tells when.
   */
  private PodRuntime admitApp(PodRuntime rt, Pod pod, String image, Map<String, String> env) {
    try {
      String ip = freeAddress();
      rt.app = PodApp.start(pod, env, ip, settings.startup(), settings.dubboRegistry());
      rt.ip = ip;
      rt.state = State.RUNNING;
      rt.startedAt = Instant.now();
      log.info("event=pod_admitted pod={} image={} ip={}", rt.name, image, ip);
    } catch (RuntimeException e) {
      rt.state = State.CRASHED;
      rt.ip = Loopback.PODS.next();
      log.warn("event=pod_start_failed pod={} error={}", rt.name, e.toString());
    }
    writeRunning(rt);
    return rt;
  }

  /**
   * A run-to-completion pod (a Job's): its container starts at once and the pod is Running until
   * it exits; then Succeeded or Failed with the container's terminated state (exit code, reason,
   * message), as the kubelet reports it for {@code restartPolicy: Never}.
   */
  private PodRuntime admitTask(PodRuntime rt, Pod pod, String image, Map<String, String> env) {
    rt.ip = Loopback.PODS.next();
    rt.state = State.RUNNING;
    rt.startedAt = Instant.now();
    rt.task = PodTask.start(pod, env);
    log.info("event=pod_admitted pod={} image={} ip={} run_to_completion=true", rt.name, image, rt.ip);
    String ip = rt.ip;
    String started = rt.startedAt.toString();
    String container = pod.getSpec().getContainers().get(0).getName();
    Pods.updateStatus(client, namespace, rt.name, p -> {
      var s = p.getStatus();
      s.setPhase("Running");
      s.setPodIP(ip);
      s.setPodIPs(List.of(new io.fabric8.kubernetes.api.model.PodIP(ip)));
      s.setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
          .withName(container).withImage(image).withReady(true).withStarted(true).withRestartCount(0)
          .withNewState().withNewRunning().withStartedAt(started).endRunning().endState().build()));
      return true;
    });
    return rt;
  }

  /** The task exited: the pod's phase and its container's terminated state. */
  private void taskExited(PodRuntime rt, Pod pod) {
    PodTask.Exit exit = rt.task.getNow(new PodTask.Exit(1, "lost"));
    String phase = exit.succeeded() ? "Succeeded" : "Failed";
    String started = rt.startedAt.toString();
    String finished = Instant.now().toString();
    String container = pod.getSpec().getContainers().get(0).getName();
    String image = image(pod);
    Pods.updateStatus(client, namespace, rt.name, p -> {
      var s = p.getStatus();
      s.setPhase(phase);
      Pods.setCondition(s, "ContainersReady", false, "PodCompleted");
      Pods.setCondition(s, "Ready", false, "PodCompleted");
      s.setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
          .withName(container).withImage(image).withReady(false).withStarted(false).withRestartCount(0)
          .withNewState().withNewTerminated().withExitCode(exit.code()).withReason(exit.reason())
            .withMessage(exit.message()).withStartedAt(started).withFinishedAt(finished).endTerminated().endState()
          .build()));
      return true;
    });
    rt.exitPhase = phase;
    rt.state = State.EXITED;
    log.info("event=container_exited pod={} exit_code={} phase={} message=\"{}\"", rt.name, exit.code(), phase,
        exit.message() == null ? "" : exit.message().replace('"', '\''));
  }

  /** The container cannot start: a Secret or key its environment names is missing. */
  private void waitForConfig(Pod pod, String message) {
    String container = pod.getSpec().getContainers().get(0).getName();
    Pods.updateStatus(client, namespace, Pods.name(pod), p -> {
      var s = p.getStatus();
      var cs = s.getContainerStatuses();
      if (cs != null && cs.size() == 1 && cs.get(0).getState() != null && cs.get(0).getState().getWaiting() != null
          && message.equals(cs.get(0).getState().getWaiting().getMessage())) {
        return false;
      }
      s.setPhase("Pending");
      s.setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
          .withName(container).withImage(image(pod)).withReady(false).withRestartCount(0)
          .withNewState().withNewWaiting().withReason("CreateContainerConfigError").withMessage(message)
          .endWaiting().endState().build()));
      log.info("event=container_config_error pod={} message=\"{}\"", Pods.name(pod), message);
      return true;
    });
  }

  /** A pod address nothing listens on now (another lab on this machine may hold one). */
  private static String freeAddress() {
    for (int attempt = 0; attempt < Loopback.BIND_ATTEMPTS; attempt++) {
      String ip = Loopback.PODS.next();
      try (java.net.ServerSocket s = new java.net.ServerSocket()) {
        s.bind(new InetSocketAddress(ip, PodApp.HTTP_PORT));
        return ip;
      } catch (java.io.IOException e) {
        log.info("event=pod_address_taken ip={}", ip);
      }
    }
    throw new IllegalStateException("no free pod address after " + Loopback.BIND_ATTEMPTS + " attempts");
  }

  /** Starts the pod's broker on a free address of its own (another lab on this machine may hold one). */
  private PodBroker startBroker(String image) {
    Exception last = null;
    for (int attempt = 0; attempt < Loopback.BIND_ATTEMPTS; attempt++) {
      String ip = Loopback.PODS.next();
      BrokerConfig config = new BrokerConfig("emqx@" + ip,
          new InetSocketAddress(ip, settings.mqttPort()), new InetSocketAddress(ip, settings.apiPort()),
          new InetSocketAddress(ip, settings.clusterPort()), List.of(), settings.apiKey(), settings.apiSecret(),
          7200, 1000, 32, profile(image));
      try {
        return settings.brokerProcesses() ? BrokerProcess.start(config, BROKER_JVM) : PodBroker.inThisProcess(config);
      } catch (Exception e) { // Netty's bind throws java.net.BindException unchecked
        if (!Loopback.addressInUse(e)) {
          throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        log.info("event=pod_address_taken ip={}", ip);
        last = e;
      }
    }
    throw new IllegalStateException("no free pod address after " + Loopback.BIND_ATTEMPTS + " attempts", last);
  }

  private void writeRunning(PodRuntime rt) {
    String ip = rt.ip;
    Pods.updateStatus(client, namespace, rt.name, p -> {
      var s = p.getStatus();
      s.setPhase("Running");
      s.setPodIP(ip);
      s.setPodIPs(List.of(new io.fabric8.kubernetes.api.model.PodIP(ip)));
      return true;
    });
  }

  private void step(PodRuntime rt, Pod pod) {
    switch (rt.state) {
      case STARTING -> {
        if (Pods.terminating(pod)) {
          if (rt.starting.isDone()) {
            started(rt);
          }
          if (rt.state != State.STARTING) {
            step(rt, pod);
          }
          return;
        }
        if (rt.starting.isDone()) {
          started(rt);
        }
      }
      case RUNNING -> {
        if (rt.task != null) {
          // A migration in this process cannot be stopped halfway safely: a deleted pod's task
          // runs to its end, and the pod goes then.
          if (rt.task.isDone()) {
            taskExited(rt, pod);
            if (Pods.terminating(pod)) {
              finish(rt, rt.exitPhase);
            }
          }
          return;
        }
        if (Pods.terminating(pod)) {
          terminate(rt, pod);
        } else {
          reportReadiness(rt, pod);
        }
      }
      case CRASHED -> {
        if (Pods.terminating(pod)) {
          finish(rt, "Failed");
        }
      }
      case TERMINATING -> {
        if (rt.stopping.isDone()) {
          rt.state = State.STOPPED;
          finish(rt, "Succeeded");
        }
      }
      case STOPPED -> finish(rt, "Succeeded");
      case EXITED -> {
        if (Pods.terminating(pod)) {
          finish(rt, rt.exitPhase);
        }
      }
    }
  }

  private void started(PodRuntime rt) {
    try {
      rt.broker = rt.starting.get();
    } catch (Exception e) {
      rt.state = State.CRASHED;
      rt.ip = Loopback.PODS.next();
      log.warn("event=pod_start_failed pod={} error={}", rt.name, e.toString());
      writeRunning(rt);
      return;
    }
    rt.ip = rt.broker.mqttAddress().getHostString();
    rt.state = State.RUNNING;
    rt.startedAt = Instant.now();
    // Peering both ways with every started broker of the same workload.
    for (PodRuntime other : runtimes.values()) {
      PodBroker b = other.broker;
      if (other != rt && b != null && other.state == State.RUNNING && Objects.equals(other.group, rt.group)) {
        rt.broker.join(b.clusterAddress());
        b.join(rt.broker.clusterAddress());
      }
    }
    writeRunning(rt);
    log.info("event=pod_running pod={} ip={}", rt.name, rt.ip);
  }

  private void reportReadiness(PodRuntime rt, Pod pod) {
    Instant now = Instant.now();
    boolean containersReady = false;
    Duration wait = rt.app != null ? Duration.ZERO : settings.startup(); // an app's start-up is its own
    if (!now.isBefore(rt.startedAt.plus(wait))) {
      if (Duration.between(rt.lastProbe, now).compareTo(settings.probePeriod()) >= 0) {
        rt.probeOk = probe(rt);
        rt.lastProbe = now;
      }
      containersReady = rt.probeOk;
    }
    boolean ready = containersReady && gatesTrue(pod);
    if (Pods.isTrue(pod, "ContainersReady") == containersReady && Pods.ready(pod) == ready) {
      return;
    }
    boolean cr = containersReady;
    Pods.updateStatus(client, namespace, rt.name, p -> {
      boolean changed = Pods.setCondition(p.getStatus(), "ContainersReady", cr, "ContainersNotReady");
      boolean r = cr && gatesTrue(p);
      changed |= Pods.setCondition(p.getStatus(), "Ready", r, cr ? "ReadinessGatesNotReady" : "ContainersNotReady");
      return changed;
    });
  }

  static boolean gatesTrue(Pod pod) {
    return dev.ferry.cluster.PodStatuses.gatesTrue(pod);
  }

  /**
   * The readiness probe. A broker: EMQX's GET /status on the API port, 200 once the node holds its
   * peers' routes (a node that acknowledged publishes before it knew where the subscribers are
   * would drop them).
   */
  private boolean probe(PodRuntime rt) {
    if (rt.app != null) {
      return rt.app.probe(http);
    }
    return brokerReady(http, rt.ip, settings.apiPort());
  }

  /** EMQX's readiness probe, once: GET /status on the API port answers 200. */
  static boolean brokerReady(HttpClient http, String ip, int apiPort) {
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + apiPort + "/status"))
          .timeout(Duration.ofMillis(500)).GET().build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void terminate(PodRuntime rt, Pod pod) {
    long grace = pod.getSpec().getTerminationGracePeriodSeconds() == null ? 30 : pod.getSpec().getTerminationGracePeriodSeconds();
    Duration preStop = PreStopHook.of(pod, PodApp.HTTP_PORT).sleep();
    Duration budget = Duration.ofSeconds(grace);
    Duration hook = preStop.compareTo(budget) > 0 ? budget : preStop;
    rt.state = State.TERMINATING;
    if (rt.app != null) {
      rt.stopping = terminateApp(rt, pod, grace);
      return;
    }
    log.info("event=pod_terminating pod={} ip={} prestop_ms={} grace_s={}", rt.name, rt.ip, hook.toMillis(), grace);
    rt.stopping = stopBroker(rt, hook);
  }

  /**
   * Kubernetes' termination of a container, from the deletion on: the preStop hook (an HTTP call
   * it makes, such as {@code curl http://localhost:22222/offline}, really goes to the pod; then its
   * sleep) within the grace period; SIGTERM (the application's graceful shutdown); SIGKILL when
   * the grace period is over (2 s more when the hook used it all up, as the kubelet grants).
   */
  private java.util.concurrent.CompletableFuture<Void> terminateApp(PodRuntime rt, Pod pod, long graceSeconds) {
    PreStopHook hook = PreStopHook.of(pod, PodApp.HTTP_PORT);
    PodApp app = rt.app;
    String ip = rt.ip;
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(graceSeconds);
    log.info("event=pod_terminating pod={} ip={} prestop_url={} prestop_sleep_ms={} grace_s={}", rt.name, ip,
        hook.url(), hook.sleep().toMillis(), graceSeconds);
    var done = new java.util.concurrent.CompletableFuture<Void>();
    Thread.ofVirtual().name("container-stop-" + rt.name).start(() -> {
      try {
        if (hook.url() != null) {
          String url = PreStopHook.inPod(hook.url(), ip);
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            log.info("event=prestop_call pod={} url={} status={} body={}", rt.name, url, r.statusCode(),
                r.body().length() > 80 ? r.body().substring(0, 80) : r.body().strip());
          } catch (java.io.IOException e) {
            log.info("event=prestop_call_failed pod={} url={} error={}", rt.name, url, e.toString());
          }
        }
        long sleepNanos = Math.min(hook.sleep().toNanos(), deadline - System.nanoTime());
        if (sleepNanos > 0) {
          Thread.sleep(sleepNanos / 1_000_000, (int) (sleepNanos % 1_000_000));
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          left = TimeUnit.SECONDS.toNanos(2);
        }
        log.info("event=sigterm pod={} ip={} after_ms={}", rt.name, ip, (System.nanoTime() - start) / 1_000_000);
        try {
          app.terminate().get(left, TimeUnit.NANOSECONDS);
          log.info("event=container_exited pod={} after_ms={}", rt.name, (System.nanoTime() - start) / 1_000_000);
        } catch (java.util.concurrent.TimeoutException e) {
          log.info("event=sigkill pod={} after_ms={}", rt.name, (System.nanoTime() - start) / 1_000_000);
          app.kill();
        } catch (java.util.concurrent.ExecutionException e) {
          log.info("event=container_exited pod={} error={}", rt.name, e.getCause().toString());
        }
      } catch (InterruptedException e) {
        app.kill();
      } finally {
        done.complete(null);
      }
    });
    return done;
  }

  private Future<?> stopBroker(PodRuntime rt, Duration preStop) {
    PodBroker b = rt.broker;
    return containers.schedule(() -> {
      if (b != null) {
        b.close(); // SIGTERM: the broker disconnects its clients (MQTT 5: 0x8B) and stops
      }
    }, preStop.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void finish(PodRuntime rt, String phase) {
    Pods.updateStatus(client, namespace, rt.name, p -> {
      var s = p.getStatus();
      boolean changed = !phase.equals(s.getPhase());
      s.setPhase(phase);
      changed |= Pods.setCondition(s, "ContainersReady", false, "PodCompleted");
      changed |= Pods.setCondition(s, "Ready", false, "PodCompleted");
      return changed;
    });
    Pods.removeFinalizer(client, namespace, rt.name);
    runtimes.remove(rt.uid);
    log.info("event=pod_gone pod={} ip={} phase={}", rt.name, rt.ip, phase);
  }

  private static String image(Pod pod) {
    return pod.getSpec().getContainers().isEmpty() ? null : pod.getSpec().getContainers().get(0).getImage();
  }

  dev.ferry.broker.EmqxProfile profile(String image) {
    return profile(settings.emqx(), image);
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

  @Override
  public void close() {
    List<Future<?>> stops = new ArrayList<>();
    List<java.util.concurrent.CompletableFuture<Void>> appStops = new ArrayList<>();
    for (PodRuntime rt : runtimes.values()) {
      if (rt.starting != null && rt.broker == null) {
        try {
          rt.broker = rt.starting.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          continue;
        }
      }
      if (rt.app != null) {
        appStops.add(rt.app.shutdownNow()); // the cluster goes away
        continue;
      }
      if (rt.state != State.STOPPED) {
        stops.add(stopBroker(rt, Duration.ZERO));
      }
    }
    for (Future<?> f : stops) {
      try {
        f.get(15, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("event=broker_stop_slow error={}", e.toString());
      }
    }
    try {
      java.util.concurrent.CompletableFuture.allOf(appStops.toArray(java.util.concurrent.CompletableFuture[]::new))
          .get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("event=app_stop_slow error={}", e.toString());
    }
    runtimes.clear();
    containers.shutdownNow();
    http.close();
  }
}
