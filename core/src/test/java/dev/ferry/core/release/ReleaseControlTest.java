package dev.ferry.core.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.bluegreen.BlueGreenSpec;
import dev.ferry.core.release.Action.StartDrain;
import dev.ferry.core.release.Action.StopDrain;
import dev.ferry.core.release.ReleaseControl.Requests;
import dev.ferry.core.sim.BlueGreenWalk;
import dev.ferry.core.sim.SimulatedCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Abort, retry, pause and resume, walked against a simulated cluster of 3,000 clients on 3 pods the
 * way the reconciler runs them: whatever people ask, no client is dropped, the serving capacity
 * never falls below the replicas, and the release ends where they asked.
 */
class ReleaseControlTest {

  static final Instant START = Instant.parse("2026-12-07T10:00:00Z");

  SimulatedCluster cluster;
  BlueGreenWalk walk;
  final List<Step> steps = new ArrayList<>();

  @BeforeEach
  void deployV1() {
    cluster = new SimulatedCluster(3000, Duration.ofSeconds(10), Duration.ofSeconds(5), 200, START, 7);
    BlueGreenSpec spec = new BlueGreenSpec(3, true, Duration.ofSeconds(10), Duration.ofSeconds(120),
        new DrainSettings(DrainType.EMQX, Duration.ofSeconds(3), Duration.ofSeconds(600), Duration.ZERO, 1), 2);
    walk = new BlueGreenWalk(cluster, spec, "v1");
    walk.onStep((o, s) -> {
      steps.add(s);
      if (walk.status().phase() != Phase.Provisioning || walk.status().currentRevision() != null) {
        assertThat(o.pods().stream().filter(PodView::serving).count()).as("serving pods").isGreaterThanOrEqualTo(3);
      }
    });
    walk.run(Duration.ofSeconds(60));
    assertThat(walk.status().phase()).isEqualTo(Phase.Healthy);
  }

  @Test
  void anAbortAfterTheSwitchBringsTheServingRevisionBackAndEndsAborted() {
    walk.changeTemplate("v2");
    runUntil(w -> w.status().phase() == Phase.Draining && onRevision("v2") > 500);
    walk.request(new Requests("v2", null, false));
    walk.run(Duration.ofSeconds(180));

    assertThat(walk.status()).extracting(ReleaseStatus::phase, ReleaseStatus::currentRevision,
        ReleaseStatus::updateRevision).containsExactly(Phase.Aborted, "v1", "v2");
    assertThat(cluster.load().keySet()).allMatch(p -> p.startsWith("v1-"));
    assertThat(cluster.dropped()).isZero();
    assertThat(cluster.maxDisconnectsPerClient()).as("moved to v2 and back, at most").isLessThanOrEqualTo(2);
    assertThat(steps).anyMatch(s -> s.reason() == Reason.Aborted);

    // It stays aborted: nothing more happens to the clients.
    int[] before = cluster.disconnectsPerClient().clone();
    walk.run(Duration.ofSeconds(60));
    assertThat(cluster.disconnectsPerClient()).isEqualTo(before);
    assertThat(walk.status().phase()).isEqualTo(Phase.Aborted);
  }

  @Test
  void anAbortBeforeTheSwitchDisconnectsNobody() {
    walk.changeTemplate("v2");
    runUntil(w -> w.status().phase() == Phase.Provisioning);
    walk.request(new Requests("v2", null, false));
    walk.run(Duration.ofSeconds(120));
    assertThat(walk.status().phase()).isEqualTo(Phase.Aborted);
    assertThat(cluster.maxDisconnectsPerClient()).isZero();
    assertThat(cluster.load().keySet()).allMatch(p -> p.startsWith("v1-"));
  }

