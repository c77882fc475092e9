package dev.ferry.core.rebalance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.rebalance.AutoRebalancePlan.Action;
import dev.ferry.core.rebalance.AutoRebalancePlan.Decision;
import dev.ferry.core.rebalance.AutoRebalancePlan.Observation;
import dev.ferry.core.rebalance.AutoRebalancePlan.Owned;
import dev.ferry.core.rebalance.AutoRebalancePlan.Record;
import dev.ferry.core.rebalance.AutoRebalancePlan.State;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a LosslessDeployment rebalances on its own: one pass at a time, from what status remembers. */
class AutoRebalancePlanTest {
  static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
  static final Duration SETTLE = Duration.ofSeconds(30);
  static final Thresholds T = new Thresholds(25, 1.05);
  static final List<String> THREE = List.of("mqtt-a", "mqtt-b", "mqtt-c");
  static final List<String> FOUR = List.of("mqtt-a", "mqtt-b", "mqtt-c", "mqtt-d");
  static final List<NodeLoad> SCALED_OUT = List.of(new NodeLoad("emqx@a", 700, 700), new NodeLoad("emqx@b", 650, 650),
      new NodeLoad("emqx@c", 650, 650), new NodeLoad("emqx@d", 0, 0));
  static final List<NodeLoad> EVEN = List.of(new NodeLoad("emqx@a", 500, 500), new NodeLoad("emqx@b", 505, 505),
      new NodeLoad("emqx@c", 495, 495), new NodeLoad("emqx@d", 500, 500));

  static Observation steady(List<String> pods, Record r, Instant now) {
    return new Observation("mqtt", null, false, "rev1", pods, r, Owned.NONE, null, List.of(), SETTLE, now);
  }

  static Record baseline(State s, List<String> pods) {
    return new Record(s, "rev1", pods, null, null, null);
  }

