package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.operator.support.Clients;
import dev.ferry.operator.support.OperatorHarness;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whole blue-green releases driven by the real operator, against fabric8's mock API server and real
 * lab brokers that answer the EMQX API, with real MQTT clients connected through a Service-like
 * choice of serving pods.
 */
@org.junit.jupiter.api.Tag("real-kube")
class BlueGreenReleaseTest {

  KubernetesClient client;
  OperatorHarness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new OperatorHarness(Duration.ofMillis(300));
    client = h.client;
    h.startOperator();
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  LosslessDeployment mqtt(String image) {
    return dev.ferry.operator.support.Fixtures.mqtt(client, image);
  }

  LosslessDeployment deployAndWaitHealthy() throws Exception {
    client.resources(LosslessDeployment.class).inNamespace(h.ns).resource(mqtt("emqx:5.8.0")).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY
        && h.serving().size() == 2);
    return h.ld("mqtt");
  }

  /** The release from {@code oldRevision} complete, and every client connected again. */
  void awaitReleasedFrom(String oldRevision, Clients clients) {
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      LosslessDeployment ld = h.ld("mqtt");
      return ld.getStatus().getPhase() == LosslessDeploymentPhase.HEALTHY
          && !oldRevision.equals(ld.getStatus().getCurrentRevision());
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 40);
  }

  void changeImage(String image) {
    h.edit("mqtt", ld -> {
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      return ld;
    });
  }

  @Test
  void aReleaseMovesEveryClientExactlyOnceAtTheRateAndDeletesOnlyEmptyPods() throws Exception {
    LosslessDeployment first = deployAndWaitHealthy();
    String oldRevision = first.getStatus().getCurrentRevision();
    List<String> oldPods = h.serving().stream().map(p -> p.getMetadata().getName()).toList();

    try (Clients clients = Clients.connect(40, h::routeNewConnection)) {
      assertThat(clients.connected()).isEqualTo(40);
      changeImage("emqx:5.8.1");

      awaitReleasedFrom(oldRevision, clients);

      LosslessDeployment done = h.ld("mqtt");
      assertThat(done.getStatus().getUpdateRevision()).isEqualTo(done.getStatus().getCurrentRevision());
      assertThat(done.getStatus().getDrained()).containsExactlyInAnyOrderElementsOf(oldPods);
      // Each client was moved once, by an evacuation (0x9C use another server), never by a deletion.
      assertThat(clients.disconnectsPerClient()).containsOnly(1);
      assertThat(clients.useAnotherServerPerClient()).containsOnly(1);
      // Only the new pods remain; the old set is at zero and kept for rollback.
      assertThat(h.pods()).allMatch(p -> !p.getMetadata().getLabels().get(FerryNames.REVISION_LABEL).equals(oldRevision));
      ReplicaSet oldSet = client.apps().replicaSets().inNamespace(h.ns).withName("mqtt-" + oldRevision).get();
      assertThat(oldSet.getSpec().getReplicas()).isZero();
      // No node is left evacuating.
      h.cluster.brokers().values().forEach(b -> assertThat(b.stats().connectionsRefused()).isZero());
    }
    List<String> reasons = h.events().stream().map(Event::getReason).toList();
    assertThat(reasons).contains("ReleaseStarted", "Switching", "DrainStarted", "DeletingPod", "ReleaseComplete");
    assertThat(h.events()).extracting(Event::getMessage).noneMatch(m -> m.contains("s3cret"));
    assertThat(done().getStatus().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Ready");
      assertThat(c.getStatus()).isEqualTo("True");
    });

    // What Prometheus and the kubelet's probes see.
    var http = java.net.http.HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + h.operator().metricsPort();
    var metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("ferry_phase{kind=\"LosslessDeployment\",name=\"mqtt\",namespace=\"" + h.ns + "\",phase=\"Healthy\"} 1.0")
        .containsPattern("ferry_actions_total\\{action=\"StartDrain\",kind=\"LosslessDeployment\"} [1-9]")
        .contains("ferry_reconcile_seconds_count")
        .containsPattern("ferry_reconcile_step_seconds_count\\{kind=\"LosslessDeployment\",step=\"brokers\"} [1-9]");
    var health = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/healthz")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
  }

  LosslessDeployment done() {
    return h.ld("mqtt");
  }

  /**
   * With the drain settings changed by {@code drain}, a release of 40 clients: each moved once, by an
   * evacuation, and every old pod drained. Returns the old pods' names, sorted.
   */
  List<String> releaseWithDrain(java.util.function.Consumer<dev.ferry.api.v1alpha1.DrainSpec> drain) throws Exception {
    LosslessDeployment first = deployAndWaitHealthy();
    String oldRevision = first.getStatus().getCurrentRevision();
    List<String> oldPods = h.serving().stream().map(p -> p.getMetadata().getName()).sorted().toList();
    h.edit("mqtt", ld -> {
      drain.accept(ld.getSpec().getDrain());
      return ld;
    });
    try (Clients clients = Clients.connect(40, h::routeNewConnection)) {
      changeImage("emqx:5.8.1");
      awaitReleasedFrom(oldRevision, clients);
      assertThat(clients.disconnectsPerClient()).containsOnly(1);
      assertThat(clients.useAnotherServerPerClient()).containsOnly(1);
      assertThat(h.ld("mqtt").getStatus().getDrained()).containsExactlyInAnyOrderElementsOf(oldPods);
    }
    return oldPods;
  }

  @Test
  void withDrainParallelTheOldPodsDrainSideBySideFromOneStepAndEveryClientMovesOnce() throws Exception {
    List<String> oldPods = releaseWithDrain(d -> d.setParallel(2));
    // Both drains started by one step, half a second apart.
    List<String> started = h.events().stream().filter(e -> "DrainStarted".equals(e.getReason()))
        .map(Event::getMessage).toList();
    assertThat(started).hasSize(1);
    assertThat(started.get(0)).contains(String.join(", ", oldPods) + " side by side (starting at +0, +500 ms)");
  }

  /**
   * A takeover wait protects the sessions of clients still on their way back; once every client
   * sent away has taken its session over there is nothing left to protect, and the pod goes without
   * waiting out the rest. A 100 s wait waited out would not fit in the release's minute.
   */
  @Test
  void aLongTakeoverWaitEndsOnceEveryClientTookItsSessionOver() throws Exception {
    releaseWithDrain(d -> d.setWaitTakeover(100));
    List<String> deletions = h.events().stream().filter(e -> "DeletingPod".equals(e.getReason()))
        .map(Event::getMessage).toList();
    assertThat(deletions).isNotEmpty()
        .allMatch(m -> m.contains("every client it sent away took its session over (no need to wait out the 100s"));
  }

  /**
   * A client sent away that does not come back keeps its session on its node, and the node in its
   * takeover wait: that node goes only after EMQX has waited the wait out and handed the session on,
   * and the client finds its session when it returns. The other node, whose clients all came back,
   * goes early.
   */
  @Test
  void aNodeHoldingTheSessionOfAClientThatStaysAwayWaitsItsWaitOut() throws Exception {
    List<String> oldPods = releaseWithDrain(d -> {
      d.setWaitTakeover(3);
      // Connected before the release, with a session that outlives it and no reconnect.
      com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5().identifier("stays-away")
          .serverAddress(h.routeNewConnection()).buildBlocking()
          .connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
    });
    List<String> deletions = h.events().stream().filter(e -> "DeletingPod".equals(e.getReason()))
        .map(Event::getMessage).toList();
    assertThat(deletions).as("one deletion per old pod").hasSize(oldPods.size());
    assertThat(deletions).filteredOn(m -> m.endsWith(": drained")).as("waited out: the lone session's node").hasSize(1);
    assertThat(deletions).filteredOn(m -> m.contains("took its session over")).hasSize(oldPods.size() - 1);
    // Its session was handed on, not lost with the pod.
    com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient back = com.hivemq.client.mqtt.MqttClient.builder()
        .useMqttVersion5().identifier("stays-away").serverAddress(h.routeNewConnection()).buildBlocking();
    assertThat(back.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent()).isTrue();
    back.disconnect();
  }

  @Test
  void aBadImageAbortsAndTheOldVersionKeepsServing() throws Exception {
    LosslessDeployment first = deployAndWaitHealthy();
    String oldRevision = first.getStatus().getCurrentRevision();
    h.edit("mqtt", ld -> {
      ld.getSpec().getStrategy().getBlueGreen().setProgressDeadlineSeconds(3);
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("emqx:bad");
      return ld;
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.ABORTED
        && h.pods().stream().allMatch(p -> p.getMetadata().getLabels().get(FerryNames.REVISION_LABEL).equals(oldRevision)));
    LosslessDeployment ld = h.ld("mqtt");
    assertThat(ld.getStatus().getCurrentRevision()).isEqualTo(oldRevision);
    assertThat(h.serving()).hasSize(2)
        .allMatch(p -> p.getMetadata().getLabels().get(FerryNames.REVISION_LABEL).equals(oldRevision));
    assertThat(ld.getStatus().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Progressing");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("ProgressDeadlineExceeded");
    });
    assertThat(h.events()).extracting(Event::getReason).contains("ProgressDeadlineExceeded");
  }

  @Test
  void withoutAutoPromoteTheReleaseWaitsForThePromotionOfItsRevision() throws Exception {
    LosslessDeployment first = deployAndWaitHealthy();
    String oldRevision = first.getStatus().getCurrentRevision();
    h.edit("mqtt", ld -> {
      ld.getSpec().getStrategy().getBlueGreen().setAutoPromote(false);
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("emqx:5.8.1");
      return ld;
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.AWAITING_PROMOTION);
    Thread.sleep(1500);
    assertThat(h.phase("mqtt")).isEqualTo(LosslessDeploymentPhase.AWAITING_PROMOTION);
    assertThat(h.serving()).as("the old pods still serve")
        .allMatch(p -> p.getMetadata().getLabels().get(FerryNames.REVISION_LABEL).equals(oldRevision));
    String waiting = h.ld("mqtt").getStatus().getUpdateRevision();
    // What `ferry promote mqtt` writes.
    h.edit("mqtt", ld -> {
      ld.getMetadata().getAnnotations().put(FerryNames.PROMOTE_ANNOTATION, waiting);
      return ld;
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY
        && waiting.equals(h.ld("mqtt").getStatus().getCurrentRevision()));
    assertThat(h.events()).extracting(Event::getReason).contains("AwaitingPromotion", "Promoted");
  }

  static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }
}
