package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.operator.support.DrainServer;
import dev.ferry.operator.support.Fixtures;
import dev.ferry.operator.support.TestPods;
import dev.ferry.operator.support.OperatorHarness;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rolling releases of an HTTP service through the http drainer: each pod serves the drain protocol
 * with a simulated load (requests in flight and open connections that finish only once it drains),
 * and a Service whose EndpointSlice shows changes half a second late. Spec (test/resources/web-ld.yaml):
 * 3 replicas, maxSurge 1, maxUnavailable 1, delayOnline 1 s, propagation 1 s.
 */
@org.junit.jupiter.api.Tag("real-kube")
class RollingHttpReleaseTest {

  static final int REPLICAS = 3;
  static final int MAX_SURGE = 1;
  static final int MAX_UNAVAILABLE = 1;
  /** How much later this test's watch may see an EndpointSlice change than the operator's did. */
  static final java.time.Duration WATCH_SKEW = java.time.Duration.ofMillis(250);

  KubernetesClient client;
  OperatorHarness h;
  Watch watch;

  @AfterEach
  void tearDown() {
    if (watch != null) {
      watch.close();
    }
    if (h != null) {
      h.close();
    }
  }

  String deployHealthy(int inFlight, int connections, Consumer<LosslessDeployment> tweak) throws Exception {
    h = new OperatorHarness(Duration.ofMillis(300));
    client = h.client;
    h.cluster.httpPods(new TestPods.HttpPods(18181, "/drain", inFlight, connections));
    h.startOperator();
    LosslessDeployment ld = Fixtures.web(client, "web:1");
    tweak.accept(ld);
    client.resources(LosslessDeployment.class).inNamespace(h.ns).resource(ld).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("web") == LosslessDeploymentPhase.HEALTHY
        && h.serving().size() == REPLICAS);
    // kubectl get ld's READY column, as kubectl get deploy shows it.
    await().atMost(Duration.ofSeconds(10)).until(() -> (REPLICAS + "/" + REPLICAS).equals(h.ld("web").getStatus().getReady()));
    return h.ld("web").getStatus().getCurrentRevision();
  }

  void image(String image) {
    h.edit("web", ld -> {
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      return ld;
    });
  }

  boolean healthyOnAnotherThan(String revision) {
    var s = h.ld("web").getStatus();
    return s.getPhase() == LosslessDeploymentPhase.HEALTHY && !revision.equals(s.getCurrentRevision())
        && h.serving().size() == REPLICAS;
  }

  List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

  /** Watches the pods through the release: the most pods alive, the fewest serving. */
  final class Watch implements AutoCloseable {
    final AtomicInteger mostLive = new AtomicInteger();
    final AtomicInteger fewestServing = new AtomicInteger(Integer.MAX_VALUE);
    private final Thread thread;
    private volatile boolean running = true;

    Watch() {
      thread = new Thread(() -> {
        while (running) {
          try {
            List<Pod> pods = h.pods();
            int live = (int) pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).count();
            mostLive.accumulateAndGet(live, Math::max);
            fewestServing.accumulateAndGet(serving(pods), Math::min);
            Thread.sleep(40);
          } catch (InterruptedException e) {
            return;
          } catch (RuntimeException e) {
            // the API server between two tests: look again
          }
        }
      }, "release-watch");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }

  static int serving(List<Pod> pods) {
    return (int) pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> condition(p, "ContainersReady") != null && "True".equals(condition(p, "ContainersReady").getStatus()))
        .filter(p -> condition(p, FerryNames.SERVING_CONDITION) != null
            && "True".equals(condition(p, FerryNames.SERVING_CONDITION).getStatus()))
        .count();
  }

  static io.fabric8.kubernetes.api.model.PodCondition condition(Pod p, String type) {
    if (p.getStatus() == null || p.getStatus().getConditions() == null) {
      return null;
    }
    return p.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  /** Every old pod went through gate → EndpointSlice + propagation → drain to 0/0 → delete, once. */
  void eachOldPodLeftDrainedAndInOrder(List<String> oldPods) {
    assertThat(h.cluster.deletedPods()).containsAll(oldPods);
    for (String pod : oldPods) {
      DrainServer server = h.cluster.drainServer(pod);
      assertThat(h.cluster.emptyWhenDeleted().get(pod))
          .as(pod + " had reported draining with 0 in flight and 0 connections when it was deleted").isTrue();
      assertThat(server.posts()).as(pod + " drained exactly once").isEqualTo(1);
      Instant leftSlice = h.cluster.leftSliceAt(pod);
      assertThat(leftSlice).as(pod + " left the EndpointSlice").isNotNull();
      // leftSlice is when this test's own watch saw the slice change, which can be a little after the
      // operator read it (two readers of one write); a drain that skipped the 1 s propagation wait
      // would still come about a second too early.
      assertThat(server.firstPostAt()).as(pod + ": drained only after the EndpointSlice dropped it + propagation")
          .isAfterOrEqualTo(leftSlice.plusSeconds(1).minus(WATCH_SKEW));
    }
    assertThat(h.ld("web").getStatus().getDrained()).containsAll(oldPods);
  }

  void capacityStayedWithinTheLimits() {
    assertThat(watch.mostLive.get()).as("never more than replicas + maxSurge pods").isLessThanOrEqualTo(REPLICAS + MAX_SURGE);
    assertThat(watch.fewestServing.get()).as("never fewer than replicas - maxUnavailable serving, draining pods counted out")
        .isGreaterThanOrEqualTo(REPLICAS - MAX_UNAVAILABLE);
  }

  /** Each pod serving now got its gate opened only once it had been ready for delayOnlineSeconds. */
  void newPodsWentOnlineOnlyAfterDelayOnline() {
    List<Pod> now = h.pods();
    assertThat(now).hasSize(REPLICAS);
    for (Pod p : now) {
      Instant ready = Instant.parse(condition(p, "ContainersReady").getLastTransitionTime());
      Instant online = Instant.parse(condition(p, FerryNames.SERVING_CONDITION).getLastTransitionTime());
      assertThat(online).as(p.getMetadata().getName() + " went online 1 s after it was ready, not before")
          .isAfterOrEqualTo(ready.plusSeconds(1));
    }
  }

  List<Event> warnings(String reason) {
    return h.events().stream().filter(e -> "Warning".equals(e.getType()) && reason.equals(e.getReason())).toList();
  }

  @Test
  void aRollingReleaseDrainsEachOldPodToZeroBeforeDeletingIt() throws Exception {
    String old = deployHealthy(3, 2, ld -> { });
    List<String> oldPods = names(h.pods());
    watch = new Watch();
    image("web:2");

    await().atMost(Duration.ofSeconds(90)).until(() -> healthyOnAnotherThan(old));
    watch.close();

    eachOldPodLeftDrainedAndInOrder(oldPods);
    capacityStayedWithinTheLimits();
    newPodsWentOnlineOnlyAfterDelayOnline();
    assertThat(h.pods()).allMatch(p -> !oldPods.contains(p.getMetadata().getName()));
    assertThat(warnings("DrainTimedOut")).isEmpty();
    assertThat(warnings("DrainerUnreachable")).isEmpty();
    assertThat(warnings("ActionFailed")).isEmpty();
    assertThat(h.events()).extracting(Event::getReason).contains("DrainStarted", "DeletingPod", "ReleaseComplete");
  }

  @Test
  void aDrainPastItsTimeoutEndsThereWithAWarningThatSaysWhatWasInFlight() throws Exception {
    String old = deployHealthy(2, 1, ld -> ld.getSpec().getDrain().setTimeoutSeconds(2));
    List<String> oldPods = names(h.pods());
    oldPods.forEach(p -> h.cluster.drainServer(p).stuck(true));
    image("web:2");

    await().atMost(Duration.ofSeconds(90)).until(() -> healthyOnAnotherThan(old));

    assertThat(h.cluster.deletedPods()).containsAll(oldPods);
    for (String pod : oldPods) {
      DrainServer server = h.cluster.drainServer(pod);
      assertThat(h.cluster.emptyWhenDeleted().get(pod)).isFalse();
      assertThat(h.cluster.deletedAt(pod)).as(pod + " was given its whole timeout")
          .isAfterOrEqualTo(server.firstPostAt().plusSeconds(2));
    }
    assertThat(warnings("DrainTimedOut")).extracting(Event::getMessage)
        .anyMatch(m -> m.contains("timed out after 2s with 2 requests in flight, 1 connections open"));
  }

  @Test
  void anUnreachableDrainEndpointHoldsThePodUntilItAnswersWell() throws Exception {
    String old = deployHealthy(2, 1, ld -> { });
    List<String> oldPods = names(h.pods());
    oldPods.forEach(p -> h.cluster.drainServer(p).mode(DrainServer.Mode.UNAVAILABLE));
    image("web:2");

    await().atMost(Duration.ofSeconds(30)).until(() -> {
      String m = h.ld("web").getStatus().getMessage();
      return m != null && m.contains("cannot reach the drainer") && m.contains("HTTP 503");
    });
    assertThat(warnings("DrainerUnreachable")).isNotEmpty();
    assertThat(progressing()).isEqualTo("False");
    oldPods.forEach(p -> h.cluster.drainServer(p).mode(DrainServer.Mode.MALFORMED));
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      String m = h.ld("web").getStatus().getMessage();
      return m != null && m.contains("malformed status");
    });
    Thread.sleep(2000);
    assertThat(h.cluster.deletedPods()).as("no pod goes while its drain endpoint cannot tell").doesNotContainAnyElementsOf(oldPods);

    oldPods.forEach(p -> h.cluster.drainServer(p).mode(DrainServer.Mode.OK));
    await().atMost(Duration.ofSeconds(90)).until(() -> healthyOnAnotherThan(old));
    oldPods.forEach(p -> assertThat(h.cluster.emptyWhenDeleted().get(p)).as(p).isTrue());
    assertThat(progressing()).isEqualTo("True");
  }

  @Test
  void anOperatorRestartedMidRollDeletesNoPodBeforeItDrainedAndFinishes() throws Exception {
    String old = deployHealthy(6, 3, ld -> { });
    List<String> oldPods = names(h.pods());
    watch = new Watch();
    image("web:2");
    await().atMost(Duration.ofSeconds(30)).until(() -> oldPods.stream().map(h.cluster::drainServer)
        .anyMatch(s -> s.draining() && s.inFlight() + s.connections() > 0));

    h.stopOperator();
    Thread.sleep(1500);
    h.startOperator();

    await().atMost(Duration.ofSeconds(90)).until(() -> healthyOnAnotherThan(old));
    watch.close();
    eachOldPodLeftDrainedAndInOrder(oldPods);
    capacityStayedWithinTheLimits();
    newPodsWentOnlineOnlyAfterDelayOnline();
  }

  String progressing() {
    var cs = h.ld("web").getStatus().getConditions();
    List<String> out = new ArrayList<>();
    cs.stream().filter(c -> "Progressing".equals(c.getType())).forEach(c -> out.add(c.getStatus()));
    return out.isEmpty() ? null : out.get(0);
  }
}
