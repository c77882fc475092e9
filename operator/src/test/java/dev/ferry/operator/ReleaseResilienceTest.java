package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.operator.support.Clients;
import dev.ferry.operator.support.FaultyApi;
import dev.ferry.operator.support.Fixtures;
import dev.ferry.operator.support.OperatorHarness;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Releases that meet trouble: a revert mid-drain, an operator that dies, a broker API that fails. */
@org.junit.jupiter.api.Tag("real-kube")
class ReleaseResilienceTest {

  KubernetesClient client;
  OperatorHarness h;

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.close();
    }
  }

  String deployHealthy(Duration podStartup, Consumer<LosslessDeployment> tweak) throws Exception {
    h = new OperatorHarness(podStartup);
    client = h.client;
    h.startOperator();
    LosslessDeployment ld = Fixtures.mqtt(client, "emqx:5.8.0");
    tweak.accept(ld);
    client.resources(LosslessDeployment.class).inNamespace(h.ns).resource(ld).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY
        && h.serving().size() == 2);
    return h.ld("mqtt").getStatus().getCurrentRevision();
  }

  void image(String image) {
    h.image("mqtt", image);
  }

  boolean healthyOn(String revision) {
    LosslessDeployment ld = h.ld("mqtt");
    return ld.getStatus().getPhase() == LosslessDeploymentPhase.HEALTHY
        && revision.equals(ld.getStatus().getCurrentRevision());
  }

  boolean healthyOnAnotherThan(String revision) {
    return h.healthyOnAnotherThan("mqtt", revision);
  }

  /** No broker evacuates: none is left refusing clients. */
  void noEvacuationRunning() throws Exception {
    h.cluster.askEveryBroker((b, api) -> assertThat(api.globalStatus().evacuations()).as("evacuations on " + b.name()).isEmpty());
  }

  @Test
  void revertingTheTemplateMidDrainStopsTheDrainAndReturnsToTheOldVersion() throws Exception {
    String old = deployHealthy(Duration.ofMillis(300), ld -> ld.getSpec().getDrain().setConnEvictRate(4));
    try (Clients clients = Clients.connect(40, h::routeNewConnection)) {
      image("emqx:5.8.1");
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        var s = h.ld("mqtt").getStatus();
        return s.getPhase() == LosslessDeploymentPhase.DRAINING && s.getDrain() != null
            && s.getDrain().getConnections() != null && s.getDrain().getConnections() > 0
            && "evicting_conns".equals(s.getDrain().getState());
      });
      String beingDrained = h.ld("mqtt").getStatus().getDrain().getPod();
      image("emqx:5.8.0");

      await().atMost(Duration.ofSeconds(90)).until(() -> healthyOn(old)
          && h.pods().stream().allMatch(p -> old.equals(p.getMetadata().getLabels().get(FerryNames.REVISION_LABEL))));
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 40);

      assertThat(h.pods()).extracting(p -> p.getMetadata().getName()).contains(beingDrained);
      assertThat(h.serving()).hasSize(2);
      noEvacuationRunning();
      // Moved to the new pods at most once, and back at most once.
      assertThat(clients.disconnectsPerClient()).allMatch(d -> d <= 2);
      // The first thing the rollback did was to stop the drain, so that pod takes clients again.
      assertThat(h.events()).filteredOn(e -> "RollingBack".equals(e.getReason()))
          .extracting(Event::getMessage).anyMatch(m -> m.contains("stopping the drain of " + beingDrained));
    }
  }

  enum Moment { PROVISIONING, SETTLING, DRAINING }

  @ParameterizedTest(name = "operator killed while {0}")
  @EnumSource(Moment.class)
  void anOperatorKilledAtAnyPhaseFinishesTheReleaseWithoutDrainingAnythingTwice(Moment when) throws Exception {
    String old = deployHealthy(Duration.ofSeconds(2), ld -> {
      ld.getSpec().getStrategy().getBlueGreen().setInitialDelaySeconds(3);
      ld.getSpec().getDrain().setConnEvictRate(5);
    });
    List<String> oldPods = h.serving().stream().map(p -> p.getMetadata().getName()).toList();
    try (Clients clients = Clients.connect(30, h::routeNewConnection)) {
      image("emqx:5.8.1");
      LosslessDeploymentPhase phase = LosslessDeploymentPhase.valueOf(when.name());
      await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("mqtt") == phase
          && (when != Moment.DRAINING || h.ld("mqtt").getStatus().getDrain() != null));
      h.stopOperator();
      Thread.sleep(1500);
      h.startOperator();

      await().atMost(Duration.ofSeconds(60)).until(() -> healthyOnAnotherThan(old));
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 30);
      assertThat(h.ld("mqtt").getStatus().getDrained()).containsExactlyInAnyOrderElementsOf(oldPods);
      assertThat(clients.disconnectsPerClient()).as("each client moved exactly once").containsOnly(1);
      assertThat(h.cluster.deletedPods()).containsExactlyInAnyOrderElementsOf(oldPods);
      noEvacuationRunning();
    }
  }

  @Test
  void aBrokerApiThatFailsForAWhileDelaysTheReleaseButLosesNothing() throws Exception {
    String old = deployHealthy(Duration.ofMillis(300), ld -> ld.getSpec().getDrain().setConnEvictRate(5));
    try (Clients clients = Clients.connect(30, h::routeNewConnection)) {
      image("emqx:5.8.1");
      await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.DRAINING);
      int podsBefore = h.pods().size();

      FaultyApi.mode(FaultyApi.Mode.UNAVAILABLE);
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        String m = h.ld("mqtt").getStatus().getMessage();
        return m != null && (m.contains("cannot reach") || m.contains("failed"));
      });
      Thread.sleep(2000);
      assertThat(h.pods()).as("nothing is deleted while the drainer cannot be asked").hasSize(podsBefore);
      FaultyApi.mode(FaultyApi.Mode.HANG);
      Thread.sleep(3000);
      FaultyApi.mode(FaultyApi.Mode.PASS);

      await().atMost(Duration.ofSeconds(90)).until(() -> healthyOnAnotherThan(old));
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 30);
      assertThat(clients.disconnectsPerClient()).containsOnly(1);
      noEvacuationRunning();
    }
  }
}
