package dev.ferry.workload.dubbo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.model.FrameworkModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated pod's Dubbo 3 provider of {@link WorkService}, in this process with a Dubbo
 * framework of its own (its own protocol server, QoS server and registry client), so that several
 * run side by side as separate pods would.
 *
 * <p>Dubbo does the lossless parts itself, as in production: {@code delay} postpones the export and
 * registration, {@code warmup} is published in the registered URL (with the export {@code
 * timestamp}) for consumers' load balancers to ramp the weight up, the QoS {@code offline} command
 * ({@code curl http://host:qosPort/offline}) unregisters from ZooKeeper, and {@link #stop()} is
 * Dubbo's own graceful shutdown (unregister, wait for calls in flight up to {@code shutwait}, close).
 * An in-process provider cannot be SIGKILLed: run {@link DubboProviderMain} as a process for that.
 */
public final class DubboProvider implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DubboProvider.class);

  /**
   * Where Dubbo starts and stops: a thread each. Both block for seconds (a stop for up to
   * {@code shutwait}); in the common pool (one thread on a two-core machine) they would hold up
   * every other provider's answers in this process.
   */
  private static final java.util.concurrent.Executor LIFECYCLE = r -> Thread.ofPlatform()
      .name("dubbo-provider-lifecycle").daemon(true).start(r);

  private final DubboProviderConfig config;
  private final FrameworkModel framework;
  private final CompletableFuture<DubboProvider> started = new CompletableFuture<>();
  private volatile DubboBootstrap bootstrap;
  private volatile boolean stopping;

  private DubboProvider(DubboProviderConfig config) {
    DubboEnvironment.init();
    this.framework = new FrameworkModel();
    this.config = config;
  }

  /**
   * Starts the provider in the background: after {@code startupTime} Dubbo starts, listens, and
   * exports (registers) after its {@code delay}. {@link #started()} completes when Dubbo has started.
   */
  public static DubboProvider start(DubboProviderConfig config) {
    DubboProvider p = new DubboProvider(config);
    CompletableFuture.runAsync(p::boot,
        CompletableFuture.delayedExecutor(config.startupTime().toMillis(), TimeUnit.MILLISECONDS, LIFECYCLE));
    return p;
  }

  private void boot() {
    try {
      synchronized (this) {
        if (stopping) {
          started.completeExceptionally(new IllegalStateException("stopped before it started"));
          return;
        }
        ApplicationConfig app = new ApplicationConfig("ferry-work-provider");
        app.setQosEnable(true);
        app.setQosHost(config.address().getHostString());
        app.setQosPort(config.qosPort());
        app.setQosAcceptForeignIp(false);
        app.setRegisterMode("interface");
        app.setShutwait(String.valueOf(config.shutdownWait().toMillis()));

        RegistryConfig registry = new RegistryConfig(config.registry());
        registry.setUseAsConfigCenter(false);
        registry.setUseAsMetadataCenter(false);

        ProtocolConfig protocol = new ProtocolConfig("dubbo", config.address().getPort());
        protocol.setHost(config.address().getHostString());
        protocol.setParameters(java.util.Map.of(LoopbackHostProtocolWrapper.KEY, config.address().getHostString()));

        ServiceConfig<WorkService> service = new ServiceConfig<>();
        service.setInterface(WorkService.class);
        service.setRef(new WorkServiceImpl(config.podName(), config.serviceTime(), config.coldExtra(), config.coldPeriod()));
        service.setDelay((int) config.delay().toMillis());
        service.setWarmup((int) config.warmup().toMillis());

        bootstrap = DubboBootstrap.newInstance(framework)
            .application(app)
            .registry(registry)
            .protocol(protocol)
            .service(service);
      }
      bootstrap.start();
      started.complete(this);
    } catch (Throwable e) {
      log.warn("{}: Dubbo did not start: {}", config.podName(), e.toString());
      started.completeExceptionally(e);
    }
  }

  public DubboProviderConfig config() {
    return config;
  }

  public InetSocketAddress address() {
    return config.address();
  }

  /** Completes when Dubbo has started (the export may still wait for its {@code delay}). */
  public CompletableFuture<DubboProvider> started() {
    return started;
  }

  /** QoS {@code offline}, over HTTP as a preStop hook's curl does; returns the QoS answer. */
  public String offline() throws IOException, InterruptedException {
    return qos("offline");
  }

  /** QoS {@code online} (the opposite of {@link #offline()}). */
  public String online() throws IOException, InterruptedException {
    return qos("online");
  }

  /** Any QoS command over HTTP, e.g. {@code ls}. */
  public String qos(String command) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
      URI uri = URI.create("http://" + config.address().getHostString() + ":" + config.qosPort() + "/" + command);
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString()).body();
    }
  }

  /** Dubbo's graceful shutdown, in the background; completes when it is over. */
  public CompletableFuture<Void> stop() {
    synchronized (this) {
      stopping = true;
    }
    return CompletableFuture.runAsync(this::destroy, LIFECYCLE);
  }

  private void destroy() {
    DubboBootstrap b = bootstrap;
    try {
      if (b != null) {
        b.destroy();
      }
    } finally {
      framework.destroy();
    }
  }

  /** Dubbo's graceful shutdown, waited for. */
  @Override
  public void close() {
    stop().join();
  }

  @Override
  public String toString() {
    return "DubboProvider[" + config.podName() + "@" + config.address() + " qos " + config.qosPort() + "]";
  }

  /**
   * Answers with the pod name after the service time (plus the cold start's extra, falling from
   * its start to none over the cold period), without holding a Dubbo thread.
   */
  static final class WorkServiceImpl implements WorkService {
    private final String pod;
    private final Duration serviceTime;
    private final long coldExtraNanos;
    private final long coldPeriodNanos;
    private final long startNanos = System.nanoTime();

    WorkServiceImpl(String pod, Duration serviceTime) {
      this(pod, serviceTime, Duration.ZERO, Duration.ZERO);
    }

    WorkServiceImpl(String pod, Duration serviceTime, Duration coldExtra, Duration coldPeriod) {
      this.pod = pod;
      this.serviceTime = serviceTime;
      this.coldExtraNanos = coldExtra == null ? 0 : coldExtra.toNanos();
      this.coldPeriodNanos = coldPeriod == null ? 0 : coldPeriod.toNanos();
    }

    long serviceNanosNow() {
      long base = serviceTime.toNanos();
      long since = System.nanoTime() - startNanos;
      if (coldExtraNanos == 0 || coldPeriodNanos == 0 || since >= coldPeriodNanos) {
        return base;
      }
      return base + (long) (coldExtraNanos * (1.0 - (double) since / coldPeriodNanos));
    }

    @Override
    public CompletableFuture<String> work(String request) {
      long nanos = serviceNanosNow();
      if (nanos == 0) {
        return CompletableFuture.completedFuture(pod);
      }
      // Completed on the delay scheduler's own thread: the common pool (one thread on two cores)
      // may be busy with something else, and the answer must not wait for it.
      return CompletableFuture.supplyAsync(() -> pod,
          CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, Runnable::run));
    }
  }
}
