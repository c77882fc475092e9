package dev.ferry.core.bluegreen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.release.Action.DeletePod;
import dev.ferry.core.release.Action.StartDrain;
import dev.ferry.core.release.DrainSettings;
import dev.ferry.core.release.DrainType;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.PodView;
import dev.ferry.core.sim.BlueGreenWalk;
import dev.ferry.core.sim.SimulatedCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The blue-green plan walked against a simulated cluster through random histories: template
 * changes at random moments (new versions, reverts, a version that never becomes ready), operator
 * outages, various sizes and rates. Whatever happens, the invariants hold at every step, and once the
 * template stops changing the release ends where it should.
 */
class BlueGreenPlanPropertiesTest {

  static final Instant START = Instant.parse("2026-11-25T10:00:00Z");

  record Setup(int replicas, int clients, int rate, int startup, int initialDelay, DrainType drain, long seed) {}

  /** Seeded generated cases: a failure names its seed, and the same seed replays it exactly. */
  static LongStream seeds() {
    return LongStream.rangeClosed(1, 150);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void invariantsHoldThroughRandomHistories(long seed) {
    Random r = new Random(seed);
    walk(new Setup(
        1 + r.nextInt(5), r.nextInt(3001), 20 + r.nextInt(481), r.nextInt(31), r.nextInt(21),
        r.nextBoolean() ? DrainType.EMQX : DrainType.NONE, seed));
  }

  /** A plain release, nothing else going on: every client is disconnected exactly once. */
  @Test
  void aPlainReleaseDisconnectsEveryClientExactlyOnce() {
    SimulatedCluster cluster = new SimulatedCluster(3000, Duration.ofSeconds(10), Duration.ofSeconds(5), 200, START, 42);
    BlueGreenWalk walk = new BlueGreenWalk(cluster, spec(3, 10, DrainType.EMQX), "v1");
    walk.run(Duration.ofSeconds(60));
    assertThat(walk.status().phase()).isEqualTo(Phase.Healthy);
    assertThat(cluster.maxDisconnectsPerClient()).isZero();
    walk.changeTemplate("v2");
    walk.run(Duration.ofSeconds(120));
    assertThat(walk.status().phase()).isEqualTo(Phase.Healthy);
    assertThat(walk.status().currentRevision()).isEqualTo("v2");
    assertThat(cluster.dropped()).isZero();
    assertThat(cluster.minDisconnectsPerClient()).isEqualTo(1);
    assertThat(cluster.maxDisconnectsPerClient()).isEqualTo(1);
    assertThat(cluster.load().keySet()).allMatch(p -> p.startsWith("v2-"));
  }

  static BlueGreenSpec spec(int replicas, int initialDelay, DrainType drain) {
    return spec(replicas, initialDelay, drain, 120);
  }

  static BlueGreenSpec spec(int replicas, int initialDelay, DrainType drain, int deadline) {
    return spec(replicas, initialDelay, drain, deadline, 1);
  }

  static BlueGreenSpec spec(int replicas, int initialDelay, DrainType drain, int deadline, int parallel) {
    return new BlueGreenSpec(
        replicas, true, Duration.ofSeconds(initialDelay), Duration.ofSeconds(deadline),
        new DrainSettings(drain, Duration.ofSeconds(3), Duration.ofSeconds(600), Duration.ZERO, parallel), 2);
  }

  /** EMQX drains one, two or three pods at once, by seed. */
  static int parallel(Setup s) {
    return s.drain() == DrainType.EMQX ? 1 + (int) (s.seed() % 3) : 1;
  }

  private static void walk(Setup s) {
    Random random = new Random(s.seed() * 31);
    SimulatedCluster cluster =
        new SimulatedCluster(s.clients(), Duration.ofSeconds(s.startup()), Duration.ofSeconds(3), s.rate(), START, s.seed());
    cluster.breakRevision("bad");
    BlueGreenWalk walk = new BlueGreenWalk(cluster,
        spec(s.replicas(), s.initialDelay(), s.drain(), 10 + random.nextInt(110), parallel(s)), "v1");
    boolean[] everHealthy = {false};
    walk.onStep((o, step) -> {
      checkStep(s, o, step, cluster);
      if (o.status().phase() == Phase.Healthy) {
        everHealthy[0] = true;
      }
      if (everHealthy[0] && !cluster.anyCrashed()) {
        long serving = o.pods().stream().filter(PodView::serving).count();
        assertThat(serving).as("serving pods once deployed").isGreaterThanOrEqualTo(s.replicas());
      }
    });
    walk.run(Duration.ofSeconds(s.startup() + 30L));
    assertThat(walk.status().phase()).isEqualTo(Phase.Healthy);

    // A random history of template changes and operator outages.
    List<String> revisions = List.of("v2", "v1", "v3", "bad", "v2");
    String good = "v1";
    int changes = 1 + random.nextInt(4);
    for (int i = 0; i < changes; i++) {
      String next = revisions.get(random.nextInt(revisions.size()));
      walk.changeTemplate(next);
      if (random.nextInt(4) == 0) {
        walk.operatorUp(false);
        walk.run(Duration.ofSeconds(random.nextInt(40)));
        walk.operatorUp(true);
      }
      walk.run(Duration.ofSeconds(random.nextInt(60)));
      if (random.nextInt(3) == 0) {
        List<PodView> live = cluster.pods().stream().filter(PodView::live).toList();
        if (!live.isEmpty()) {
          cluster.crash(live.get(random.nextInt(live.size())).name(), Duration.ofSeconds(random.nextInt(200)));
        }
      }
    }
    // Then the template settles on a good version, and time is given to finish.
    String last = List.of("v2", good, "final").get(random.nextInt(3));
    walk.changeTemplate(last);
    long drainSeconds = (long) Math.ceil((double) s.clients() / s.rate()) + 5;
    Duration enough = Duration.ofSeconds(400 + s.replicas() * (drainSeconds + s.initialDelay() + s.startup()));
    walk.run(enough);
    if (walk.status().phase() == Phase.Aborted && walk.status().updateRevision().equals(last)) {
      // That version missed its deadline (a crash, a slow start): the old one must be serving fully
      // and the failed set be gone. Then the user pushes a fix with a longer deadline.
      String failed = last;
      List<PodView> live = cluster.pods().stream().filter(PodView::live).toList();
      assertThat(live).noneMatch(p -> p.revision().equals(failed));
      assertThat(live.stream().filter(PodView::serving).count()).isGreaterThanOrEqualTo(s.replicas());
      last = "fixed";
      walk.changeSpec(spec(s.replicas(), s.initialDelay(), s.drain(), 600, parallel(s)));
      walk.changeTemplate(last);
      walk.run(enough);
    }
    assertThat(walk.status().phase()).as(walk.lastStep().message()).isEqualTo(Phase.Healthy);
    assertThat(walk.status().currentRevision()).isEqualTo(last);
    List<PodView> live = cluster.pods().stream().filter(PodView::live).toList();
    String want = last;
    assertThat(live).hasSize(s.replicas()).allMatch(p -> p.revision().equals(want) && p.serving());
    assertThat(cluster.drains().values()).noneMatch(DrainView::active);
    if (s.drain() == DrainType.EMQX) {
      assertThat(cluster.dropped()).as("clients on a pod when it was deleted").isZero();
    }
    assertThat(cluster.clientsWaiting()).isZero();
  }

  private static void checkStep(Setup s, BlueGreenObservation o, dev.ferry.core.release.Step step, SimulatedCluster cluster) {
    long activeDrains =
        o.drains().entrySet().stream()
            .filter(e -> e.getValue().active() && !e.getValue().clientsSentAway())
            .filter(e -> o.pods().stream().anyMatch(p -> p.name().equals(e.getKey()) && p.live()))
            .count();
    // A drain that sends no client away any more (finished, waiting for takeovers) does not count:
    // the next may start beside it, and clients still come back at no more than the rate.
    assertThat(activeDrains).as("drains evicting at once").isLessThanOrEqualTo(parallel(s));
    if (step.action() instanceof DeletePod d) {
      PodView victim = o.pods().stream().filter(p -> p.name().equals(d.pod())).findFirst().orElseThrow();
      assertThat(victim.gateFalse()).as("deleted pod is out of the Service").isTrue();
      if (s.drain() == DrainType.EMQX) {
        DrainView dv = o.drains().getOrDefault(d.pod(), DrainView.NOT_STARTED);
        assertThat(dv.state() == DrainView.State.FINISHED || victim.markedForDeletion())
            .as("deleted pod was drained: " + dv).isTrue();
      } else {
        assertThat(o.now()).isAfterOrEqualTo(victim.gateChangedAt().plusSeconds(3));
      }
    }
    List<StartDrain> starts = switch (step.action()) {
      case StartDrain d -> List.of(d);
      case dev.ferry.core.release.Action.StartDrains many -> many.drains();
      default -> List.of();
    };
    assertThat(activeDrains + starts.size()).as("drains evicting once these start").isLessThanOrEqualTo(parallel(s));
    assertThat(starts.stream().map(StartDrain::pod).distinct().count()).as("each started once").isEqualTo(starts.size());
    for (StartDrain d : starts) {
      assertThat(d.pod()).doesNotStartWith(o.status().updateRevision() + "-");
      PodView victim = o.pods().stream().filter(p -> p.name().equals(d.pod())).findFirst().orElseThrow();
      assertThat(victim.gateFalse()).as("drained pod is out of the Service").isTrue();
      assertThat(o.drains().getOrDefault(d.pod(), DrainView.NOT_STARTED).active()).as("not draining already").isFalse();
    }
    if (s.drain() == DrainType.EMQX) {
      assertThat(cluster.dropped()).isZero();
    }
  }
}
