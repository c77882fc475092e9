package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.AutoRebalancePhase;
import dev.ferry.api.v1alpha1.AutoRebalanceSpec;
import dev.ferry.api.v1alpha1.AutoRebalanceStatus;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalancePhase;
import dev.ferry.core.rebalance.NodeLoad;
import dev.ferry.core.rebalance.RebalanceMath;
import dev.ferry.core.rebalance.Thresholds;
import dev.ferry.operator.support.Clients;
import dev.ferry.operator.support.Fixtures;
import dev.ferry.operator.support.OperatorHarness;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.rebalance.auto}: after a scale-out the deployment rebalances its brokers on its own,
 * once, never during a release, and records the outcome.
 */
@org.junit.jupiter.api.Tag("real-kube")
class AutoRebalanceTest {

  KubernetesClient client;
  OperatorHarness h;
  Clients clients;

  @BeforeEach
  void threeBrokers() throws Exception {
    h = new OperatorHarness(Duration.ofMillis(300));
    client = h.client;
    h.startOperator();
  }

  @AfterEach
  void tearDown() {
    if (clients != null) {
      clients.close();
    }
    h.close();
  }

  void deploy(int settleSeconds) {
    LosslessDeployment ld = Fixtures.mqtt(client, "emqx:5.8.0");
    ld.getSpec().setReplicas(3);
    AutoRebalanceSpec auto = new AutoRebalanceSpec();
    auto.setAuto(true);
    auto.setSettleSeconds(settleSeconds);
    auto.setConnEvictRate(10);
    auto.setSessEvictRate(10);
    auto.setWaitTakeover(1);
    auto.setWaitHealthCheck(0);
    auto.setAbsConnThreshold(3);
    auto.setAbsSessThreshold(3);
    auto.setRelConnThreshold("1.1");
    auto.setRelSessThreshold("1.1");
    ld.getSpec().setRebalance(auto);
    client.resources(LosslessDeployment.class).inNamespace(h.ns).resource(ld).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY
        && h.serving().size() == 3 && auto() != null && auto().getPhase() == AutoRebalancePhase.IDLE);
  }

  void scaleTo(int replicas) {
    h.edit("mqtt", l -> {
      l.getSpec().setReplicas(replicas);
      return l;
    });
  }

  AutoRebalanceStatus auto() {
    LosslessDeployment ld = h.ld("mqtt");
    return ld == null || ld.getStatus() == null ? null : ld.getStatus().getRebalance();
  }

  List<Rebalance> rebalances() {
    return client.resources(Rebalance.class).inNamespace(h.ns).list().getItems();
  }

  /** The reasons of the deployment's events, each as often as it was said (a repeat is one Event with a count). */
  List<String> reasons() {
    return h.events().stream().filter(e -> "LosslessDeployment".equals(e.getInvolvedObject().getKind()))
        .flatMap(e -> Collections.nCopies(e.getCount() == null ? 1 : e.getCount(), e.getReason()).stream())
        .toList();
  }

  List<NodeLoad> loads() {
    return h.cluster.brokers().values().stream()
        .map(b -> new NodeLoad(b.name(), b.stats().connections(), b.stats().sessions())).toList();
  }

  @Test
  void aScaleOutIsRebalancedOnceByARebalanceTheDeploymentOwnsAndTheOutcomeIsRecorded() throws Exception {
    deploy(1);
    clients = Clients.connect(60, h::routeNewConnection);
    scaleTo(4);

    await().atMost(Duration.ofSeconds(90)).until(() -> auto() != null && auto().getPhase() == AutoRebalancePhase.COMPLETED);
    assertThat(rebalances()).as("one Rebalance, owned by the deployment").singleElement().satisfies(rb -> {
      assertThat(rb.getMetadata().getName()).isEqualTo(auto().getRebalance());
      assertThat(rb.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(o -> assertThat(o.getUid()).isEqualTo(h.ld("mqtt").getMetadata().getUid()));
      assertThat(rb.getSpec().getConnEvictRate()).isEqualTo(10);
      assertThat(rb.getSpec().getAbsConnThreshold()).isEqualTo(3);
      assertThat(rb.getStatus().getPhase()).isEqualTo(RebalancePhase.COMPLETED);
    });
    assertThat(auto().getPods()).hasSize(4);
    assertThat(reasons()).contains("NewPods", "RebalanceCreated", "RebalanceCompleted");
    await().atMost(Duration.ofSeconds(10)).until(() -> h.serving().size() == 4 && clients.connected() == 60);
    assertThat(RebalanceMath.balancedBothWays(loads(), new Thresholds(3, 1.1))).as("balanced: " + loads()).isTrue();
    assertThat(clients.disconnectsPerClient()).allMatch(d -> d <= 1);

    // Balanced now and nothing new: a later pass makes no second one.
    h.edit("mqtt", l -> {
      l.getMetadata().setAnnotations(java.util.Map.of("touched", "yes")); // wakes the reconciler
      return l;
    });
    Thread.sleep(3000);
    assertThat(rebalances()).hasSize(1);
    assertThat(reasons().stream().filter("RebalanceCreated"::equals)).hasSize(1);
  }

  @Test
  void aSecondScaleOutGetsItsOwnRebalanceAndTheEndedOneIsDeleted() throws Exception {
    deploy(1);
    clients = Clients.connect(60, h::routeNewConnection);
    scaleTo(4);
    await().atMost(Duration.ofSeconds(90)).until(() -> auto() != null && auto().getPhase() == AutoRebalancePhase.COMPLETED);
    String first = auto().getRebalance();
    scaleTo(5);
    await().atMost(Duration.ofSeconds(90)).until(() -> auto().getPhase() == AutoRebalancePhase.COMPLETED
        && !first.equals(auto().getRebalance()));
    assertThat(rebalances()).extracting(rb -> rb.getMetadata().getName()).containsExactly(auto().getRebalance());
    assertThat(auto().getPods()).hasSize(5);
    await().atMost(Duration.ofSeconds(10)).until(() -> h.serving().size() == 5 && clients.connected() == 60);
    assertThat(RebalanceMath.balancedBothWays(loads(), new Thresholds(3, 1.1))).as("balanced: " + loads()).isTrue();
  }

  @Test
  void aRebalanceMadeByAPassWhoseStatusWriteWasLostIsFollowedNotMadeTwice() {
    deploy(3);
    clients = Clients.connect(60, h::routeNewConnection);
    scaleTo(4);
    await().atMost(Duration.ofSeconds(30)).until(() -> auto() != null && auto().getPhase() == AutoRebalancePhase.SETTLING
        && auto().getPodsChangedAt() != null);
    // What a pass that created its Rebalance and then lost its status write leaves behind.
    LosslessDeployment ld = h.ld("mqtt");
    Rebalance made = dev.ferry.operator.rebalance.AutoRebalancer.rebalance(ld, "mqtt-rebalance-lost");
    made.getSpec().setConnEvictRate(1);
    client.resource(made).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> auto().getPhase() == AutoRebalancePhase.RUNNING);
    assertThat(auto().getRebalance()).isEqualTo("mqtt-rebalance-lost");
    assertThat(rebalances()).hasSize(1);
    assertThat(reasons()).doesNotContain("RebalanceCreated", "RebalanceWaiting");
  }

  @Test
  void switchedOffWhileItsRebalanceRunsItFollowsThatOneToItsEndThenForgets() {
    deploy(1);
    clients = Clients.connect(60, h::routeNewConnection);
    h.edit("mqtt", l -> {
      l.getSpec().getRebalance().setConnEvictRate(1);
      l.getSpec().setReplicas(4);
      return l;
    });
    await().atMost(Duration.ofSeconds(60)).until(() -> auto() != null && auto().getPhase() == AutoRebalancePhase.RUNNING);
    String name = auto().getRebalance();
    h.edit("mqtt", l -> {
      l.getSpec().setRebalance(null);
      return l;
    });
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
        .until(() -> auto() != null && auto().getPhase() == AutoRebalancePhase.RUNNING);
    client.resources(Rebalance.class).inNamespace(h.ns).withName(name).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> auto() == null);
    assertThat(reasons()).contains("RebalanceFailed");
  }

  @Test
  void aBalancedScaleOutNeedsNoRebalance() {
    deploy(0); // no clients: every broker at 0 is balanced both ways
    scaleTo(4);
    await().atMost(Duration.ofSeconds(30)).until(() -> auto() != null && auto().getPhase() == AutoRebalancePhase.BALANCED);
    assertThat(rebalances()).isEmpty();
    assertThat(auto().getPods()).hasSize(4);
    assertThat(reasons()).contains("NewPods", "AlreadyBalanced");
  }

  @Test
  void aReleaseThatStartsWhileTheNewPodsSettleIsNeverRebalancedDuringAndStartsAfresh() throws Exception {
    deploy(4);
    clients = Clients.connect(30, h::routeNewConnection);
    scaleTo(4);
    // The settle delay runs (it starts once the deployment is steady with the new pod).
    await().atMost(Duration.ofSeconds(30)).until(() -> auto() != null && auto().getPhase() == AutoRebalancePhase.SETTLING
        && auto().getPodsChangedAt() != null);
    String before = h.ld("mqtt").getStatus().getCurrentRevision();
    h.image("mqtt", "emqx:5.8.1");
    await().atMost(Duration.ofSeconds(30)).until(() -> auto().getPhase() == AutoRebalancePhase.IDLE
        && auto().getRevision() == null); // the release places clients itself: no baseline while it runs
    await().atMost(Duration.ofSeconds(90)).until(() -> h.healthyOnAnotherThan("mqtt", before));
    await().atMost(Duration.ofSeconds(10)).until(() -> auto().getPhase() == AutoRebalancePhase.IDLE
        && !before.equals(auto().getRevision()));
    Thread.sleep(5000); // past the settle delay: the release's own placement is not judged
    assertThat(rebalances()).isEmpty();
    assertThat(auto().getPhase()).isEqualTo(AutoRebalancePhase.IDLE);
    assertThat(reasons()).contains("NewPods").doesNotContain("RebalanceCreated");
  }

  @Test
  void aRebalanceDeletedBeforeItEndsIsRecordedAsFailedAndNotTriedAgain() throws Exception {
    deploy(1);
    clients = Clients.connect(60, h::routeNewConnection);
    h.edit("mqtt", l -> {
      l.getSpec().getRebalance().setConnEvictRate(1); // slow enough to be caught running
      l.getSpec().setReplicas(4);
      return l;
    });
    await().atMost(Duration.ofSeconds(60)).until(() -> auto() != null && auto().getPhase() == AutoRebalancePhase.RUNNING);
    String name = auto().getRebalance();
    client.resources(Rebalance.class).inNamespace(h.ns).withName(name).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> auto().getPhase() == AutoRebalancePhase.FAILED);
    assertThat(auto().getMessage()).contains("deleted before it ended");
    assertThat(reasons()).contains("RebalanceFailed");
    await().atMost(Duration.ofSeconds(30)).until(() -> h.serving().size() == 4);
    Thread.sleep(5000); // several passes past the settle delay
    assertThat(rebalances()).as("not created again").isEmpty();
    assertThat(auto().getPhase()).isEqualTo(AutoRebalancePhase.FAILED);
  }
}