  @Test
  void aFirstSteadyPassTakesThePodsAsTheBaselineAndJudgesNothing() {
    Decision d = AutoRebalancePlan.next(steady(THREE, null, NOW));
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.record().state()).isEqualTo(State.IDLE);
    assertThat(d.record().pods()).isEqualTo(THREE);
    assertThat(d.event()).isNull();
  }

  @Test
  void nothingIsJudgedWhileAReleaseRunsAndItsPodsBecomeTheBaseline() {
    Observation o = new Observation("mqtt", "releasing (phase Draining)", true, "rev1", FOUR,
        baseline(State.IDLE, THREE), Owned.NONE, null, List.of(), SETTLE, NOW);
    Decision d = AutoRebalancePlan.next(o);
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.record().state()).isEqualTo(State.IDLE);
    assertThat(d.record().revision()).as("no baseline while it runs").isNull();
    Decision after = AutoRebalancePlan.next(steady(FOUR, d.record(), NOW.plusSeconds(60)));
    assertThat(after.record().pods()).as("what the release left").isEqualTo(FOUR);
    assertThat(after.event()).isNull();
  }

  @Test
  void nothingIsRecordedWhileAFirstDeploymentStarts() {
    Observation o = new Observation("mqtt", "the deployment is provisioning, not healthy", false, "rev1", THREE,
        null, Owned.NONE, null, List.of(), SETTLE, NOW);
    Decision d = AutoRebalancePlan.next(o);
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.record()).isNull();
  }

  @Test
  void aReleaseStartsTheBaselineAfreshWithoutJudging() {
    Observation o = new Observation("mqtt", null, false, "rev2", List.of("mqtt-x", "mqtt-y", "mqtt-z"),
        baseline(State.COMPLETED, THREE), Owned.NONE, null, List.of(), SETTLE, NOW);
    Decision d = AutoRebalancePlan.next(o);
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.record().revision()).isEqualTo("rev2");
    assertThat(d.record().pods()).containsExactly("mqtt-x", "mqtt-y", "mqtt-z");
    assertThat(d.record().state()).isEqualTo(State.IDLE);
  }

  @Test
  void aNewPodStartsTheSettleDelayWithAnEvent() {
    Decision d = AutoRebalancePlan.next(steady(FOUR, baseline(State.IDLE, THREE), NOW));
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.record().state()).isEqualTo(State.SETTLING);
    assertThat(d.record().podsChangedAt()).isEqualTo(NOW);
    assertThat(d.record().pods()).as("not judged yet").isEqualTo(THREE);
    assertThat(d.event()).isEqualTo("NewPods");
    assertThat(d.recheck()).isEqualTo(SETTLE);
  }

  @Test
  void newPodsSeenWhileTheyStartAreTheScaleOutItselfAndWaitQuietlyForASteadyDeployment() {
    Observation starting = new Observation("mqtt", "the deployment is degraded, not healthy", false, "rev1", FOUR,
        baseline(State.IDLE, THREE), Owned.NONE, null, List.of(), SETTLE, NOW);
    Decision d = AutoRebalancePlan.next(starting);
    assertThat(d.record().state()).isEqualTo(State.SETTLING);
    assertThat(d.record().podsChangedAt()).as("the delay has not begun").isNull();
    assertThat(d.event()).isNull();
    Decision steadyNow = AutoRebalancePlan.next(steady(FOUR, d.record(), NOW.plusSeconds(2)));
    assertThat(steadyNow.event()).isEqualTo("NewPods");
    assertThat(steadyNow.record().podsChangedAt()).isEqualTo(NOW.plusSeconds(2));
  }

  @Test
  void beforeTheDelayHasPassedItWaitsQuietlyForWhatIsLeft() {
    Record settling = new Record(State.SETTLING, "rev1", THREE, NOW, null, "new pods [mqtt-d]");
    Decision d = AutoRebalancePlan.next(steady(FOUR, settling, NOW.plusSeconds(10)));
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.event()).isNull();
    assertThat(d.recheck()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void neverDuringAReleaseWhichPlacesTheNewPodsClientsItself() {
    Record settling = new Record(State.SETTLING, "rev1", THREE, NOW, null, "new pods [mqtt-d]");
    Observation releasing = new Observation("mqtt", "a release of rev2 runs", true, "rev1", FOUR, settling, Owned.NONE,
        null, List.of(), SETTLE, NOW.plusSeconds(60));
    Decision d = AutoRebalancePlan.next(releasing);
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.record().state()).isEqualTo(State.IDLE);
    assertThat(d.record().podsChangedAt()).isNull();
    Decision steadyAgain = AutoRebalancePlan.next(steady(FOUR, d.record(), NOW.plusSeconds(90)));
    assertThat(steadyAgain.action()).isEqualTo(new Action.None());
    assertThat(steadyAgain.record().pods()).isEqualTo(FOUR);
  }

  @Test
  void aSettleDelayCutShortByADegradedDeploymentWaitsAndStartsAgainWhenSteady() {
    Record settling = new Record(State.SETTLING, "rev1", THREE, NOW, null, "new pods [mqtt-d]");
    Observation degraded = new Observation("mqtt", "the deployment is degraded, not healthy", false, "rev1", FOUR,
        settling, Owned.NONE, null, List.of(), SETTLE, NOW.plusSeconds(20));
    Decision d = AutoRebalancePlan.next(degraded);
    assertThat(d.record().state()).isEqualTo(State.WAITING);
    assertThat(d.record().podsChangedAt()).isNull();
    assertThat(d.event()).isEqualTo("RebalanceWaiting");
    Decision again = AutoRebalancePlan.next(new Observation("mqtt", "the deployment is degraded, not healthy", false,
        "rev1", FOUR, d.record(), Owned.NONE, null, List.of(), SETTLE, NOW.plusSeconds(21)));
    assertThat(again.event()).as("told once").isNull();
    Decision steadyAgain = AutoRebalancePlan.next(steady(FOUR, again.record(), NOW.plusSeconds(90)));
    assertThat(steadyAgain.record().state()).isEqualTo(State.SETTLING);
    assertThat(steadyAgain.record().podsChangedAt()).isEqualTo(NOW.plusSeconds(90));
  }

  @Test
  void aRebalanceNotYetStartedWhenAReleaseBeginsIsCancelled() {
    Record running = new Record(State.RUNNING, "rev1", FOUR, null, "mqtt-rebalance-1", "created");
    Decision d = AutoRebalancePlan.next(new Observation("mqtt", "a release of rev2 runs", true, "rev1", FOUR, running,
        Owned.PENDING, null, List.of(), SETTLE, NOW));
    assertThat(d.action()).isEqualTo(new Action.Cancel("mqtt-rebalance-1"));
    assertThat(d.event()).isEqualTo("RebalanceCancelled");
    assertThat(d.record().state()).isEqualTo(State.IDLE);
    assertThat(d.record().message()).contains("cancelled");
  }

  @Test
  void neverTwoAtOnce() {
    Record settling = new Record(State.SETTLING, "rev1", THREE, NOW, null, "new pods [mqtt-d]");
    Observation o = new Observation("mqtt", null, false, "rev1", FOUR, settling, Owned.NONE, null, List.of("by-hand"), SETTLE,
        NOW.plusSeconds(31));
    Decision d = AutoRebalancePlan.next(o);
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.record().state()).isEqualTo(State.WAITING);
    assertThat(d.record().message()).contains("by-hand");
  }

  @Test
  void onceDueTheLoadIsJudgedAndAnImbalanceCreatesOneNamedRebalance() {
    Record settling = new Record(State.SETTLING, "rev1", THREE, NOW, null, "new pods [mqtt-d]");
    Observation o = steady(FOUR, settling, NOW.plusSeconds(30));
    Decision judge = AutoRebalancePlan.next(o);
    assertThat(judge.action()).isEqualTo(new Action.Judge());

    Decision d = AutoRebalancePlan.judged(o, judge, SCALED_OUT, List.of(), T);
    String name = AutoRebalancePlan.name("mqtt", "rev1", FOUR);
    assertThat(d.action()).isEqualTo(new Action.Create(name));
    assertThat(d.record().state()).isEqualTo(State.RUNNING);
    assertThat(d.record().rebalance()).isEqualTo(name);
    assertThat(d.record().pods()).as("judged").isEqualTo(FOUR);
    assertThat(d.record().message()).contains("emqx@d 0");
    assertThat(d.event()).isEqualTo("RebalanceCreated");
  }

  @Test
  void aBalancedLoadNeedsNoRebalance() {
    Record settling = new Record(State.SETTLING, "rev1", THREE, NOW, null, "new pods [mqtt-d]");
    Observation o = steady(FOUR, settling, NOW.plusSeconds(40));
    Decision d = AutoRebalancePlan.judged(o, AutoRebalancePlan.next(o), EVEN, List.of(), T);
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.record().state()).isEqualTo(State.BALANCED);
    assertThat(d.record().pods()).isEqualTo(FOUR);
    assertThat(d.event()).isEqualTo("AlreadyBalanced");
    assertThat(AutoRebalancePlan.next(steady(FOUR, d.record(), NOW.plusSeconds(100))).action())
        .isEqualTo(new Action.None());
  }

  @Test
  void aSilentBrokerMeansWaitNotGuess() {
    Record settling = new Record(State.SETTLING, "rev1", THREE, NOW, null, "new pods [mqtt-d]");
    Observation o = steady(FOUR, settling, NOW.plusSeconds(40));
    Decision d = AutoRebalancePlan.judged(o, AutoRebalancePlan.next(o), SCALED_OUT.subList(0, 3), List.of("mqtt-d"), T);
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.record().state()).isEqualTo(State.WAITING);
    assertThat(d.record().pods()).as("not judged").isEqualTo(THREE);
    assertThat(d.warning()).isTrue();
    assertThat(d.recheck()).isEqualTo(AutoRebalancePlan.RETRY);
  }

  @Test
  void aRunningRebalanceIsFollowedEvenWhileAReleaseStarts() {
    Record running = new Record(State.RUNNING, "rev1", FOUR, null, "mqtt-rebalance-1", "created");
    Observation o = new Observation("mqtt", "target mqtt is releasing", true, "rev1", FOUR, running, Owned.RUNNING, null,
        List.of(), SETTLE, NOW);
    Decision d = AutoRebalancePlan.next(o);
    assertThat(d.action()).isEqualTo(new Action.None());
    assertThat(d.record().state()).isEqualTo(State.RUNNING);
    assertThat(d.recheck()).isEqualTo(AutoRebalancePlan.FOLLOW);
    assertThat(d.event()).isNull();
  }

  @Test
  void theOutcomeIsRecordedOnce() {
    Record running = new Record(State.RUNNING, "rev1", FOUR, null, "mqtt-rebalance-1", "created");
    Observation o = new Observation("mqtt", null, false, "rev1", FOUR, running, Owned.COMPLETED, "balanced", List.of(),
        SETTLE, NOW);
    Decision d = AutoRebalancePlan.next(o);
    assertThat(d.record().state()).isEqualTo(State.COMPLETED);
    assertThat(d.event()).isEqualTo("RebalanceCompleted");
    assertThat(d.warning()).isFalse();
    Decision after = AutoRebalancePlan.next(new Observation("mqtt", null, false, "rev1", FOUR, d.record(), Owned.COMPLETED,
        "balanced", List.of(), SETTLE, NOW.plusSeconds(5)));
    assertThat(after.event()).isNull();
    assertThat(after.action()).isEqualTo(new Action.None());
  }

  @Test
  void aFailedRebalanceIsNotTriedAgainUntilThePodsChange() {
    Record running = new Record(State.RUNNING, "rev1", FOUR, null, "mqtt-rebalance-1", "created");
    Decision failed = AutoRebalancePlan.next(new Observation("mqtt", null, false, "rev1", FOUR, running, Owned.FAILED,
        "broker refused", List.of(), SETTLE, NOW));
    assertThat(failed.record().state()).isEqualTo(State.FAILED);
    assertThat(failed.event()).isEqualTo("RebalanceFailed");
    assertThat(failed.warning()).isTrue();
    assertThat(failed.record().message()).contains("broker refused");

    Record r = failed.record();
    for (int i = 1; i <= 10; i++) { // however long it waits: no second try on the same pods
      Decision d = AutoRebalancePlan.next(steady(FOUR, r, NOW.plusSeconds(60L * i)));
      assertThat(d.action()).isEqualTo(new Action.None());
      assertThat(d.event()).isNull();
      r = d.record();
    }
    List<String> five = List.of("mqtt-a", "mqtt-b", "mqtt-c", "mqtt-d", "mqtt-e");
    assertThat(AutoRebalancePlan.next(steady(five, r, NOW.plusSeconds(700))).event()).isEqualTo("NewPods");
  }

  @Test
  void aRebalanceDeletedBeforeItEndedCountsAsFailed() {
    Record running = new Record(State.RUNNING, "rev1", FOUR, null, "mqtt-rebalance-1", "created");
    Decision d = AutoRebalancePlan.next(new Observation("mqtt", null, false, "rev1", FOUR, running, Owned.GONE, null,
        List.of(), SETTLE, NOW));
    assertThat(d.record().state()).isEqualTo(State.FAILED);
    assertThat(d.record().message()).contains("deleted");
  }

  @Test
  void podsThatLeaveShrinkTheBaselineAndAPodReplacedIsNew() {
    Decision shrunk = AutoRebalancePlan.next(steady(List.of("mqtt-a", "mqtt-b"), baseline(State.IDLE, THREE), NOW));
    assertThat(shrunk.record().pods()).containsExactly("mqtt-a", "mqtt-b");
    assertThat(shrunk.event()).isNull();
    Decision replaced = AutoRebalancePlan.next(steady(List.of("mqtt-a", "mqtt-b", "mqtt-z"), shrunk.record(), NOW));
    assertThat(replaced.record().state()).isEqualTo(State.SETTLING);
    assertThat(replaced.record().message()).contains("mqtt-z");
  }

  @Test
  void aNewPodThatLeavesBeforeItIsJudgedEndsTheWait() {
    Record settling = new Record(State.SETTLING, "rev1", THREE, NOW, null, "new pods [mqtt-d]");
    Decision d = AutoRebalancePlan.next(steady(THREE, settling, NOW.plusSeconds(5)));
    assertThat(d.record().state()).isEqualTo(State.IDLE);
    assertThat(d.record().podsChangedAt()).isNull();
  }

  @Test
  void theNameDependsOnTheDeploymentTheRevisionAndThePodsOnly() {
    assertThat(AutoRebalancePlan.name("mqtt", "rev1", FOUR))
        .isEqualTo(AutoRebalancePlan.name("mqtt", "rev1", List.of("mqtt-d", "mqtt-c", "mqtt-b", "mqtt-a")))
        .isNotEqualTo(AutoRebalancePlan.name("mqtt", "rev1", THREE))
        .isNotEqualTo(AutoRebalancePlan.name("mqtt", "rev2", FOUR))
        .startsWith("mqtt-rebalance-");
  }
}
