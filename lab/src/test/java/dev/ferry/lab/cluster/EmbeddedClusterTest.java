package dev.ferry.lab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.FerryNames;
import dev.ferry.broker.BrokerNode;
import dev.ferry.lab.fleet.ClientReport;
import dev.ferry.lab.fleet.Destination;
import dev.ferry.lab.fleet.Fleet;
import dev.ferry.lab.fleet.FleetConfig;
import dev.ferry.lab.fleet.ReconnectPolicy;
import dev.ferry.lab.net.ServiceProxy;
import io.fabric8.kubernetes.api.model.LifecycleBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each simulated component against the embedded API, with real brokers in the pods. */
@Timeout(60)
class EmbeddedClusterTest {

  static final Map<String, String> APP = Map.of("app", "mqtt");
  static final Duration WAIT = Duration.ofSeconds(20);

  EmbeddedCluster cluster;
  final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void start() {
    cluster = EmbeddedCluster.start(ClusterConfig.builder()
        .podStartup(Duration.ofMillis(300)).propagationDelay(Duration.ofMillis(100)).build());
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    cluster.close();
  }

  @Test
  void aReplicaSetScaledFromThreeToTwoRemovesThePodWithTheLowestDeletionCost() {
    cluster.create(Workloads.brokerReplicaSet("mqtt", "blue", 3, "emqx:5.8.1"));
    assertThat(cluster.awaitReadyPods(APP, 3, WAIT)).isTrue();
    List<String> names = cluster.readyPods(APP).stream().map(Pods::name).sorted().toList();
    Map<String, String> costs = Map.of(names.get(0), "100", names.get(1), "-5", names.get(2), "50");
    costs.forEach((pod, cost) -> cluster.annotatePod(pod, FerryNames.POD_DELETION_COST_ANNOTATION, cost));

    cluster.scaleReplicaSet("mqtt-blue", 2);

    assertThat(EmbeddedCluster.await(() -> cluster.pods().size() == 2, WAIT)).isTrue();
    assertThat(cluster.deletedByReplicaSets()).containsExactly(names.get(1));
    assertThat(cluster.pods()).extracting(Pods::name).containsExactlyInAnyOrder(names.get(0), names.get(2));
    assertThat(EmbeddedCluster.await(() -> {
      ReplicaSet rs = cluster.client().apps().replicaSets().withName("mqtt-blue").get();
      return rs.getStatus() != null && rs.getStatus().getReplicas() == 2 && rs.getStatus().getReadyReplicas() == 2;
    }, WAIT)).isTrue();
  }

