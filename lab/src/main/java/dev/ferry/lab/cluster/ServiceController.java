package dev.ferry.lab.cluster;

import dev.ferry.lab.net.Balancing;
import dev.ferry.lab.net.ServiceProxy;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What makes a Service reachable: the API server's ClusterIP allocation and kube-proxy.
 *
 * <ul>
 *   <li>Each Service that is not headless gets its own loopback address, written to
 *       {@code spec.clusterIP} once its proxies listen there (one already set is kept if free); on
 *       a real apiserver, which allocates ClusterIPs itself, the proxies listen on that one.
 *   <li>Each of its ports is a {@link ServiceProxy} on {@code clusterIP:port}, whose endpoints are
 *       the addresses its EndpointSlices list as {@code ready}, on the slice's port of the same
 *       name. When no endpoint is ready, the serving-and-terminating ones are used instead, as
 *       kube-proxy does (ProxyTerminatingEndpoints), so that a Service whose every pod terminates
 *       does not refuse while they still serve.
 *   <li>The proxy sees every change only after the propagation delay (kube-proxy learns late), and
 *       never moves established connections.
 *   <li>A Service that is gone has its proxies closed, with their connections.
 * </ul>
 */
final class ServiceController implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServiceController.class);

  private final KubernetesClient client;
  private final String namespace;
  private final Balancing balancing;
  private final Duration propagationDelay;
  private final EventLoopGroup group;
  /** By Service uid. */
  private final Map<String, Proxies> proxies = new ConcurrentHashMap<>();

  /** The proxies of one Service, one per port name. */
  record Proxies(String name, String ip, Map<String, ServiceProxy> byPort, Map<String, List<InetSocketAddress>> applied) {}

  /** Whether the apiserver allocates each Service's ClusterIP (a real one does; the mock does not). */
  private final boolean allocated;

  ServiceController(KubernetesClient client, String namespace, Balancing balancing, Duration propagationDelay, int ioThreads) {
    this(client, namespace, balancing, propagationDelay, ioThreads, false);
  }

  /**
   * @param allocated the apiserver allocates ClusterIPs (a real one, from its service range in the
   *     lab's network): the proxies listen on that address and nothing is written
   */
  ServiceController(KubernetesClient client, String namespace, Balancing balancing, Duration propagationDelay, int ioThreads,
      boolean allocated) {
    this.allocated = allocated;
    this.client = client;
    this.namespace = namespace;
    this.balancing = balancing;
    this.propagationDelay = propagationDelay;
    this.group = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
  }

  /** The proxy of a Service's port (by port name; null or "" for its only or first port). */
  Optional<ServiceProxy> proxy(String service, String portName) {
    return proxies.values().stream().filter(p -> p.name().equals(service)).findFirst().flatMap(p -> {
      if (portName == null || portName.isEmpty()) {
        return p.byPort().values().stream().findFirst();
      }
      return Optional.ofNullable(p.byPort().get(portName));
    });
  }

  void sync() {
    List<Service> services = client.services().inNamespace(namespace).list().getItems();
    List<EndpointSlice> slices = client.discovery().v1().endpointSlices().inNamespace(namespace).list().getItems();
    Set<String> live = new HashSet<>();
    for (Service svc : services) {
      if ("None".equals(svc.getSpec().getClusterIP()) || svc.getSpec().getPorts() == null) {
        continue; // headless: DNS only, no proxy
      }
      String uid = svc.getMetadata().getUid();
      live.add(uid);
      Proxies p = proxies.get(uid);
      if (p == null) {
        p = open(svc);
        proxies.put(uid, p);
      }
      route(svc, p, slices);
    }
    for (Map.Entry<String, Proxies> e : List.copyOf(proxies.entrySet())) {
      if (!live.contains(e.getKey())) {
        e.getValue().byPort().values().forEach(ServiceProxy::close);
        proxies.remove(e.getKey());
        log.info("event=service_removed service={} ip={}", e.getValue().name(), e.getValue().ip());
      }
    }
  }

  /**
   * Binds the Service's proxies on its ClusterIP, then writes that address to the Service. The
   * address is the one it already has if this controller gave it one, else a new one; when it is
   * taken (another lab on this machine), the next one.
   */
  private Proxies open(Service svc) {
    String have = svc.getSpec().getClusterIP();
    if (allocated) {
      return new Proxies(Pods.name(svc), have, bind(svc, have), new ConcurrentHashMap<>());
    }
    String ip = have != null && have.startsWith("127.") ? have : Loopback.SERVICES.next();
    for (int attempt = 1; ; attempt++) {
      try {
        Map<String, ServiceProxy> byPort = bind(svc, ip);
        if (!ip.equals(have)) {
          try {
            writeClusterIp(svc, ip);
          } catch (RuntimeException e) {
            byPort.values().forEach(ServiceProxy::close);
            throw e;
          }
        }
        return new Proxies(Pods.name(svc), ip, byPort, new ConcurrentHashMap<>());
      } catch (Exception e) { // Netty's bind throws java.net.BindException unchecked
        if (!Loopback.addressInUse(e) || attempt >= Loopback.BIND_ATTEMPTS) {
          throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        log.info("event=service_address_taken service={} ip={}", Pods.name(svc), ip);
        ip = Loopback.SERVICES.next();
      }
    }
  }

  private Map<String, ServiceProxy> bind(Service svc, String ip) {
    Map<String, ServiceProxy> byPort = new TreeMap<>();
    try {
      for (ServicePort sp : svc.getSpec().getPorts()) {
        String portName = sp.getName() == null ? "" : sp.getName();
        byPort.put(portName, ServiceProxy.builder(Pods.name(svc) + (portName.isEmpty() ? "" : "/" + portName),
                new InetSocketAddress(ip, sp.getPort()))
            .balancing(balancing).propagationDelay(propagationDelay).group(group).start());
      }
      return byPort;
    } catch (Throwable e) {
      byPort.values().forEach(ServiceProxy::close);
      throw e;
    }
  }

  private void writeClusterIp(Service svc, String ip) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.services().inNamespace(namespace).withName(Pods.name(svc)).edit(s -> {
          s.getSpec().setClusterIP(ip);
          s.getSpec().setClusterIPs(List.of(ip));
          return s;
        });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 5) {
          throw e;
        }
      }
    }
  }

  private void route(Service svc, Proxies p, List<EndpointSlice> slices) {
    for (ServicePort sp : svc.getSpec().getPorts()) {
      String portName = sp.getName() == null ? "" : sp.getName();
      List<InetSocketAddress> endpoints = endpoints(Pods.name(svc), portName, slices);
      List<InetSocketAddress> before = p.applied().get(portName);
      if (!endpoints.equals(before)) {
        p.applied().put(portName, List.copyOf(endpoints));
        p.byPort().get(portName).setEndpoints(endpoints);
      }
    }
  }

  /**
   * Where a Service's port sends new connections, as kube-proxy reads its EndpointSlices: the ready
   * endpoints, or the serving-and-terminating ones when none is ready; sorted.
   */
  static List<InetSocketAddress> endpoints(String service, String portName, List<EndpointSlice> slices) {
    List<InetSocketAddress> ready = new ArrayList<>();
    List<InetSocketAddress> servingTerminating = new ArrayList<>();
    for (EndpointSlice s : slices) {
      var labels = s.getMetadata().getLabels();
      if (labels == null || !service.equals(labels.get(EndpointSliceController.SERVICE_NAME_LABEL))) {
        continue;
      }
      Integer port = port(s, portName);
      if (port == null || s.getEndpoints() == null) {
        continue;
      }
      for (Endpoint e : s.getEndpoints()) {
        var c = e.getConditions();
        boolean isReady = c == null || c.getReady() == null || c.getReady();
        boolean serving = c != null && Boolean.TRUE.equals(c.getServing());
        boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
        for (String a : e.getAddresses()) {
          if (isReady) {
            ready.add(new InetSocketAddress(a, port));
          } else if (serving && terminating) {
            servingTerminating.add(new InetSocketAddress(a, port));
          }
        }
      }
    }
    List<InetSocketAddress> endpoints = ready.isEmpty() ? servingTerminating : ready;
    endpoints.sort(Comparator.comparing(InetSocketAddress::getHostString).thenComparingInt(InetSocketAddress::getPort));
    return endpoints;
  }

  private static Integer port(EndpointSlice s, String portName) {
    if (s.getPorts() == null) {
      return null;
    }
    for (EndpointPort ep : s.getPorts()) {
      String n = ep.getName() == null ? "" : ep.getName();
      if (n.equals(portName)) {
        return ep.getPort();
      }
    }
    return null;
  }

  @Override
  public void close() {
    proxies.values().forEach(p -> p.byPort().values().forEach(ServiceProxy::close));
    proxies.clear();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
