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
import java.util.concurrent.Executors;
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
 * whose name contains "bad" never becomes ready.
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
  private final Map<String, String> ips = new ConcurrentHashMap<>();
  private static final AtomicInteger nextIp = new AtomicInteger(1);
  private final AtomicInteger nextPod = new AtomicInteger(1);
  private final List<String> deletedPods = java.util.Collections.synchronizedList(new ArrayList<>());

  public MiniCluster(KubernetesClient client, String namespace, Duration startup) {
    this.client = client;
    this.namespace = namespace;
    this.startup = startup;
  }

  public MiniCluster start() {
    loop.scheduleWithFixedDelay(this::syncSafely, 0, 100, TimeUnit.MILLISECONDS);
    return this;
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
    try {
      replicaSets();
      kubelet();
    } catch (RuntimeException e) {
      log.debug("mini cluster sync: {}", e.toString());
    }
  }

  private void replicaSets() {
    for (ReplicaSet rs : client.apps().replicaSets().inNamespace(namespace).list().getItems()) {
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
          client.pods().inNamespace(namespace).withName(p.getMetadata().getName()).delete();
          deletedPods.add(p.getMetadata().getName());
        }
      }
    }
  }

  private void kubelet() {
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
    List<String> names = pods.stream().map(p -> p.getMetadata().getName()).toList();
    for (String gone : List.copyOf(brokers.keySet())) {
      if (!names.contains(gone)) {
        BrokerNode b = brokers.remove(gone);
        b.close();
        FaultyApi api = apis.remove(gone);
        if (api != null) {
          api.close();
        }
      }
    }
    for (Pod p : pods) {
      String name = p.getMetadata().getName();
      if (!ips.containsKey(name)) {
        String ip = "127.0.3." + nextIp.getAndIncrement();
        ips.put(name, ip);
        boolean bad = p.getSpec().getContainers().stream().anyMatch(c -> c.getImage() != null && c.getImage().contains("bad"));
        if (!bad) {
          BrokerConfig config = new BrokerConfig(
              "emqx@" + ip, new InetSocketAddress(ip, 1883), new InetSocketAddress(ip, 18084),
              new InetSocketAddress(ip, 4370),
              brokers.values().stream().map(BrokerNode::clusterAddress).toList(),
              API_KEY, API_SECRET, 7200, 1000, 32, "5.8.1");
          BrokerNode node = BrokerNode.start(config);
          // The operator reaches the API on 18083 through a proxy that tests can make fail.
          try {
            apis.put(name, new FaultyApi(new InetSocketAddress(ip, 18083), node.apiAddress()));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          brokers.values().forEach(other -> other.join(node.clusterAddress())); // peering is symmetric
          brokers.put(name, node);
          startedAt.put(name, Instant.now());
        }
        updateStatus(name, pod -> {
          pod.getStatus().setPodIP(ip);
          pod.getStatus().setPhase("Running");
          setCondition(pod, "ContainersReady", "False");
        });
      } else if (brokers.containsKey(name) && !ready(p)
          && Instant.now().isAfter(startedAt.get(name).plus(startup))) {
        updateStatus(name, pod -> setCondition(pod, "ContainersReady", "True"));
      }
    }
  }

  private void updateStatus(String name, java.util.function.Consumer<Pod> change) {
    for (int attempt = 0; attempt < 5; attempt++) {
      Pod pod = client.pods().inNamespace(namespace).withName(name).get();
      if (pod == null) {
        return;
      }
      if (pod.getStatus() == null) {
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
      }
      change.accept(pod);
      try {
        client.pods().inNamespace(namespace).resource(pod).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
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
    apis.values().forEach(FaultyApi::close);
    apis.clear();
    FaultyApi.mode(FaultyApi.Mode.PASS);
  }
}
