package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.lab.cluster.ClusterConfig;
import dev.ferry.lab.cluster.EmbeddedCluster;
import dev.ferry.lab.cluster.Workloads;
import dev.ferry.lab.fleet.Destination;
import dev.ferry.lab.fleet.Fleet;
import dev.ferry.lab.fleet.FleetConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry get NAME -w} watching a real release in the lab: the operator releases a two-node
 * broker cluster with 60 MQTT clients connected, and the frames the command prints follow it from
 * the switch through each drain (with the connections left) to Healthy.
 */
@Timeout(180)
class GetWatchesALabReleaseTest {

  @TempDir Path dir;
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

  boolean healthy(String notRevision) {
    LosslessDeployment ld = cluster.client().resources(LosslessDeployment.class).withName("mqtt").get();
    return ld != null && ld.getStatus() != null && ld.getStatus().getPhase() == LosslessDeploymentPhase.HEALTHY
        && ld.getStatus().getCurrentRevision() != null && !ld.getStatus().getCurrentRevision().equals(notRevision);
  }

  @Test
  void framesFollowTheReleaseFromTheSwitchThroughEachDrainToHealthy() throws Exception {
    cluster.startOperator();
    cluster.createApiKeySecret("mqtt-api-key");
    // 10 clients a second: each node's 30 clients take a few seconds, so frames catch the drain.
    cluster.create(Workloads.brokerLosslessDeployment("mqtt", 2, "emqx:5.8.0", 10, 1, 1, "mqtt-api-key"));
    assertThat(EmbeddedCluster.await(() -> healthy(null), Duration.ofSeconds(40))).isTrue();
    String blue = cluster.client().resources(LosslessDeployment.class).withName("mqtt").get().getStatus().getCurrentRevision();
    var service = cluster.awaitServiceAddress("mqtt", "mqtt", Duration.ofSeconds(10));
    var proxy = cluster.serviceProxy("mqtt", "mqtt").orElseThrow();
    assertThat(EmbeddedCluster.await(() -> proxy.visibleEndpoints().size() == 2, Duration.ofSeconds(10))).isTrue();
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: lab, cluster: {server: "%s"}}]
        users: [{name: lab, user: {}}]
        contexts: [{name: lab, context: {cluster: lab, user: lab, namespace: %s}}]
        current-context: lab
        """.formatted(cluster.apiUrl(), cluster.namespace()));

    try (Fleet fleet = Fleet.start(FleetConfig.builder(60).build(), Destination.fixed(service))) {
      assertThat(fleet.awaitSubscribed(Duration.ofSeconds(30))).isTrue();
      CompletableFuture<ClusterCommandsTest.Run> watch = CompletableFuture.supplyAsync(() ->
          ClusterCommandsTest.run("get", "mqtt", "-w", "--timeout", "70", "--kubeconfig", kubeconfig.toString()));
      Thread.sleep(1500);
      cluster.setLosslessDeploymentImage("mqtt", "emqx:5.8.1");
      assertThat(EmbeddedCluster.await(() -> healthy(blue), Duration.ofSeconds(60))).isTrue();

      ClusterCommandsTest.Run run = watch.get();
      assertThat(run.code()).as(run.err()).isZero();
      List<String> frames = frames(run.out());
      assertThat(frames.size()).as("a frame a second").isGreaterThan(10);
      assertThat(frames.getFirst()).contains("Phase:      Healthy");
      List<String> phases = new ArrayList<>(); // the phases the frames went through, each once in a row
      frames.stream().map(GetWatchesALabReleaseTest::phase)
          .forEach(p -> { if (phases.isEmpty() || !phases.getLast().equals(p)) { phases.add(p); } });
      assertThat(phases).as("in the order the release went").containsSubsequence("Healthy", "Draining", "Healthy");
      assertThat(frames).as("a frame shows a drain in progress with the connections it has left")
          .anySatisfy(f -> assertThat(f).containsPattern("Drain:.*\\n.*connections"));
      assertThat(frames).anySatisfy(f -> assertThat(f).contains("(update)").contains("(current, serving)"));
      assertThat(frames.getLast()).contains("Phase:      Healthy")
          .containsPattern("History:(.*\\n)+  1 +\\w+ +0 +emqx:5.8.0\\n  2 +\\w+ +2 +emqx:5.8.1\\n");
    }
  }

  /** The frames of a watch that is not on a terminal: each starts with its Name line. */
  static List<String> frames(String out) {
    List<String> frames = new ArrayList<>(Arrays.asList(out.split("(?=Name:       )")));
    frames.removeIf(String::isBlank);
    return frames;
  }

  static String phase(String frame) {
    int at = frame.indexOf("Phase:      ");
    return at < 0 ? "?" : frame.substring(at + 12).split("[ \\n]")[0];
  }
}