  @Test
  void aRetryStartsTheAbortedReleaseOverOnceAndOnlyForThatAbort() {
    walk.changeTemplate("v2");
    runUntil(w -> w.status().phase() == Phase.Settling);
    walk.request(new Requests("v2", null, false));
    walk.run(Duration.ofSeconds(180));
    ReleaseStatus aborted = walk.status();
    assertThat(aborted.phase()).isEqualTo(Phase.Aborted);

    // A token of another abort (an earlier one) does nothing.
    walk.request(new Requests(null, ReleaseControl.retryToken("v2", aborted.phaseStartedAt().minusSeconds(1)), false));
    walk.run(Duration.ofSeconds(30));
    assertThat(walk.status()).isEqualTo(aborted);

    walk.request(new Requests(null, ReleaseControl.retryToken("v2", aborted.phaseStartedAt()), false));
    walk.run(Duration.ofSeconds(180));
    assertThat(walk.status()).extracting(ReleaseStatus::phase, ReleaseStatus::currentRevision)
        .containsExactly(Phase.Healthy, "v2");
    assertThat(steps).anyMatch(s -> s.reason() == Reason.Retrying);
    assertThat(cluster.load().keySet()).allMatch(p -> p.startsWith("v2-"));
    assertThat(cluster.dropped()).isZero();
  }

  @Test
  void aPauseStopsTheRunningDrainAndHoldsUntilResumed() {
    walk.changeTemplate("v2");
    runUntil(w -> w.status().phase() == Phase.Draining && onRevision("v2") > 300);
    walk.request(new Requests(null, null, true));
    int mark = steps.size();
    walk.run(Duration.ofSeconds(5));
    assertThat(steps.subList(mark, steps.size())).anyMatch(s -> s.action() instanceof StopDrain);

    int onV1 = onRevision("v1");
    mark = steps.size();
    walk.run(Duration.ofSeconds(120));
    assertThat(steps.subList(mark, steps.size())).noneMatch(s -> s.action() instanceof StartDrain)
        .allMatch(s -> s.reason() == Reason.Paused);
    assertThat(walk.status().phase()).as("held, not past any deadline").isEqualTo(Phase.Draining);
    assertThat(onRevision("v1")).as("no client moves while paused").isEqualTo(onV1);

    walk.request(Requests.NONE);
    walk.run(Duration.ofSeconds(180));
    assertThat(walk.status()).extracting(ReleaseStatus::phase, ReleaseStatus::currentRevision)
        .containsExactly(Phase.Healthy, "v2");
    assertThat(cluster.dropped()).isZero();
    assertThat(cluster.maxDisconnectsPerClient()).isEqualTo(1);
  }

  @Test
  void aTemplateChangedWhilePausedIsNotReleasedUntilResumed() {
    walk.request(new Requests(null, null, true));
    walk.changeTemplate("v2");
    walk.run(Duration.ofSeconds(200));
    assertThat(walk.status()).extracting(ReleaseStatus::phase, ReleaseStatus::currentRevision)
        .containsExactly(Phase.Healthy, "v1");
    assertThat(cluster.revisionSets()).noneMatch(r -> r.revision().equals("v2"));
    assertThat(walk.lastStep().message()).contains("paused");

    walk.request(Requests.NONE);
    walk.run(Duration.ofSeconds(180));
    assertThat(walk.status().currentRevision()).isEqualTo("v2");
  }

  @Test
  void aProvisioningReleaseHeldPastItsDeadlineIsNotAbortedByIt() {
    walk.changeTemplate("v2");
    runUntil(w -> w.status().phase() == Phase.Provisioning);
    walk.request(new Requests(null, null, true));
    walk.run(Duration.ofSeconds(300));
    assertThat(walk.status().phase()).isEqualTo(Phase.Provisioning);
    walk.request(Requests.NONE);
    walk.run(Duration.ofSeconds(120));
    assertThat(walk.status()).extracting(ReleaseStatus::phase, ReleaseStatus::currentRevision)
        .containsExactly(Phase.Healthy, "v2");
  }

