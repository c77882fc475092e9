package dev.ferry.workload.dubbo;

import dev.ferry.workload.load.Kind;
import dev.ferry.workload.load.Outcome;
import dev.ferry.workload.load.RequestSender;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.cluster.ClusterInvoker;
import org.apache.dubbo.rpc.cluster.Directory;
import org.apache.dubbo.rpc.model.FrameworkModel;

/**
 * A Dubbo 3 consumer of {@link WorkService} that finds providers through the registry
 * (ZooKeeper), with a framework of its own; as a {@link RequestSender} each send is one
 * asynchronous call, so the load generator's open model holds.
 *
 * <p>Errors: Dubbo's timeout is {@link Kind#TIMEOUT}; a network error is {@link Kind#REFUSED} when
 * the connection was refused, else {@link Kind#RESET}; "No provider available" is {@link
 * Kind#UNAVAILABLE}; anything else (an error from the provider, a provider shutting down) {@link
 * Kind#OTHER}, with Dubbo's message as the detail.
 */
public final class DubboConsumer implements RequestSender {
  private final FrameworkModel framework;
  private final DubboBootstrap bootstrap;
  private final ReferenceConfig<WorkService> reference;
  private final WorkService service;

  private DubboConsumer(DubboConsumerConfig config) {
    DubboEnvironment.init();
    this.framework = new FrameworkModel();
    ApplicationConfig app = new ApplicationConfig("ferry-work-consumer");
    app.setQosEnable(false);
    app.setRegisterMode("interface");
    RegistryConfig registry = new RegistryConfig(config.registry());
    registry.setUseAsConfigCenter(false);
    registry.setUseAsMetadataCenter(false);
    reference = new ReferenceConfig<>();
    reference.setInterface(WorkService.class);
    reference.setCheck(false);
    reference.setTimeout((int) config.timeout().toMillis());
    reference.setRetries(config.retries());
    reference.setLoadbalance(config.loadbalance());
    bootstrap = DubboBootstrap.newInstance(framework).application(app).registry(registry).reference(reference);
    bootstrap.start();
    service = reference.get();
  }

  /** Starts the consumer (it subscribes to the registry; providers may come later). */
  public static DubboConsumer start(DubboConsumerConfig config) {
    return new DubboConsumer(config);
  }

  /** The service proxy, for calls of one's own. */
  public WorkService service() {
    return service;
  }

  /**
   * The provider addresses ({@code 127.0.5.1:20880}) this consumer currently knows from the
   * registry (lab providers register {@code [::ffff:127.0.5.1]}: see {@link LoopbackHostProtocolWrapper}).
   */
  public List<String> providers() {
    List<String> out = new ArrayList<>();
    Invoker<?> invoker = reference.getInvoker();
    if (invoker instanceof ClusterInvoker<?> cluster) {
      Directory<?> dir = cluster.getDirectory();
      if (dir != null) {
        for (Invoker<?> i : dir.getAllInvokers()) {
          var u = i.getUrl();
          var a = new java.net.InetSocketAddress(u.getHost(), u.getPort());
          out.add(a.getAddress() == null ? u.getAddress() : a.getAddress().getHostAddress() + ":" + u.getPort());
        }
      }
    }
    return out;
  }

  /** The full URLs of the providers this consumer knows, as its load balancer sees them. */
  public List<String> providerUrls() {
    List<String> out = new ArrayList<>();
    if (reference.getInvoker() instanceof ClusterInvoker<?> cluster && cluster.getDirectory() != null) {
      for (Invoker<?> i : cluster.getDirectory().getAllInvokers()) {
        out.add(i.getUrl().toFullString());
      }
    }
    return out;
  }

  @Override
  public CompletableFuture<Outcome> send() {
    long t0 = System.nanoTime();
    CompletableFuture<String> call;
    try {
      call = service.work("work");
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(failure(e, t0));
    }
    return call.handle((pod, e) -> e == null
        ? Outcome.of(Kind.OK, pod, System.nanoTime() - t0)
        : failure(e, t0));
  }

  static Outcome failure(Throwable e, long t0) {
    Throwable c = e;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    String msg = String.valueOf(c.getMessage());
    Kind k;
    if ((c instanceof RpcException r && r.isTimeout()) || c instanceof org.apache.dubbo.remoting.TimeoutException) {
      k = Kind.TIMEOUT;
    } else if (msg.contains("No provider available")) {
      k = Kind.UNAVAILABLE;
    } else if (msg.contains("Connection refused")) {
      k = Kind.REFUSED;
    } else if (c instanceof RpcException r && r.isNetwork()) {
      k = Kind.RESET;
    } else {
      k = Kind.OTHER;
    }
    String detail = msg.length() > 300 ? msg.substring(0, 300) : msg;
    return new Outcome(k, null, System.nanoTime() - t0, c.getClass().getSimpleName() + ": " + detail);
  }

  @Override
  public void close() {
    try {
      bootstrap.destroy();
    } finally {
      framework.destroy();
    }
  }
}
