package dev.ferry.lab.cluster;

import dev.ferry.lab.fleet.Destination;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-proxy in iptables mode on one node of the lab: the node's own view of a Service's endpoints,
 * read from the API server's EndpointSlices and applied only after the propagation delay; each new
 * connection goes straight to one ready endpoint picked at random (iptables' statistic match), with
 * no process in between.
 *
 * <p>A fleet shard in its own process uses it as its clients' {@link Destination}: every shard is a
 * node with its own kube-proxy, as in a real cluster, and carries no proxy sockets (the in-process
 * {@link dev.ferry.lab.net.ServiceProxy} holds two sockets a connection: 40,000 for 20,000 clients).
 */
public final class KubeProxyRoutes implements Destination, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KubeProxyRoutes.class);
  /** Where a connection goes when the Service has no endpoint: nothing listens there, it is refused. */
  static final InetSocketAddress NO_ENDPOINT = new InetSocketAddress("127.0.0.1", 1);

  private final KubernetesClient client;
  private final String namespace;
  private final String service;
  private final String portName;
  private final Duration propagationDelay;
  private final ScheduledExecutorService executor;
  /** Set once {@code inform} returns; its first events may come before that (then the next look sees them). */
  private volatile SharedIndexInformer<EndpointSlice> informer;
  private List<InetSocketAddress> seen = List.of();
  private volatile List<InetSocketAddress> applied = List.of();

  /**
   * Starts watching the EndpointSlices of {@code service} in {@code namespace} on the API server
   * that {@code apiServer} reaches, as kube-proxy does (an informer: a list, then a watch), and
   * applies what it sees after {@code propagationDelay}. Every {@code period} the node also looks at
   * its informer's cache (no request: the events are what brings changes).
   *
   * <p>It used to list every EndpointSlice every 100 ms: in a 20,000-client lab, four shards made
   * 40 lists a second, about half of each shard's samples and much of the lab's API server
   * (docs/lab.md, the large lab).
   */
  public KubeProxyRoutes(io.fabric8.kubernetes.client.Config apiServer, String namespace, String service, String portName,
      Duration propagationDelay, Duration period) {
    this.client = new KubernetesClientBuilder().withConfig(apiServer).build();
    this.namespace = namespace;
    this.service = service;
    this.portName = portName;
    this.propagationDelay = propagationDelay;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kube-proxy-" + service);
      t.setDaemon(true);
      return t;
    });
    // Every change is looked at at once, on the node's one thread; the informer's own threads only
    // hand it over. A watch that cannot start leaves no thread or client behind.
    try {
      this.informer = inform();
    } catch (RuntimeException e) {
      executor.shutdownNow();
      client.close();
      throw e;
    }
    executor.scheduleWithFixedDelay(this::sync, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private SharedIndexInformer<EndpointSlice> inform() {
    return client.discovery().v1().endpointSlices().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(EndpointSlice s) {
        changed();
      }

      @Override
      public void onUpdate(EndpointSlice old, EndpointSlice s) {
        changed();
      }

      @Override
      public void onDelete(EndpointSlice s, boolean finalStateUnknown) {
        changed();
      }
    });
  }

  private void changed() {
    try {
      executor.execute(this::sync);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // closing
    }
  }

  private void sync() {
    SharedIndexInformer<EndpointSlice> cache = informer;
    if (cache == null) {
      return;
    }
    try {
      List<EndpointSlice> slices = cache.getStore().list();
      List<InetSocketAddress> now = ServiceController.endpoints(service, portName, slices);
      if (!now.equals(seen)) {
        seen = now;
        List<InetSocketAddress> later = List.copyOf(now);
        executor.schedule(() -> {
          applied = later;
          log.debug("event=kube_proxy_endpoints service={} endpoints={}", service, later);
        }, propagationDelay.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException e) {
      log.debug("event=kube_proxy_sync_failed service={} error={}", service, e.toString());
    }
  }

  /** The endpoints new connections go to now. */
  public List<InetSocketAddress> endpoints() {
    return applied;
  }

  /** Has seen at least one endpoint applied. */
  public boolean ready() {
    return !applied.isEmpty();
  }

  @Override
  public InetSocketAddress addressFor(String clientId) {
    List<InetSocketAddress> e = applied;
    return e.isEmpty() ? NO_ENDPOINT : e.get(ThreadLocalRandom.current().nextInt(e.size()));
  }

  @Override
  public void close() {
    informer.close();
    executor.shutdownNow();
    client.close();
  }
}
