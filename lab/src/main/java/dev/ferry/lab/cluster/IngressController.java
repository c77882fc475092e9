package dev.ferry.lab.cluster;

import dev.ferry.api.FerryNames;
import dev.ferry.workload.ingress.Ingress;
import dev.ferry.workload.ingress.IngressConfig;
import dev.ferry.workload.ingress.Upstream;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ingress controller like ingress-nginx by default: an L7 {@link Ingress} that sends each
 * request straight to a pod address (not through the Service's ClusterIP), with the pods it knows
 * taken from the Service's EndpointSlices (the {@code ready} endpoints, on the port of the given
 * name) and applied only {@code delay} after the controller saw them change: ingress-nginx learns
 * endpoints from the API and reloads its upstreams late. Each upstream carries the pod's warmup
 * annotations ({@code ferry.dev/ready-at}, {@code ferry.dev/warmup-seconds}), which the ingress
 * honours as slow start.
 */
final class IngressController implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(IngressController.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String service;
  private final String portName;
  private final Duration delay;
  private final Ingress ingress;
  private final ScheduledExecutorService loop;
  private final Deque<Pending> pending = new ArrayDeque<>();
  private List<Upstream> seen = List.of();

  private record Pending(long dueNanos, List<Upstream> upstreams) {}

  IngressController(KubernetesClient client, String namespace, String service, String portName, Duration delay,
      InetSocketAddress address, Duration period) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
    this.portName = portName;
    this.delay = delay;
    this.ingress = Ingress.start(IngressConfig.of(address));
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ingress-controller-" + service);
      t.setDaemon(true);
      return t;
    });
    loop.scheduleWithFixedDelay(this::sync, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  InetSocketAddress address() {
    return ingress.address();
  }

  Ingress ingress() {
    return ingress;
  }

  private void sync() {
    try {
      List<Upstream> now = upstreams();
      long t = System.nanoTime();
      if (!now.equals(seen)) {
        seen = now;
        pending.addLast(new Pending(t + delay.toNanos(), now));
      }
      List<Upstream> apply = null;
      while (!pending.isEmpty() && pending.peekFirst().dueNanos() - t <= 0) {
        apply = pending.pollFirst().upstreams();
      }
      if (apply != null) {
        ingress.updateUpstreams(apply);
        log.info("event=ingress_upstreams service={} upstreams={}", service,
            apply.stream().map(u -> u.address().getHostString() + (u.readyAt() == null ? "" : "(warming)")).toList());
      }
    } catch (RuntimeException e) {
      log.debug("ingress controller pass failed: {}", e.toString());
    }
  }

  /** The Service's ready endpoints now, with each pod's warmup. */
  private List<Upstream> upstreams() {
    List<EndpointSlice> slices = client.discovery().v1().endpointSlices().inNamespace(namespace)
        .withLabel(EndpointSliceController.SERVICE_NAME_LABEL, service).list().getItems();
    Map<String, Pod> pods = new HashMap<>();
    client.pods().inNamespace(namespace).list().getItems().forEach(p -> pods.put(Pods.name(p), p));
    List<Upstream> out = new ArrayList<>();
    for (EndpointSlice s : slices) {
      Integer port = null;
      for (EndpointPort p : s.getPorts() == null ? List.<EndpointPort>of() : s.getPorts()) {
        if (portName == null || portName.equals(p.getName())) {
          port = p.getPort();
          break;
        }
      }
      if (port == null || s.getEndpoints() == null) {
        continue;
      }
      for (Endpoint e : s.getEndpoints()) {
        if (e.getConditions() == null || !Boolean.TRUE.equals(e.getConditions().getReady())
            || e.getAddresses() == null || e.getAddresses().isEmpty()) {
          continue;
        }
        InetSocketAddress a = new InetSocketAddress(e.getAddresses().get(0), port);
        Pod pod = e.getTargetRef() == null ? null : pods.get(e.getTargetRef().getName());
        out.add(withWarmup(a, pod));
      }
    }
    out.sort(Comparator.comparing(u -> u.address().getHostString()));
    return out;
  }

  static Upstream withWarmup(InetSocketAddress a, Pod pod) {
    Map<String, String> ann = pod == null || pod.getMetadata().getAnnotations() == null
        ? Map.of() : pod.getMetadata().getAnnotations();
    String readyAt = ann.get(FerryNames.READY_AT_ANNOTATION);
    String warmup = ann.get(FerryNames.WARMUP_SECONDS_ANNOTATION);
    if (readyAt == null || warmup == null) {
      return Upstream.of(a);
    }
    try {
      return Upstream.warming(a, Instant.parse(readyAt), Long.parseLong(warmup.trim()));
    } catch (RuntimeException e) {
      return Upstream.of(a);
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ingress.close();
  }
}