  @Test
  void aStatefulSetRollsHighestOrdinalFirstOneAtATime() {
    cluster.create(Workloads.mqttService("mqtt", APP));
    cluster.create(Workloads.brokerStatefulSet("mqtt", 3, "emqx:5.8.0"));
    assertThat(cluster.awaitStatefulSetRolledOut("mqtt", WAIT)).isTrue();
    assertThat(cluster.pods()).extracting(Pods::name).containsExactlyInAnyOrder("mqtt-0", "mqtt-1", "mqtt-2");
    // The three brokers form one cluster.
    assertThat(EmbeddedCluster.await(() -> cluster.brokers().size() == 3, WAIT)).isTrue();

    // Clients through the Service, spread over the three pods.
    InetSocketAddress service = cluster.awaitServiceAddress("mqtt", WAIT);
    ServiceProxy proxy = cluster.serviceProxy("mqtt", null).orElseThrow();
    assertThat(EmbeddedCluster.await(() -> proxy.visibleEndpoints().size() == 3, WAIT)).isTrue();
    Fleet fleet = closing(Fleet.start(FleetConfig.builder(60)
        .reconnect(ReconnectPolicy.fullJitter(Duration.ofMillis(100), Duration.ofSeconds(1))).build(),
        Destination.fixed(service)));
    assertThat(fleet.awaitSubscribed(WAIT)).isTrue();

    // Watch the rollout: at every moment at most one ordinal is down (missing, terminating or unready).
    AtomicBoolean watching = new AtomicBoolean(true);
    List<Integer> readyCounts = new CopyOnWriteArrayList<>();
    Thread watcher = Thread.ofVirtual().start(() -> {
      while (watching.get()) {
        readyCounts.add(cluster.readyPods(APP).size());
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    cluster.setStatefulSetImage("mqtt", "emqx:5.8.1");
    assertThat(EmbeddedCluster.await(() -> cluster.deletedByStatefulSets().size() == 3, Duration.ofSeconds(40))).isTrue();
    assertThat(cluster.awaitStatefulSetRolledOut("mqtt", WAIT)).isTrue();
    watching.set(false);
    watcher.interrupt();

    assertThat(cluster.deletedByStatefulSets()).containsExactly("mqtt-2", "mqtt-1", "mqtt-0");
    assertThat(readyCounts).isNotEmpty().allMatch(n -> n >= 2);
    assertThat(readyCounts).contains(2); // each replacement was seen down
    // The rolling baseline: each restart cuts its pod's clients off, and those that had moved to a
    // pod restarted later are cut off again; nobody more often than there are pods.
    assertThat(fleet.awaitConnected(60, WAIT)).isTrue();
    assertThat(fleet.clientReports()).allSatisfy(c -> {
      assertThat(c.disconnects()).isBetween(1, 3);
      assertThat(c.disconnectReasons().keySet()).isSubsetOf("0x8B", "closed");
    });
    assertThat(fleet.clientReports()).anySatisfy(c -> assertThat(c.disconnects()).isGreaterThanOrEqualTo(2));
    String revision = StatefulSetController.revision(cluster.client().apps().statefulSets().withName("mqtt").get());
    assertThat(cluster.pods()).hasSize(3).allSatisfy(p ->
        assertThat(p.getMetadata().getLabels()).containsEntry(StatefulSetController.REVISION_LABEL, revision));
  }

  @Test
  void aPodWhoseReadinessGateIsFalseIsNotAReadyEndpointAndGetsNoNewConnections() {
    ReplicaSet rs = Workloads.brokerReplicaSet("mqtt", "blue", 2, "emqx:5.8.1");
    rs.getSpec().getTemplate().getSpec().setReadinessGates(List.of(new PodReadinessGate(FerryNames.SERVING_CONDITION)));
    cluster.create(Workloads.mqttService("mqtt", APP));
    cluster.create(rs);
    // Containers ready on both; nobody has opened the gate yet, so neither pod is Ready.
    assertThat(EmbeddedCluster.await(() -> cluster.pods().size() == 2
        && cluster.pods().stream().allMatch(p -> Pods.isTrue(p, "ContainersReady")), WAIT)).isTrue();
    assertThat(cluster.readyPods(APP)).isEmpty();
    List<String> names = cluster.pods().stream().map(Pods::name).sorted().toList();
    String open = names.get(0);
    String shut = names.get(1);
    setGate(open, true);
    setGate(shut, false);

    assertThat(EmbeddedCluster.await(() -> endpoint(open).map(e -> e.getConditions().getReady()).orElse(false)
        && endpoint(shut).isPresent(), WAIT)).isTrue();
    Endpoint closed = endpoint(shut).orElseThrow();
    assertThat(closed.getConditions().getReady()).isFalse();
    assertThat(closed.getConditions().getServing()).isFalse();
    assertThat(closed.getConditions().getTerminating()).isFalse();
    assertThat(cluster.readyPods(APP)).extracting(Pods::name).containsExactly(open);

    InetSocketAddress service = cluster.awaitServiceAddress("mqtt", WAIT);
    ServiceProxy proxy = cluster.serviceProxy("mqtt", "mqtt").orElseThrow();
    assertThat(EmbeddedCluster.await(() -> proxy.visibleEndpoints().size() == 1, WAIT)).isTrue();
    Fleet fleet = closing(Fleet.start(FleetConfig.builder(20).build(), Destination.fixed(service)));
    assertThat(fleet.awaitSubscribed(WAIT)).isTrue();

    BrokerNode openBroker = cluster.brokers().get(open);
    BrokerNode shutBroker = cluster.brokers().get(shut);
    assertThat(openBroker.stats().connections()).isEqualTo(20);
    assertThat(shutBroker.stats().connections()).isZero();
    assertThat(proxy.routedTo(cluster.podMqttAddress(shut).orElseThrow())).isZero();
    // The per-second series sees it too.
    assertThat(EmbeddedCluster.await(() -> {
      var last = cluster.nodeSeconds().isEmpty() ? null : cluster.nodeSeconds().getLast();
      return last != null && last.connections().getOrDefault(open, 0) == 20 && last.connections().getOrDefault(shut, -1) == 0;
    }, WAIT)).isTrue();
  }

  @Test
  void aDeletedPodIsTerminatingThenGoneAndItsBrokersClientsAreDisconnected() {
    ReplicaSet rs = Workloads.brokerReplicaSet("mqtt", "blue", 1, "emqx:5.8.1");
    rs.getSpec().getTemplate().getSpec().getContainers().get(0).setLifecycle(new LifecycleBuilder()
        .withNewPreStop().withNewExec().withCommand("sh", "-c", "sleep 5").endExec().endPreStop().build());
    cluster.create(Workloads.mqttService("mqtt", APP));
    cluster.create(rs);
    assertThat(cluster.awaitReadyPods(APP, 1, WAIT)).isTrue();
    String pod = Pods.name(cluster.readyPods(APP).getFirst());
    InetSocketAddress service = cluster.awaitServiceAddress("mqtt", WAIT);
    assertThat(EmbeddedCluster.await(() -> endpoint(pod).map(e -> e.getConditions().getReady()).orElse(false), WAIT)).isTrue();
    Fleet fleet = closing(Fleet.start(FleetConfig.builder(10)
        .reconnect(ReconnectPolicy.fullJitter(Duration.ofMillis(100), Duration.ofSeconds(1))).build(),
        Destination.fixed(service)));
    assertThat(fleet.awaitSubscribed(WAIT)).isTrue();
    BrokerNode broker = cluster.brokers().get(pod);
    assertThat(broker.stats().connections()).isEqualTo(10);

    cluster.client().pods().withName(pod).delete();

    // Terminating: still there, with a deletion timestamp; an endpoint that serves but is not ready.
    Pod terminating = cluster.client().pods().withName(pod).get();
    assertThat(terminating).isNotNull();
    assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(EmbeddedCluster.await(() -> endpoint(pod).map(e -> e.getConditions().getTerminating()).orElse(false), WAIT)).isTrue();
    Endpoint e = endpoint(pod).orElseThrow();
    assertThat(e.getConditions().getReady()).isFalse();
    assertThat(e.getConditions().getServing()).isTrue();
    // The preStop sleep holds the broker up for 5 s: its clients are still connected.
    assertThat(broker.stats().connections()).isEqualTo(10);

    // Then the broker stops, its clients are told so, and the pod is gone.
    assertThat(EmbeddedCluster.await(() -> cluster.client().pods().withName(pod).get() == null, WAIT)).isTrue();
    assertThat(EmbeddedCluster.await(() -> fleet.clientReports().stream().allMatch(c -> c.disconnects() == 1), WAIT)).isTrue();
    assertThat(fleet.clientReports()).allSatisfy(c ->
        assertThat(c.disconnectReasons().keySet()).isSubsetOf("0x8B", "closed"));
    assertThat(fleet.clientReports()).extracting(ClientReport::disconnectReasons).anySatisfy(r -> assertThat(r).containsKey("0x8B"));
    // The ReplicaSet replaced it; the clients come back through the Service to the new pod.
    assertThat(fleet.awaitConnected(10, WAIT)).isTrue();
    assertThat(cluster.pods()).extracting(Pods::name).doesNotContain(pod);
  }

  @Test
  void aPlainBlueGreenSwitchesTheServiceThenCutsTheOldPodsClientsOff() {
    cluster.deployPlainBlueGreen("mqtt", "blue", 2, "emqx:5.8.0", WAIT);
    List<String> blue = cluster.pods().stream().map(Pods::name).toList();
    InetSocketAddress service = cluster.awaitServiceAddress("mqtt", WAIT);
    ServiceProxy proxy = cluster.serviceProxy("mqtt", null).orElseThrow();
    assertThat(EmbeddedCluster.await(() -> proxy.visibleEndpoints().size() == 2, WAIT)).isTrue();
    Fleet fleet = closing(Fleet.start(FleetConfig.builder(20)
        .reconnect(ReconnectPolicy.fullJitter(Duration.ofMillis(100), Duration.ofSeconds(1))).build(),
        Destination.fixed(service)));
    assertThat(fleet.awaitSubscribed(WAIT)).isTrue();

    cluster.releasePlainBlueGreen("mqtt", "blue", "green", "emqx:5.8.1", Duration.ofMillis(500), WAIT);

    assertThat(cluster.pods()).hasSize(2).extracting(Pods::name).doesNotContainAnyElementsOf(blue)
        .allMatch(n -> n.startsWith("mqtt-green-"));
    assertThat(fleet.awaitConnected(20, WAIT)).isTrue();
    // Every client was cut off once, by its pod going away, and came back to green through the Service.
    assertThat(fleet.clientReports()).allSatisfy(c -> {
      assertThat(c.disconnects()).isEqualTo(1);
      assertThat(c.disconnectReasons().keySet()).isSubsetOf("0x8B", "closed");
    });
    assertThat(EmbeddedCluster.await(() -> cluster.brokers().values().stream()
        .mapToInt(b -> b.stats().connections()).sum() == 20, WAIT)).isTrue();
  }

  @Test
  void addressesTakenByAnotherLabOnThisMachineAreSkipped() throws Exception {
    // Another process holds the next pod address's MQTT port and the next Service address's.
    String podIp = Loopback.PODS.peek();
    String serviceIp = Loopback.SERVICES.peek();
    try (java.net.ServerSocket pod = new java.net.ServerSocket(1883, 1, java.net.InetAddress.getByName(podIp));
         java.net.ServerSocket svc = new java.net.ServerSocket(1883, 1, java.net.InetAddress.getByName(serviceIp))) {
      cluster.deployPlainBlueGreen("mqtt", "blue", 1, "emqx:5.8.1", WAIT);
      Pod p = cluster.readyPods(APP).getFirst();
      assertThat(Pods.ip(p)).isNotEqualTo(podIp).startsWith("127.0.1");
      InetSocketAddress service = cluster.awaitServiceAddress("mqtt", WAIT);
      assertThat(service.getHostString()).isNotEqualTo(serviceIp);
      assertThat(cluster.client().services().withName("mqtt").get().getSpec().getClusterIP()).isEqualTo(service.getHostString());
      Fleet fleet = closing(Fleet.start(FleetConfig.builder(5).build(), Destination.fixed(service)));
      assertThat(fleet.awaitSubscribed(WAIT)).isTrue();
    }
  }

  private void setGate(String pod, boolean open) {
    Pods.updateStatus(cluster.client(), cluster.namespace(), pod, p -> Pods.setCondition(
        p.getStatus(), FerryNames.SERVING_CONDITION, open, "OutOfService"));
  }

  private Optional<Endpoint> endpoint(String pod) {
    List<EndpointSlice> slices = cluster.client().discovery().v1().endpointSlices()
        .withLabel(EndpointSliceController.SERVICE_NAME_LABEL, "mqtt").list().getItems();
    return slices.stream().flatMap(s -> s.getEndpoints().stream())
        .filter(e -> e.getTargetRef() != null && pod.equals(e.getTargetRef().getName())).findFirst();
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }
}
