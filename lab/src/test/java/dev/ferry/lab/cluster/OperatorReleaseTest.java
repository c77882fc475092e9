package dev.ferry.lab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.lab.fleet.ClientReport;
import dev.ferry.lab.fleet.Destination;
import dev.ferry.lab.fleet.Fleet;
import dev.ferry.lab.fleet.FleetConfig;
import dev.ferry.lab.fleet.FleetReport;
import dev.ferry.lab.fleet.FleetSecond;
import dev.ferry.lab.fleet.ReconnectPolicy;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole lab at once: the real Ferry operator, over HTTP, releases a two-node LosslessDeployment
 * of real brokers in the embedded cluster, while a fleet of MQTT clients connected through the
 * Service receives QoS 1 messages.
 */
@Timeout(150)
class OperatorReleaseTest {

  EmbeddedCluster cluster;

  @BeforeEach
  void start() {
    cluster = EmbeddedCluster.start(ClusterConfig.builder()
        .podStartup(Duration.ofMillis(500)).propagationDelay(Duration.ofMillis(200)).build());
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  LosslessDeployment ld(String name) {
    return cluster.client().resources(LosslessDeployment.class).withName(name).get();
  }

  boolean healthy(String name, String notRevision) {
    LosslessDeployment ld = ld(name);
    return ld != null && ld.getStatus() != null && ld.getStatus().getPhase() == LosslessDeploymentPhase.HEALTHY
        && ld.getStatus().getCurrentRevision() != null && !ld.getStatus().getCurrentRevision().equals(notRevision);
  }

  /** What one release did: the fleet's report, the pods before and after, the per-node series. */
  record Release(FleetReport report, Set<String> bluePods, Set<String> greenPods, List<NodeSecond> seconds) {}

  /**
   * Deploys mqtt-ld.yaml with the real operator, connects the fleet through the Service, releases a
   * new image, waits for the release to complete and every client to be back, then finishes the fleet.
   */
  Release release(FleetConfig config) throws Exception {
    cluster.startOperator();
    cluster.createApiKeySecret("mqtt-api-key");
    try (InputStream in = getClass().getResourceAsStream("/mqtt-ld.yaml")) {
      cluster.create(cluster.client().getKubernetesSerialization().unmarshal(in, LosslessDeployment.class));
    }
    assertThat(EmbeddedCluster.await(() -> healthy("mqtt", null)
        && cluster.readyPods(Map.of("app", "mqtt")).size() == 2, Duration.ofSeconds(40))).isTrue();
    String blue = ld("mqtt").getStatus().getCurrentRevision();
    Set<String> bluePods = podNames();
    InetSocketAddress service = cluster.awaitServiceAddress("mqtt", Duration.ofSeconds(10));
    var proxy = cluster.serviceProxy("mqtt", null).orElseThrow();
    assertThat(EmbeddedCluster.await(() -> proxy.visibleEndpoints().size() == 2, Duration.ofSeconds(10))).isTrue();

    try (Fleet fleet = Fleet.start(config, Destination.fixed(service))) {
      assertThat(fleet.awaitSubscribed(Duration.ofSeconds(30))).isTrue();
      if (config.publishRatePerSecond() > 0) {
        fleet.startPublishing();
        assertThat(EmbeddedCluster.await(() -> fleet.timeline().stream().mapToLong(FleetSecond::messagesIn).sum() > 100,
            Duration.ofSeconds(10))).isTrue();
      }
      // A sample of the per-node series with every client on blue.
      assertThat(EmbeddedCluster.await(() -> onPods(cluster.nodeSeconds(), bluePods) >= config.clients(),
          Duration.ofSeconds(5))).isTrue();

      cluster.setLosslessDeploymentImage("mqtt", "emqx:5.8.1");

      assertThat(EmbeddedCluster.await(() -> healthy("mqtt", blue), Duration.ofSeconds(90))).isTrue();
      assertThat(fleet.awaitConnected(config.clients(), Duration.ofSeconds(20))).isTrue();
      // The last blue pod may still be terminating at HEALTHY; then only green is left.
      assertThat(EmbeddedCluster.await(() -> podNames().size() == 2, Duration.ofSeconds(10))).isTrue();
      Set<String> greenPods = podNames();
      assertThat(EmbeddedCluster.await(() -> onPods(cluster.nodeSeconds(), greenPods) >= config.clients(),
          Duration.ofSeconds(5))).isTrue();
      FleetReport report = fleet.finish(Duration.ofSeconds(15));
      return new Release(report, bluePods, greenPods, cluster.nodeSeconds());
    }
  }

  /** Connections on {@code pods} in the last sample. */
  static int onPods(List<NodeSecond> seconds, Set<String> pods) {
    if (seconds.isEmpty()) {
      return 0;
    }
    NodeSecond last = seconds.getLast();
    return pods.stream().mapToInt(p -> last.connections().getOrDefault(p, 0)).sum();
  }

  @Test
  void theOperatorReleasesTwoNodesAndEveryClientMovesExactlyOnceWithoutLosingAQos1Message() throws Exception {
    Release r = release(FleetConfig.builder(100)
        .reconnect(ReconnectPolicy.fullJitter(Duration.ofMillis(100), Duration.ofSeconds(2)))
        .publishRatePerSecond(100).publishFor(Duration.ofSeconds(90))
        .build());

    // Every client was moved exactly once, by an evacuation (0x9C use another server).
    assertThat(r.report().clientReports()).hasSize(100).allSatisfy(c -> {
      assertThat(c.disconnects()).as(c.toString()).isEqualTo(1);
      assertThat(c.disconnectReasons()).as(c.toString()).containsOnlyKeys("0x9C");
    });
    // Persistent sessions moved with them: no acknowledged QoS 1 message was lost.
    assertThat(r.report().messagesPublished()).isGreaterThan(500);
    assertThat(r.report().messagesLost()).as(lossDetail(r.report())).isZero();
    assertThat(r.report().messagesUnconfirmed()).isZero();
    assertThat(r.greenPods()).hasSize(2).doesNotContainAnyElementsOf(r.bluePods());
    // The drain went at connEvictRate (20/s): the blue pods emptied over several seconds, not at once.
    long draining = r.seconds().stream().filter(s -> {
      int onBlue = r.bluePods().stream().mapToInt(p -> s.connections().getOrDefault(p, 0)).sum();
      return onBlue > 0 && onBlue < 100;
    }).count();
    assertThat(draining).isGreaterThanOrEqualTo(3);
  }

  private Set<String> podNames() {
    return cluster.pods().stream().map(Pods::name).collect(Collectors.toSet());
  }

  private static String lossDetail(FleetReport report) {
    return report.clientReports().stream().filter(c -> c.lost() > 0).map(ClientReport::toString).toList().toString();
  }
}
