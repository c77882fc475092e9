package dev.ferry.core.rolling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.release.Action.DeletePod;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.DrainSettings;
import dev.ferry.core.release.DrainType;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSetView;
import dev.ferry.core.release.Step;
import dev.ferry.core.sim.SimulatedCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rolling plan against a simulated cluster, through random sizes, fenceposts, start-up times and
 * template changes. At every step: never more than maxSurge extra pods, never fewer serving than
 * replicas − maxUnavailable, and no pod deleted before it left the endpoints, waited out the
 * propagation delay and drained.
 */
class RollingPlanPropertiesTest {

  static final Instant START = Instant.parse("2026-11-25T10:00:00Z");

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 150);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void invariantsHoldAndTheRollCompletes(long seed) {
    Random r = new Random(seed);
    int replicas = 1 + r.nextInt(6);
    String[] values = {"0", "1", "2", "25%", "50%", "100%"};
    String surge = values[r.nextInt(values.length)];
    String unavailable = values[r.nextInt(values.length)];
    if (IntOrPercent.parse(surge).value() == 0 && IntOrPercent.parse(unavailable).value() == 0) {
      surge = "1";
    }
    DrainType drain = r.nextBoolean() ? DrainType.EMQX : DrainType.HTTP;
    RollingSpec spec = new RollingSpec(
        replicas, IntOrPercent.parse(surge), IntOrPercent.parse(unavailable),
        Duration.ofSeconds(r.nextInt(10)), Duration.ofSeconds(r.nextInt(5)), Duration.ofSeconds(600),
        new DrainSettings(drain, Duration.ofSeconds(3), Duration.ofSeconds(300)), 2);
    Fenceposts f = spec.fenceposts();
    int clients = r.nextInt(2000);
    SimulatedCluster cluster = new SimulatedCluster(
        clients, Duration.ofSeconds(r.nextInt(20)), Duration.ofSeconds(2), 50 + r.nextInt(400), START, seed);

    ReleaseStatus[] status = {ReleaseStatus.initial()};
    Step[] last = {null};
    boolean[] deployed = {false};
    Runnable[] run = new Runnable[1];
    String[] template = {"v1"};
    java.util.function.LongConsumer runFor = seconds -> {
      Instant end = cluster.now().plusSeconds(seconds);
      while (cluster.now().isBefore(end)) {
        for (int i = 0; i < 20; i++) {
          RollingObservation o = new RollingObservation(
              spec, template[0], status[0], cluster.revisionSets(), cluster.pods(), cluster.drains(),
              cluster.servingEndpoints(), cluster.now());
          Step step = RollingPlan.next(o);
          last[0] = step;
          check(o, step, f, replicas, deployed[0], drain);
          cluster.apply(step.action());
          status[0] = step.status();
          if (status[0].phase() == Phase.Healthy) {
            deployed[0] = true;
          }
          if (step.action() instanceof Wait w && w.recheckAt().isAfter(cluster.now())) {
            break;
          }
        }
        cluster.advance(Duration.ofSeconds(1));
      }
    };
    runFor.accept(60);
    assertThat(status[0].phase()).as(() -> last[0] + " " + cluster.pods()).isEqualTo(Phase.Healthy);

    int changes = 1 + r.nextInt(3);
    for (int i = 0; i < changes; i++) {
      template[0] = List.of("v2", "v3", "v1").get(r.nextInt(3));
      runFor.accept(r.nextInt(40));
    }
    template[0] = "final";
    runFor.accept(900);

    if (drain == DrainType.EMQX && replicas == 1 && f.maxSurge() == 0) {
      // One broker and no room for a second: nothing could take its clients, so it is never taken
      // out of service, drained (EMQX would retry for ever) nor deleted; the release says why.
      assertThat(last[0].message()).as(() -> last[0].toString()).contains("no other pod can take its clients over");
      assertThat(cluster.pods().stream().filter(PodView::live)).singleElement()
          .satisfies(p -> assertThat(p.serving()).as("still serving").isTrue());
      return;
    }
    assertThat(status[0].phase()).as(() -> last[0] + " " + cluster.pods()).isEqualTo(Phase.Healthy);
    assertThat(status[0].currentRevision()).isEqualTo("final");
    List<PodView> live = cluster.pods().stream().filter(PodView::live).toList();
    assertThat(live).hasSize(replicas).allMatch(p -> p.revision().equals("final") && p.serving());
    if (drain == DrainType.EMQX) {
      assertThat(cluster.dropped()).isZero();
    }
  }

  private static void check(RollingObservation o, Step step, Fenceposts f, int replicas, boolean deployed, DrainType drain) {
    int allSets = o.revisionSets().stream().mapToInt(RevisionSetView::replicas).sum();
    if (deployed) {
      assertThat(allSets).as("pods in all sets").isLessThanOrEqualTo(replicas + f.maxSurge());
      long serving = o.pods().stream().filter(PodView::serving).count();
      assertThat(serving).as("serving pods").isGreaterThanOrEqualTo(replicas - f.maxUnavailable());
    }
    long drains = o.drains().values().stream().filter(DrainView::active).count();
    if (drain == DrainType.EMQX) {
      assertThat(drains).as("EMQX drains at once").isLessThanOrEqualTo(1);
    }
    if (step.action() instanceof DeletePod d) {
      PodView v = o.pods().stream().filter(p -> p.name().equals(d.pod())).findFirst().orElseThrow();
      assertThat(v.gateFalse()).isTrue();
      assertThat(o.endpointServing()).doesNotContain(d.pod());
      assertThat(o.now()).isAfterOrEqualTo(v.gateChangedAt().plus(o.spec().propagation()));
      DrainView dv = o.drains().getOrDefault(d.pod(), DrainView.NOT_STARTED);
      assertThat(dv.state() == DrainView.State.FINISHED || v.markedForDeletion()).as("drained: " + dv).isTrue();
    }
  }
}
