package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.FerryNames;
import dev.ferry.api.ReleaseVerbs;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.operator.support.Clients;
import dev.ferry.operator.support.OperatorHarness;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The verbs for a release in progress — abort, retry, pause, resume, undo — written on the
 * resource exactly as {@code ferry} writes them ({@link ReleaseVerbs}) and carried out by the real
 * operator on the real control plane, with real MQTT clients connected through the Service.
 */
@org.junit.jupiter.api.Tag("real-kube")
class ReleaseVerbsTest {

  OperatorHarness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new OperatorHarness(Duration.ofMillis(300));
    h.startOperator();
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  /** Slow drains (2 clients a second), so that a verb lands while one runs. */
  String deploySlowDraining() {
    return h.deployMqtt("emqx:5.8.0", ld -> {
      ld.getSpec().getDrain().setConnEvictRate(2);
      ld.getSpec().getDrain().setSessEvictRate(2);
    });
  }

  void verb(java.util.function.Consumer<LosslessDeployment> verb) {
    h.edit("mqtt", ld -> {
      verb.accept(ld);
      return ld;
    });
  }

  boolean draining() {
    LosslessDeployment ld = h.ld("mqtt");
    return ld.getStatus().getPhase() == LosslessDeploymentPhase.DRAINING && ld.getStatus().getDrain() != null
        && ld.getStatus().getDrain().getPod() != null;
  }

