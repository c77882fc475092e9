package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.operator.support.Clients;
import dev.ferry.operator.support.FaultyApi;
import dev.ferry.operator.support.OperatorHarness;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Releases against brokers that behave as EMQX does where it hurts: new pods Ready before they
 * joined the cluster, and a global status that leaves out the nodes that missed its multicall.
 */
@org.junit.jupiter.api.Tag("real-kube")
class EmqxAsItIsTest {

  KubernetesClient client;
  OperatorHarness h;

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.close();
    }
  }

  String deployHealthy(Consumer<LosslessDeployment> tweak) throws Exception {
    h = new OperatorHarness(Duration.ofMillis(300));
    client = h.client;
    h.startOperator();
    return h.deployMqtt("emqx:5.8.0", tweak);
  }

  void image(String image) {
    h.image("mqtt", image);
  }

  List<String> newPods(String oldRevision) {
    return h.pods().stream().filter(p -> !oldRevision.equals(p.getMetadata().getLabels().get("ferry.dev/revision")))
        .map(p -> p.getMetadata().getName()).sorted().toList();
  }

  Condition progressing() {
    return h.condition("mqtt", "Progressing");
  }

  /** No broker runs an evacuation, as each says of itself. */
  void noEvacuationAnywhere() throws Exception {
    h.cluster.askEveryBroker((b, api) -> assertThat(api.localStatus().enabled()).as("evacuation on " + b.name()).isFalse());
  }

  @Test
  void newPodsReadyButOutsideTheClusterGetNoClientsNothingIsDrainedAndTheReleaseAbortsAtTheDeadline() throws Exception {
    String old = deployHealthy(ld -> ld.getSpec().getStrategy().getBlueGreen().setProgressDeadlineSeconds(45));
    try (Clients clients = Clients.connect(20, h::routeNewConnection)) {
      image("emqx:5.8.1-lonely");
      await().atMost(Duration.ofSeconds(15)).until(() -> newPods(old).size() == 2
          && h.pods().stream().allMatch(p -> p.getStatus() != null && p.getStatus().getConditions() != null
              && p.getStatus().getConditions().stream().anyMatch(c -> "ContainersReady".equals(c.getType())
                  && "True".equals(c.getStatus()))));
      List<String> outside = newPods(old);
      await().atMost(Duration.ofSeconds(10)).until(() -> "NotInCluster".equals(progressing().getReason()));
      assertThat(progressing().getMessage()).contains("not in the cluster yet").contains(outside.get(0))
          .contains(outside.get(1)).contains("is not a running node in the view of");
      assertThat(h.phase("mqtt")).isEqualTo(LosslessDeploymentPhase.PROVISIONING);
      noEvacuationAnywhere();
      assertThat(h.serving()).extracting(p -> p.getMetadata().getName()).doesNotContainAnyElementsOf(outside);

      await().atMost(Duration.ofSeconds(60)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.ABORTED);
      assertThat(progressing().getStatus()).isEqualTo("False");
      assertThat(progressing().getReason()).isEqualTo("ProgressDeadlineExceeded");
      assertThat(progressing().getMessage()).contains("aborted, " + old + " keeps serving")
          .contains("not in the cluster yet: " + outside.get(0));
      // Gone, not only Terminating: a broker asked while its pod stops would close under the question.
      await().atMost(Duration.ofSeconds(15)).until(() -> newPods(old).isEmpty()
          && h.cluster.brokers().keySet().stream().noneMatch(outside::contains));
      noEvacuationAnywhere();
      assertThat(h.serving()).hasSize(2);
      assertThat(clients.connected()).isEqualTo(20);
      assertThat(clients.disconnectsPerClient()).as("nobody was moved").containsOnly(0);
    }
  }

  @Test
  void podsThatJoinLateAreWaitedForThenTheReleaseMovesEveryClientOnce() throws Exception {
    String old = deployHealthy(ld -> { });
    try (Clients clients = Clients.connect(20, h::routeNewConnection)) {
      image("emqx:5.8.1-lonely");
      await().atMost(Duration.ofSeconds(20)).until(() -> "NotInCluster".equals(progressing().getReason()));
      Thread.sleep(2000);
      noEvacuationAnywhere();
      for (String pod : newPods(old)) {
        h.cluster.joinAll(pod);
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> h.healthyOnAnotherThan("mqtt", old));
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 20);
      assertThat(clients.disconnectsPerClient()).containsOnly(1);
      noEvacuationAnywhere();
    }
  }

  @Test
  void aVictimLeftOutOfEveryOtherNodesGlobalStatusIsFollowedToItsEnd() throws Exception {
    String old = deployHealthy(ld -> { });
    // Every node's global_status lists only itself, as when the others miss EMQX's 15 s multicall.
    FaultyApi.mode(FaultyApi.Mode.GLOBAL_STATUS_OWN_ONLY);
    try (Clients clients = Clients.connect(20, h::routeNewConnection)) {
      image("emqx:5.8.1");
      await().atMost(Duration.ofSeconds(60)).until(() -> h.healthyOnAnotherThan("mqtt", old));
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 20);
      assertThat(clients.disconnectsPerClient()).as("each client moved once, by its evacuation").containsOnly(1);
      assertThat(clients.useAnotherServerPerClient()).containsOnly(1);
      assertThat(h.events()).extracting(e -> e.getReason()).doesNotContain("ActionFailed");
    }
  }

  @Test
  void aDrainThatStopsProgressingIsReportedAndItsPodKept() throws Exception {
    String old = deployHealthy(ld -> {
      ld.getSpec().getDrain().setConnEvictRate(2);
      ld.getSpec().getDrain().setTimeoutSeconds(null); // no timeout: a pod that holds clients is never deleted
    });
    try (Clients clients = Clients.connect(20, h::routeNewConnection)) {
      image("emqx:5.8.1");
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        var d = h.ld("mqtt").getStatus().getDrain();
        return d != null && "evicting_conns".equals(d.getState()) && d.getConnections() != null && d.getConnections() > 2;
      });
      // From now on every node says the same about itself: a drain that no longer moves.
      FaultyApi.mode(FaultyApi.Mode.FROZEN_STATUS);
      String pod = h.ld("mqtt").getStatus().getDrain().getPod();
      await().atMost(Duration.ofSeconds(90)).until(() -> "DrainStalled".equals(progressing().getReason()));
      assertThat(progressing().getStatus()).isEqualTo("False");
      assertThat(progressing().getMessage()).contains("draining " + pod).contains("no progress since")
          .contains("not deleted while it holds clients");
      assertThat(h.events()).anySatisfy(e -> {
        assertThat(e.getReason()).isEqualTo("DrainStalled");
        assertThat(e.getType()).isEqualTo("Warning");
      });
      assertThat(h.pods()).extracting(p -> p.getMetadata().getName()).contains(pod);
      FaultyApi.mode(FaultyApi.Mode.PASS);
      await().atMost(Duration.ofSeconds(90)).until(() -> h.healthyOnAnotherThan("mqtt", old));
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 20);
      assertThat(clients.disconnectsPerClient()).containsOnly(1);
    }
  }
}