  /** The rolling plan, with the same requests around it: an abort mid-roll rolls back to v1, then holds. */
  @Test
  void aRollingReleaseAbortedMidRollEndsAbortedOnTheServingRevisionAndResumesAfterAPause() {
    SimulatedCluster c = new SimulatedCluster(2000, Duration.ofSeconds(5), Duration.ofSeconds(2), 200, START, 11);
    dev.ferry.core.rolling.RollingSpec spec = new dev.ferry.core.rolling.RollingSpec(4,
        dev.ferry.core.rolling.IntOrPercent.parse("1"), dev.ferry.core.rolling.IntOrPercent.parse("0"),
        Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(600),
        new DrainSettings(DrainType.EMQX, Duration.ofSeconds(3), Duration.ofSeconds(300)), 2);
    Rolling walk = new Rolling(c, spec);
    walk.run("v1", Requests.NONE, 60);
    assertThat(walk.status.phase()).isEqualTo(Phase.Healthy);

    walk.runUntil("v2", Requests.NONE, () -> c.pods().stream().anyMatch(p -> p.revision().equals("v2") && p.serving())
        && c.pods().stream().anyMatch(p -> p.revision().equals("v1") && p.live()));
    walk.run("v2", new Requests("v2", null, false), 300);
    assertThat(walk.status).extracting(ReleaseStatus::phase, ReleaseStatus::currentRevision,
        ReleaseStatus::updateRevision).containsExactly(Phase.Aborted, "v1", "v2");
    assertThat(c.pods().stream().filter(PodView::live)).hasSize(4).allMatch(p -> p.revision().equals("v1") && p.serving());
    assertThat(c.dropped()).isZero();

    walk.run("v3", new Requests(null, null, true), 60);
    assertThat(c.revisionSets()).noneMatch(r -> r.revision().equals("v3"));
    walk.run("v3", Requests.NONE, 300);
    assertThat(walk.status).extracting(ReleaseStatus::phase, ReleaseStatus::currentRevision)
        .containsExactly(Phase.Healthy, "v3");
    assertThat(c.dropped()).isZero();
  }

  /** Runs the rolling plan as the reconciler does, with {@link ReleaseControl} around it. */
  static final class Rolling {
    final SimulatedCluster cluster;
    final dev.ferry.core.rolling.RollingSpec spec;
    ReleaseStatus status = ReleaseStatus.initial();

    Rolling(SimulatedCluster cluster, dev.ferry.core.rolling.RollingSpec spec) {
      this.cluster = cluster;
      this.spec = spec;
    }

    void run(String template, Requests r, long seconds) {
      Instant end = cluster.now().plusSeconds(seconds);
      while (cluster.now().isBefore(end)) {
        tick(template, r);
      }
    }

    void runUntil(String template, Requests r, java.util.function.BooleanSupplier done) {
      for (int i = 0; i < 600 && !done.getAsBoolean(); i++) {
        tick(template, r);
      }
      assertThat(done.getAsBoolean()).as("reached in time").isTrue();
    }

    private void tick(String template, Requests r) {
      for (int i = 0; i < 20; i++) {
        var o = new dev.ferry.core.rolling.RollingObservation(spec, ReleaseControl.planTarget(r, template, status),
            ReleaseControl.planStatus(r, template, status), cluster.revisionSets(), cluster.pods(), cluster.drains(),
            cluster.servingEndpoints(), cluster.now());
        Step step = ReleaseControl.gate(dev.ferry.core.rolling.RollingPlan.next(o), r, template, status, o.drains(),
            o.now());
        cluster.apply(step.action());
        status = step.status();
        if (step.action() instanceof Action.Wait w && w.recheckAt().isAfter(cluster.now())) {
          break;
        }
      }
      cluster.advance(Duration.ofSeconds(1));
    }
  }

  private int onRevision(String revision) {
    return cluster.load().entrySet().stream().filter(e -> e.getKey().startsWith(revision + "-"))
        .mapToInt(java.util.Map.Entry::getValue).sum();
  }

  private void runUntil(Predicate<BlueGreenWalk> done) {
    for (int i = 0; i < 600 && !done.test(walk); i++) {
      walk.run(Duration.ofSeconds(1));
    }
    assertThat(done.test(walk)).as("reached in time").isTrue();
  }
}