  @Test
  void anAbortMidDrainBringsEveryClientBackToTheServingRevisionAndARetryReleasesAgain() throws Exception {
    String v1 = deploySlowDraining();
    try (Clients clients = Clients.connect(40, h::routeNewConnection)) {
      h.image("mqtt", "emqx:5.8.1");
      await().atMost(Duration.ofSeconds(60)).until(this::draining);
      verb(ReleaseVerbs::abort);

      await().atMost(Duration.ofSeconds(90)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.ABORTED
          && h.pods().stream().allMatch(p -> revision(p).equals(v1)));
      LosslessDeployment aborted = h.ld("mqtt");
      assertThat(aborted.getStatus().getCurrentRevision()).isEqualTo(v1);
      String v2 = aborted.getStatus().getUpdateRevision();
      assertThat(v2).isNotEqualTo(v1);
      assertThat(h.serving()).hasSize(2).allMatch(p -> revision(p).equals(v1));
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 40);
      assertThat(clients.disconnectsPerClient().stream().mapToInt(Integer::intValue).max().orElse(0)).as("to v2 and back at most")
          .isLessThanOrEqualTo(2);
      assertThat(h.events()).extracting(Event::getReason).contains("Aborted");
      assertThatThrownBy(() -> ReleaseVerbs.abort(aborted)).hasMessageContaining("aborted already");

      verb(ReleaseVerbs::retry);
      await().atMost(Duration.ofSeconds(90)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY
          && v2.equals(h.ld("mqtt").getStatus().getCurrentRevision()));
      assertThat(h.events()).extracting(Event::getReason).contains("Retrying");
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 40);
    }
    // An abort of a revision the template no longer names is over: the operator removes it, so that
    // a later release of that revision (a revert, an undo) is not aborted by it.
    h.edit("mqtt", ld -> {
      ld.getMetadata().getAnnotations().put(FerryNames.ABORT_ANNOTATION, v1);
      return ld;
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> !h.ld("mqtt").getMetadata().getAnnotations()
        .containsKey(FerryNames.ABORT_ANNOTATION));
    assertThat(h.events()).extracting(Event::getReason).contains("AbortCleared");
    assertThat(h.phase("mqtt")).isEqualTo(LosslessDeploymentPhase.HEALTHY);
  }

  @Test
  void aPausedDrainMovesNobodyUntilResumedAndATemplateChangedWhilePausedWaits() throws Exception {
    String v1 = deploySlowDraining();
    try (Clients clients = Clients.connect(40, h::routeNewConnection)) {
      h.image("mqtt", "emqx:5.8.1");
      await().atMost(Duration.ofSeconds(60)).until(() -> draining() && moved(clients) > 0);
      verb(ReleaseVerbs::pause);
      await().atMost(Duration.ofSeconds(10)).until(() -> "Paused".equals(h.condition("mqtt", "Progressing").getReason()));
      Thread.sleep(1000); // a burst the broker had already started may still land
      int moved = moved(clients);
      Thread.sleep(4000);
      assertThat(moved(clients)).as("nobody moves while paused").isEqualTo(moved);
      assertThat(h.phase("mqtt")).isEqualTo(LosslessDeploymentPhase.DRAINING);
      assertThat(h.events()).extracting(Event::getReason).contains("Paused");

      verb(ReleaseVerbs::resume);
      await().atMost(Duration.ofSeconds(90)).until(() -> h.healthyOnAnotherThan("mqtt", v1));
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 40);
      assertThat(clients.disconnectsPerClient()).containsOnly(1);
    }

    String v2 = h.ld("mqtt").getStatus().getCurrentRevision();
    verb(ReleaseVerbs::pause);
    h.image("mqtt", "emqx:5.8.2");
    Thread.sleep(3000);
    assertThat(h.ld("mqtt").getStatus()).satisfies(s -> {
      assertThat(s.getPhase()).isEqualTo(LosslessDeploymentPhase.HEALTHY);
      assertThat(s.getCurrentRevision()).isEqualTo(v2);
      assertThat(s.getMessage()).contains("paused");
    });
    assertThat(h.pods()).allMatch(p -> revision(p).equals(v2));
    verb(ReleaseVerbs::resume);
    await().atMost(Duration.ofSeconds(60)).until(() -> h.healthyOnAnotherThan("mqtt", v2));
  }

  @Test
  void undoSetsTheTemplateBackToThePreviousRevisionOrTheOneNamed() throws Exception {
    String v1 = h.deployMqtt("emqx:5.8.0", ld -> { });
    h.image("mqtt", "emqx:5.8.1");
    await().atMost(Duration.ofSeconds(60)).until(() -> h.healthyOnAnotherThan("mqtt", v1));
    String v2 = h.ld("mqtt").getStatus().getCurrentRevision();

    List<ReplicaSet> sets = sets();
    assertThat(sets).extracting(ReleaseVerbs::number).containsExactlyInAnyOrder(1, 2);
    LosslessDeployment ld = h.ld("mqtt");
    assertThatThrownBy(() -> ReleaseVerbs.undo(ld, sets, 7)).isInstanceOf(ReleaseVerbs.Refused.class)
        .hasMessageContaining("no revision 7").hasMessageContaining("revisions 1, 2");
    assertThatThrownBy(() -> ReleaseVerbs.undo(ld, sets, 2)).hasMessageContaining("already");

    verb(l -> ReleaseVerbs.undo(l, sets(), 0));
    await().atMost(Duration.ofSeconds(60)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY
        && v1.equals(h.ld("mqtt").getStatus().getCurrentRevision()));
    assertThat(h.ld("mqtt").getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("emqx:5.8.0");
    assertThat(sets()).as("the rollback reuses revision 1's set").hasSize(2);

    // Undo again goes back to where it came from, as kubectl rollout undo does.
    verb(l -> ReleaseVerbs.undo(l, sets(), 0));
    await().atMost(Duration.ofSeconds(60)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY
        && v2.equals(h.ld("mqtt").getStatus().getCurrentRevision()));
  }

  static int moved(Clients clients) {
    return clients.disconnectsPerClient().stream().mapToInt(Integer::intValue).sum();
  }

  List<ReplicaSet> sets() {
    return h.client.apps().replicaSets().inNamespace(h.ns).withLabel(FerryNames.DEPLOYMENT_LABEL, "mqtt").list().getItems();
  }

  static String revision(Pod p) {
    return p.getMetadata().getLabels().get(FerryNames.REVISION_LABEL);
  }
}
