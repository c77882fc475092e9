package dev.ferry.core.bluegreen;

import static dev.ferry.core.bluegreen.World.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.release.Action.DeletePod;
import dev.ferry.core.release.Action.DeleteRevisionSets;
import dev.ferry.core.release.Action.EnsureRevisionSet;
import dev.ferry.core.release.Action.SetGates;
import dev.ferry.core.release.Action.StartDrain;
import dev.ferry.core.release.Action.StartDrains;
import dev.ferry.core.release.Action.StopDrain;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.DrainSettings;
import dev.ferry.core.release.DrainType;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.PodRemoval;
import dev.ferry.core.release.Reason;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every transition of the blue-green flow (DESIGN §4), one observation at a time. */
class BlueGreenPlanTest {

  /** Old revision serving with 3 pods, template changed to "new". */
  static World releaseStarting() {
    return new World().set("old", 3).pods("old", 3, true);
  }

  /** New set ready, gates not switched yet. */
  static World provisioned() {
    return releaseStarting().set("new", 3).pods("new", 3, false);
  }

  /** After the switch. */
  static World switched() {
    return new World().set("old", 3).pods("old", 3, false).set("new", 3).pods("new", 3, true);
  }

  /** After the switch, the other old pods drained and gone: old-1 is the last. */
  static World lastOldPod() {
    return new World().set("old", 1).pods("old", 1, false).set("new", 3).pods("new", 3, true);
  }

  @Nested
  class FirstDeployment {
    @Test
    void createsTheSetThenOpensGatesAsPodsBecomeReadyThenHealthy() {
      World w = new World();
      w.status = ReleaseStatus.initial();
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new EnsureRevisionSet("new", 3));
      assertThat(s.reason()).isEqualTo(Reason.CreatingRevisionSet);
      assertThat(s.status().updateRevision()).isEqualTo("new");
      assertThat(s.status().phaseStartedAt()).isEqualTo(T0);

      w.status = s.status();
      w.set("new", 3).pod("new-1", "new", true, null).pod("new-2", "new", false, null);
      s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new SetGates(Map.of("new-1", true)));

      w.pods("new", 3, true);
      s = BlueGreenPlan.next(w.observe());
      assertThat(s.status().phase()).isEqualTo(Phase.Healthy);
      assertThat(s.status().currentRevision()).isEqualTo("new");
      assertThat(s.reason()).isEqualTo(Reason.ReleaseComplete);
    }
  }

  @Nested
  class Provisioning {
    @Test
    void aNewTemplateStartsAReleaseByCreatingTheFullNewSet() {
      World w = releaseStarting();
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(100)).observe());
      assertThat(s.action()).isEqualTo(new EnsureRevisionSet("new", 3));
      assertThat(s.reason()).isEqualTo(Reason.ReleaseStarted);
      assertThat(s.status())
          .isEqualTo(new ReleaseStatus(Phase.Provisioning, "old", "new", T0.plusSeconds(100)));
    }

    @Test
    void waitsForEveryNewPodAndReportsHowMany() {
      World w = releaseStarting().phase(Phase.Provisioning, T0).set("new", 3)
          .pod("new-1", "new", true, false).pod("new-2", "new", false, false);
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(10)).observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.reason()).isEqualTo(Reason.WaitingForPods);
      assertThat(s.message()).contains("1/3");
      assertThat(s.status().phase()).isEqualTo(Phase.Provisioning);
    }

    @Test
    void theDeadlineAbortsAndScalesTheNewSetToZeroWhileTheOldServes() {
      World w = releaseStarting().phase(Phase.Provisioning, T0).set("new", 3)
          .pod("new-1", "new", true, false).pod("new-2", "new", false, false).pod("new-3", "new", false, false);
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(600)).observe());
      assertThat(s.status().phase()).isEqualTo(Phase.Aborted);
      assertThat(s.reason()).isEqualTo(Reason.ProgressDeadlineExceeded);
      assertThat(s.stalled()).isTrue();
      assertThat(s.action()).isEqualTo(new EnsureRevisionSet("new", 0));
      assertThat(s.message()).contains("1/3").contains("old keeps serving");
    }

    @Test
    void readyPodsOutsideTheClusterDoNotSwitchAndAreNamed() {
      World w = provisioned().phase(Phase.Provisioning, T0)
          .notInCluster("new-2", "emqx@10.0.0.12 is not a running node in the view of old-1, old-2, old-3");
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(30)).observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.status().phase()).isEqualTo(Phase.Provisioning);
      assertThat(s.reason()).isEqualTo(Reason.NotInCluster);
      assertThat(s.message()).contains("2/3 pods of new ready")
          .contains("not in the cluster yet: new-2 (emqx@10.0.0.12 is not a running node in the view of old-1");
    }

    @Test
    void podsThatNeverJoinAbortTheReleaseAtTheDeadline() {
      World w = provisioned().phase(Phase.Provisioning, T0).notInCluster("new-1", "never joined")
          .notInCluster("new-2", "never joined").notInCluster("new-3", "never joined");
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(600)).observe());
      assertThat(s.status().phase()).isEqualTo(Phase.Aborted);
      assertThat(s.reason()).isEqualTo(Reason.ProgressDeadlineExceeded);
      assertThat(s.message()).contains("only 0/3 pods of new").contains("new-1 (never joined)")
          .contains("old keeps serving");
    }

    @Test
    void theSwitchOpensOnlyPodsInTheCluster() {
      World w = provisioned().phase(Phase.Switching, T0).notInCluster("new-2", "split off");
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.reason()).isEqualTo(Reason.NewSetNotReady);
      assertThat(s.message()).contains("new-2 (split off)");
    }

    @Test
    void doesNotSwitchWhileTheOldPodsCannotBeDrainedAndAbortsAtTheDeadline() {
      World w = provisioned().phase(Phase.Provisioning, T0);
      w.drains.put("old-2", DrainView.refused(
          "this EMQX (5.8.1 Opensource) has no node evacuation: EMQX Enterprise 5.1 or later, or EMQX 5.9 or later, is needed"));
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(30)).observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.status().phase()).isEqualTo(Phase.Provisioning);
      assertThat(s.reason()).isEqualTo(Reason.DrainRefused);
      assertThat(s.stalled()).isTrue();
      assertThat(s.message()).contains("not switching: the drainer cannot drain old-2").contains("no node evacuation");
      s = BlueGreenPlan.next(w.at(T0.plusSeconds(600)).observe());
      assertThat(s.status().phase()).isEqualTo(Phase.Aborted);
      assertThat(s.message()).contains("nothing could be switched within 600s").contains("old keeps serving");
    }

    @Test
    void anUnreachableOldPodWhoseContainersAreNotReadyDoesNotHoldTheSwitch() {
      World w = provisioned().phase(Phase.Provisioning, T0).pod("old-3", "old", false, true);
      w.drains.put("old-3", DrainView.unreachable("connection refused"));
      assertThat(BlueGreenPlan.next(w.observe()).action()).isInstanceOf(SetGates.class);
    }

    @Test
    void allReadySwitchesInTheSamePass() {
      World w = provisioned().phase(Phase.Provisioning, T0);
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(30)).observe());
      assertThat(s.action()).isEqualTo(new SetGates(Map.of(
          "new-1", true, "new-2", true, "new-3", true, "old-1", false, "old-2", false, "old-3", false)));
      assertThat(s.reason()).isEqualTo(Reason.Switching);
      assertThat(s.status().phase()).isEqualTo(Phase.Settling);
      assertThat(s.status().phaseStartedAt()).as("the settle delay counts from the switch").isEqualTo(T0.plusSeconds(30));
    }
  }

  @Nested
  class Promotion {
    @Test
    void withoutAutoPromoteWaitsForAPromotionOfThisRevision() {
      World w = provisioned().phase(Phase.Provisioning, T0);
      w.spec = new BlueGreenSpec(3, false, Duration.ofSeconds(60), Duration.ofSeconds(600), w.spec.drain(), 2);
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.status().phase()).isEqualTo(Phase.AwaitingPromotion);
      assertThat(s.reason()).isEqualTo(Reason.AwaitingPromotion);

      w.status = s.status();
      w.promoted = "some-older-revision";
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(3600)).observe()).status().phase())
          .as("a promotion of another revision does not count, and waiting has no deadline")
          .isEqualTo(Phase.AwaitingPromotion);

      w.promoted = "new";
      s = BlueGreenPlan.next(w.observe());
      assertThat(s.status().phase()).isEqualTo(Phase.Switching);
      assertThat(s.reason()).isEqualTo(Reason.Promoted);
    }
  }

  @Nested
  class SwitchingAndSettling {
    @Test
    void oneActionOpensEveryNewGateAndClosesEveryOldOne() {
      World w = provisioned().phase(Phase.Switching, T0);
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(5)).observe());
      assertThat(s.action())
          .isEqualTo(new SetGates(Map.of(
              "new-1", true, "new-2", true, "new-3", true,
              "old-1", false, "old-2", false, "old-3", false)));
      assertThat(s.status().phase()).isEqualTo(Phase.Settling);
      assertThat(s.status().phaseStartedAt()).isEqualTo(T0.plusSeconds(5));
    }

    @Test
    void doesNotSwitchToASetThatLostAPod() {
      World w = provisioned().phase(Phase.Switching, T0).pod("new-2", "new", false, false);
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.reason()).isEqualTo(Reason.NewSetNotReady);
    }

    @Test
    void aSwitchDoneBeforeACrashIsNotRedone() {
      World w = switched().phase(Phase.Switching, T0);
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.status().phase()).isEqualTo(Phase.Settling);
    }

    @Test
    void settlesForTheInitialDelayThenDrains() {
      World w = switched().phase(Phase.Settling, T0);
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(30)).observe());
      assertThat(s.action()).isEqualTo(new Wait(T0.plusSeconds(60)));
      s = BlueGreenPlan.next(w.at(T0.plusSeconds(60)).observe());
      assertThat(s.status().phase()).isEqualTo(Phase.Draining);
    }
  }

  @Nested
  class Draining {
    @Test
    void drainsTheFirstOldPodToTheNewPods() {
      World w = switched().phase(Phase.Draining, T0);
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new StartDrain("old-1", List.of("new-1", "new-2", "new-3")));
      assertThat(s.drainPod()).isEqualTo("old-1");
    }

    @Test
    void followsARunningDrainWithItsProgress() {
      World w = switched().phase(Phase.Draining, T0).drain("old-2", DrainView.State.RUNNING, 812);
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(3)).observe());
      // Looked at again just after EMQX's next tick: whole seconds from the drain's start (T0).
      assertThat(s.action()).isEqualTo(new Wait(T0.plusSeconds(3).plus(PodRemoval.AFTER_TICK)));
      assertThat(s.drainPod()).as("resumes the running drain, not a new one").isEqualTo("old-2");
      assertThat(s.message()).contains("812 connections");
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(3).plus(PodRemoval.AFTER_TICK)).observe()).action())
          .as("a second later, not at once").isEqualTo(new Wait(T0.plusSeconds(4).plus(PodRemoval.AFTER_TICK)));
    }

    @Test
    void aDrainWaitingForItsTakeoversEndsOnceEveryClientTookItsSessionOver() {
      // Started at T0; the look at T0+4.25 saw waiting_takeover (entered on the tick at T0+4), and the
      // takeover wait is 30 s. 12 sessions are still there: looked at again a second later, not at
      // the wait's end, since the clients come back between ticks.
      World w = lastOldPod().phase(Phase.Draining, T0);
      w.spec = new BlueGreenSpec(3, true, Duration.ofSeconds(60), Duration.ofSeconds(600),
          new DrainSettings(DrainType.EMQX, Duration.ofSeconds(30), null), 2);
      Instant seen = T0.plusSeconds(4).plus(PodRemoval.AFTER_TICK).plusMillis(30);
      w.drains.put("old-1", new DrainView(DrainView.State.RUNNING, "waiting_takeover", 0, 12, T0, -1, seen));
      Step waiting = BlueGreenPlan.next(w.at(T0.plusSeconds(5)).observe());
      assertThat(waiting.action()).isEqualTo(new Wait(T0.plusSeconds(5).plus(PodRemoval.AFTER_TICK)));
      assertThat(waiting.message()).contains("12 sessions left");
      // The last one took its session over: nothing is left for the wait to protect.
      w.drains.put("old-1", new DrainView(DrainView.State.RUNNING, "waiting_takeover", 0, 0, T0, -1, seen));
      Step done = BlueGreenPlan.next(w.at(T0.plusSeconds(6).plus(PodRemoval.AFTER_TICK)).observe());
      assertThat(done.action()).isEqualTo(new DeletePod("old-1", "old", 0));
      assertThat(done.message()).contains("every client it sent away took its session over")
          .contains("30s takeover wait");
      // A count it does not know (-1) never ends the wait.
      w.drains.put("old-1", new DrainView(DrainView.State.RUNNING, "waiting_takeover", 0, -1, T0, -1, seen));
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(6).plus(PodRemoval.AFTER_TICK)).observe()).action())
          .isInstanceOf(Wait.class);
    }

    @Test
    void theNextDrainStartsOnceTheRunningOneHasSentItsLastClientAway() {
      // old-1 evicted its last burst; EMQX waits for the takeovers (2 s), then refuses clients.
      World w = switched().phase(Phase.Draining, T0)
          .drain("old-1", DrainView.State.RUNNING, 12);
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(3)).observe()).action())
          .as("still evicting: the next waits").isInstanceOf(Wait.class);
      w.drains.put("old-1", new DrainView(DrainView.State.RUNNING, "waiting_takeover", 0, 12, T0));
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(4)).observe()).action())
          .isEqualTo(new StartDrain("old-2", List.of("new-1", "new-2", "new-3")));
      w.drains.put("old-2", new DrainView(DrainView.State.RUNNING, "evicting_conns", 600, 600, T0.plusSeconds(4)));
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(5)).observe()).drainPod())
          .as("the drain shown is the one that evicts").isEqualTo("old-2");
      w.drains.put("old-1", new DrainView(DrainView.State.FINISHED, "prohibiting", 0, 0, T0));
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(6)).observe()).action())
          .as("the first is deleted while the second evicts").isEqualTo(new DeletePod("old-1", "old", 2));
      w.marked("old-1").set("old", 2);
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(6)).observe()).action())
          .as("never two evicting at once").isInstanceOf(Wait.class);
    }

    @Test
    void aDrainLeftWithSessionsToMoveHoldsTheNextBack() {
      // evicting_sessions: sessions were left after the takeover wait, and durable ones never move.
      World w = switched().phase(Phase.Draining, T0).drain("old-1", 0, 37, T0.plusSeconds(10));
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(20)).observe()).action())
          .as("it may never end: the next waits").isInstanceOf(Wait.class);
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(70)).observe());
      assertThat(s.reason()).isEqualTo(Reason.DrainStalled);
      assertThat(s.action()).as("stuck: the release goes no further").isInstanceOf(Wait.class);
    }

    @Test
    void aLongDrainThatProgressesIsFollowedAndThePodKept() {
      World w = switched().phase(Phase.Draining, T0).drain("old-1", 5, 5, T0.plusSeconds(3600));
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(3601)).observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.reason()).isEqualTo(Reason.Draining);
      assertThat(s.stalled()).isFalse();
    }

    @Test
    void aDrainWithNoProgressIsReportedStalledAndWithoutATimeoutThePodIsKept() {
      // Durable sessions: EMQX never moves them, so the counts stay where they are for ever.
      World w = lastOldPod().phase(Phase.Draining, T0).drain("old-1", 0, 37, T0.plusSeconds(10));
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(69)).observe());
      assertThat(s.reason()).as("59 s without progress is not a stall yet").isEqualTo(Reason.Draining);
      s = BlueGreenPlan.next(w.at(T0.plusSeconds(70)).observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.reason()).isEqualTo(Reason.DrainStalled);
      assertThat(s.stalled()).isTrue();
      assertThat(s.message()).contains("37 sessions left").contains("no progress since " + T0.plusSeconds(10))
          .contains("not deleted while it holds clients");
      s = BlueGreenPlan.next(w.at(T0.plusSeconds(86_400)).observe());
      assertThat(s.action()).as("a day later, still kept").isInstanceOf(Wait.class);
    }

    @Test
    void theStallWindowOutlastsTheBrokersOwnWaits() {
      World w = lastOldPod().phase(Phase.Draining, T0).drain("old-1", 0, 37, T0);
      w.spec = new BlueGreenSpec(3, true, Duration.ofSeconds(60), Duration.ofSeconds(600),
          new DrainSettings(DrainType.EMQX, Duration.ofSeconds(120), null), 2);
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(149)).observe()).reason()).isEqualTo(Reason.Draining);
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(150)).observe()).reason()).isEqualTo(Reason.DrainStalled);
    }

    @Test
    void withATimeoutAnOverrunningDrainDeletesThePodWithWhatItHolds() {
      World w = lastOldPod().phase(Phase.Draining, T0).drain("old-1", 0, 37, T0.plusSeconds(10));
      w.spec = new BlueGreenSpec(3, true, Duration.ofSeconds(60), Duration.ofSeconds(600),
          new DrainSettings(DrainType.EMQX, Duration.ofSeconds(5), Duration.ofSeconds(900)), 2);
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(899)).observe()).action()).isInstanceOf(Wait.class);
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(900)).observe());
      assertThat(s.action()).isEqualTo(new DeletePod("old-1", "old", 0));
      assertThat(s.reason()).isEqualTo(Reason.DrainTimedOut);
      assertThat(s.message()).contains("timed out after 900s").contains("37 sessions left");
    }

    @Test
    void drainsSideBySideAShareOfASecondApartAndNeverMoreAtOnce() {
      World w = switched().phase(Phase.Draining, T0);
      w.spec = new BlueGreenSpec(3, true, Duration.ofSeconds(60), Duration.ofSeconds(600),
          new DrainSettings(DrainType.EMQX, Duration.ofSeconds(5), null, Duration.ZERO, 2), 2);
      Step both = BlueGreenPlan.next(w.observe());
      assertThat(both.action()).as("both in one step, each at half the rates, half a second apart")
          .isEqualTo(new StartDrains(List.of(new StartDrain("old-1", List.of("new-1", "new-2", "new-3"), 2),
              new StartDrain("old-2", List.of("new-1", "new-2", "new-3"), 2)), List.of(Duration.ZERO, Duration.ofMillis(500))));
      assertThat(both.reason()).isEqualTo(Reason.DrainStarted);
      assertThat(both.message()).contains("old-1, old-2 side by side (starting at +0, +500 ms)");
      // Had the second start failed (the pass acts no further), the next pass starts it alone, in its
      // place in the second.
      w.drain("old-1", DrainView.State.RUNNING, 100);
      Step s = BlueGreenPlan.next(w.at(T0.plusMillis(300)).observe());
      assertThat(s.action()).as("the second starts half a second after the first").isEqualTo(new Wait(T0.plusMillis(500)));
      assertThat(s.drainPod()).isEqualTo("old-1");
      s = BlueGreenPlan.next(w.at(T0.plusMillis(500)).observe());
      assertThat(s.action()).isEqualTo(new StartDrain("old-2", List.of("new-1", "new-2", "new-3"), 2));
      w.drains.put("old-2", new DrainView(DrainView.State.RUNNING, "evicting_conns", 100, 100, T0.plusMillis(500)));
      s = BlueGreenPlan.next(w.at(T0.plusSeconds(2)).observe());
      assertThat(s.action()).as("two at once, no third").isInstanceOf(Wait.class);
      w.drain("old-1", DrainView.State.FINISHED, 0);
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(3)).observe()).action()).isEqualTo(new DeletePod("old-1", "old", 2));
      // old-1 gone and old-2 still draining: old-3 runs beside it, at half the rates too.
      w.pods.remove("old-1");
      w.drains.remove("old-1");
      w.set("old", 2);
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(4)).observe()).action())
          .as("in old-1's place in the second, half a second from old-2's")
          .isEqualTo(new StartDrain("old-3", List.of("new-1", "new-2", "new-3"), 2));
      Step third = BlueGreenPlan.next(w.at(T0.plusSeconds(4).plusMillis(300)).observe());
      assertThat(third.message()).as("not 200 ms from old-2's bursts").contains("the next drain starts at " + T0.plusSeconds(5));
      assertThat(third.action()).as("old-2 looked at first, just after its tick")
          .isEqualTo(new Wait(T0.plusSeconds(4).plusMillis(500).plus(PodRemoval.AFTER_TICK)));
      // Had old-2 finished too, old-3 would have drained alone, at the full rates.
      w.drain("old-2", DrainView.State.FINISHED, 0).marked("old-2").set("old", 1);
      assertThat(BlueGreenPlan.next(w.at(T0.plusSeconds(4)).observe()).action())
          .isEqualTo(new StartDrain("old-3", List.of("new-1", "new-2", "new-3"), 1));
    }

    @Test
    void thePlacesLeftBesideARunningDrainStartTogetherAfterItsStagger() {
      World w = switched().phase(Phase.Draining, T0);
      w.spec = new BlueGreenSpec(3, true, Duration.ofSeconds(60), Duration.ofSeconds(600),
          new DrainSettings(DrainType.EMQX, Duration.ofSeconds(5), null, Duration.ZERO, 3), 2);
      w.drain("old-1", DrainView.State.RUNNING, 100);
      assertThat(BlueGreenPlan.next(w.at(T0.plusMillis(300)).observe()).action())
          .as("not before a third of a second from old-1's start").isInstanceOf(Wait.class);
      // old-2 at 340 ms in the second, old-3 at 670: a third of a second from old-1's (at 0) and
      // from each other, as near as three in a second can be.
      assertThat(BlueGreenPlan.next(w.at(T0.plusMillis(340)).observe()).action())
          .isEqualTo(new StartDrains(List.of(new StartDrain("old-2", List.of("new-1", "new-2", "new-3"), 3),
              new StartDrain("old-3", List.of("new-1", "new-2", "new-3"), 3)),
              List.of(Duration.ZERO, Duration.ofMillis(330))));
      // With one place left, one start: never more drains than drain.parallel.
      w.drains.put("old-2", new DrainView(DrainView.State.RUNNING, "evicting_conns", 100, 100, T0.plusMillis(330)));
      assertThat(BlueGreenPlan.next(w.at(T0.plusMillis(665)).observe()).action())
          .isEqualTo(new StartDrain("old-3", List.of("new-1", "new-2", "new-3"), 3));
    }

    @Test
    void aNewPodThatNeverJoinedAndHoldsNothingGoesWithoutADrain() {
      // A rollback to old after new-1 came up alone: new-1 is a victim outside the cluster, empty.
      World w = new World().set("old", 3).pods("old", 3, true).set("new", 1).pod("new-1", "new", true, false)
          .notInCluster("new-1", "never joined").phase(Phase.Draining, T0);
      w.target = "old";
      w.status = new ReleaseStatus(Phase.Draining, "old", "old", T0);
      w.drains.put("new-1", new DrainView(DrainView.State.NOT_STARTED, "", 0, 0, null));
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new DeletePod("new-1", "new", 0));
      assertThat(s.message()).contains("holds no client").contains("not in the cluster");
    }

    @Test
    void neverDrainsToANewPodOutsideTheCluster() {
      World w = switched().phase(Phase.Draining, T0).notInCluster("new-3", "emqx@10.0.0.13 is not a running node");
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.reason()).isEqualTo(Reason.NewSetNotReady);
      assertThat(s.stalled()).isTrue();
      assertThat(s.message()).contains("new-3 (emqx@10.0.0.13 is not a running node)");
    }

    @Test
    void aRunningDrainIsFollowedEvenWhenATargetLeftTheCluster() {
      World w = switched().phase(Phase.Draining, T0).drain("old-1", DrainView.State.RUNNING, 40)
          .notInCluster("new-3", "split off");
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(2)).observe());
      assertThat(s.reason()).isEqualTo(Reason.Draining);
      assertThat(s.drainPod()).isEqualTo("old-1");
    }

    @Test
    void deletesADrainedPodByMarkingItAndScalingItsSetDownByOne() {
      World w = switched().phase(Phase.Draining, T0).drain("old-1", DrainView.State.FINISHED, 0);
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new DeletePod("old-1", "old", 2));
    }

    @Test
    void aDeletionDoneBeforeACrashIsNotRepeated() {
      World w = switched().phase(Phase.Draining, T0).drain("old-1", DrainView.State.FINISHED, 0)
          .marked("old-1").set("old", 2);
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).as("old-1 is not deleted again; the next drain starts while its ReplicaSet removes it")
          .isEqualTo(new StartDrain("old-2", List.of("new-1", "new-2", "new-3")));
      // Marked but the scale-down was lost: scale again, to the same absolute number.
      w.set("old", 3);
      assertThat(BlueGreenPlan.next(w.observe()).action()).isEqualTo(new DeletePod("old-1", "old", 2));
    }

    @Test
    void doesNotPushClientsToANewSetThatLostAPod() {
      World w = switched().phase(Phase.Draining, T0).pod("new-3", "new", false, true);
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.reason()).isEqualTo(Reason.NewSetNotReady);
    }

    @Test
    void lastOldPodGoneMeansHealthyOnTheNewRevision() {
      World w = new World().set("old", 0).set("new", 3).pods("new", 3, true).phase(Phase.Draining, T0);
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(99)).observe());
      assertThat(s.status()).isEqualTo(new ReleaseStatus(Phase.Healthy, "new", "new", T0.plusSeconds(99)));
      assertThat(s.reason()).isEqualTo(Reason.ReleaseComplete);
    }

    @Test
    void withNoDrainerWaitsForTakeoverAfterTheGateClosed() {
      World w = switched().phase(Phase.Draining, T0);
      w.spec = new BlueGreenSpec(3, true, Duration.ofSeconds(60), Duration.ofSeconds(600),
          new DrainSettings(DrainType.NONE, Duration.ofSeconds(5), Duration.ofSeconds(900)), 2);
      w.gateClosedAt("old-1", T0.plusSeconds(100)).gateClosedAt("old-2", T0.plusSeconds(100))
          .gateClosedAt("old-3", T0.plusSeconds(100));
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(102)).observe());
      assertThat(s.action()).isEqualTo(new Wait(T0.plusSeconds(105)));
      assertThat(s.reason()).isEqualTo(Reason.WaitingForTakeover);
      s = BlueGreenPlan.next(w.at(T0.plusSeconds(105)).observe());
      assertThat(s.action()).isEqualTo(new DeletePod("old-1", "old", 2));
    }

    @Test
    void anUnreachableDrainerOfARunningPodIsWaitedFor() {
      World w = switched().phase(Phase.Draining, T0);
      w.drains.put("old-1", DrainView.unreachable("connect timed out"));
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.reason()).isEqualTo(Reason.DrainerUnreachable);
      assertThat(s.action()).isInstanceOf(Wait.class);
      // The same pod, crashed: nothing in it holds a client any more.
      w.pod("old-1", "old", false, false);
      assertThat(BlueGreenPlan.next(w.observe()).action()).isEqualTo(new DeletePod("old-1", "old", 2));
    }
  }

  @Nested
  class Rollback {
    @Test
    void revertingTheTemplateMidDrainStopsTheDrainFirst() {
      // old-1 was drained and deleted, old-2 is being drained, then the user reverts.
      World w = new World().set("old", 2).pod("old-2", "old", true, false).pod("old-3", "old", true, false)
          .set("new", 3).pods("new", 3, true).phase(Phase.Draining, T0)
          .drain("old-2", DrainView.State.RUNNING, 400);
      w.target = "old";
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.reason()).isEqualTo(Reason.RollingBack);
      assertThat(s.action()).isEqualTo(new StopDrain("old-2"));
      assertThat(s.status().updateRevision()).isEqualTo("old");
      assertThat(s.status().currentRevision()).isEqualTo("old");
      assertThat(s.status().phase()).isEqualTo(Phase.Provisioning);

      // Then the old set is brought back to full size before anything switches.
      w.status = s.status();
      w.drains.clear();
      s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new EnsureRevisionSet("old", 3));

      // Once full and ready: switch back without a promotion, then drain the new pods.
      w.set("old", 3).pod("old-4", "old", true, null);
      w.spec = new BlueGreenSpec(3, false, Duration.ofSeconds(60), Duration.ofSeconds(600), w.spec.drain(), 2);
      s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new SetGates(Map.of(
          "old-2", true, "old-3", true, "old-4", true, "new-1", false, "new-2", false, "new-3", false)));
    }

    @Test
    void aRollbackIsNeverAbortedItOnlyReportsThatItIsLate() {
      World w = new World().set("old", 3).pod("old-2", "old", true, false).pod("old-4", "old", false, null)
          .pod("old-5", "old", false, null).set("new", 3).pods("new", 3, true);
      w.target = "old";
      w.status = new ReleaseStatus(Phase.Provisioning, "old", "old", T0);
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(601)).observe());
      assertThat(s.status().phase()).isEqualTo(Phase.Provisioning);
      assertThat(s.reason()).isEqualTo(Reason.ProgressDeadlineExceeded);
      assertThat(s.action()).isInstanceOf(Wait.class);
    }

    @Test
    void aThirdRevisionMidReleaseRestartsProvisioningForIt() {
      World w = switched().phase(Phase.Draining, T0);
      w.target = "third";
      Step s = BlueGreenPlan.next(w.at(T0.plusSeconds(7)).observe());
      assertThat(s.reason()).isEqualTo(Reason.Retargeted);
      assertThat(s.action()).isEqualTo(new EnsureRevisionSet("third", 3));
      assertThat(s.status()).isEqualTo(new ReleaseStatus(Phase.Provisioning, "old", "third", T0.plusSeconds(7)));
    }
  }

  @Nested
  class Aborted {
    static World aborted() {
      World w = releaseStarting().set("new", 3).pod("new-1", "new", true, false);
      w.status = new ReleaseStatus(Phase.Aborted, "old", "new", T0);
      return w;
    }

    @Test
    void staysAbortedWhileTheTemplateIsTheFailedOne() {
      World w = aborted();
      assertThat(BlueGreenPlan.next(w.observe()).action()).isEqualTo(new EnsureRevisionSet("new", 0));
      w.set("new", 0).pods.remove("new-1");
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.status().phase()).isEqualTo(Phase.Aborted);
      assertThat(s.reason()).isEqualTo(Reason.Aborted);
      assertThat(s.action()).isInstanceOf(Wait.class);
    }

    @Test
    void revertingTheTemplateMakesItHealthyAndAFixedTemplateReleasesAgain() {
      World w = aborted().set("new", 0);
      w.pods.remove("new-1");
      w.target = "old";
      assertThat(BlueGreenPlan.next(w.observe()).status().phase()).isEqualTo(Phase.Healthy);
      w.target = "fixed";
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.reason()).isEqualTo(Reason.ReleaseStarted);
      assertThat(s.action()).isEqualTo(new EnsureRevisionSet("fixed", 3));
    }
  }

  @Nested
  class Steady {
    @Test
    void scaleDownDrainsTheSurplusPodBeforeDeletingIt() {
      World w = new World().set("old", 3).pods("old", 3, true);
      w.target = "old";
      w.spec = new BlueGreenSpec(2, true, Duration.ofSeconds(60), Duration.ofSeconds(600), w.spec.drain(), 2);
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new SetGates(Map.of("old-3", false)));
      w.gateClosedAt("old-3", T0);
      s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new StartDrain("old-3", List.of("old-1", "old-2")));
      w.drain("old-3", DrainView.State.FINISHED, 0);
      assertThat(BlueGreenPlan.next(w.observe()).action()).isEqualTo(new DeletePod("old-3", "old", 2));
    }

    @Test
    void opensTheGateOfAReplacementPodAndIsDegradedUntilThen() {
      World w = new World().set("old", 3).pods("old", 2, true).pod("old-9", "old", false, null);
      w.target = "old";
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.status().phase()).isEqualTo(Phase.Degraded);
      assertThat(s.reason()).isEqualTo(Reason.NotEnoughPods);
      w.pod("old-9", "old", true, null);
      s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new SetGates(Map.of("old-9", true)));
    }

    @Test
    void aReplacementPodOutsideTheClusterGetsNoClients() {
      World w = new World().set("old", 3).pods("old", 2, true).pod("old-9", "old", true, null)
          .notInCluster("old-9", "its own view lacks emqx@old-1, emqx@old-2");
      w.target = "old";
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.status().phase()).isEqualTo(Phase.Degraded);
    }

    @Test
    void aScaleDownWithNoPodInTheClusterToTakeOverDoesNotStartADrain() {
      World w = new World().set("old", 2).pods("old", 2, true);
      w.target = "old";
      w.spec = new BlueGreenSpec(1, true, Duration.ofSeconds(60), Duration.ofSeconds(600), w.spec.drain(), 2);
      w.gateClosedAt("old-2", T0).notInCluster("old-1", "split off");
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isInstanceOf(Wait.class);
      assertThat(s.reason()).isEqualTo(Reason.NoDrainTarget);
      assertThat(s.stalled()).isTrue();
    }

    @Test
    void stopsADrainLeftRunningOnAServingPod() {
      World w = new World().set("old", 3).pods("old", 3, true).drain("old-2", DrainView.State.FINISHED, 0);
      w.target = "old";
      assertThat(BlueGreenPlan.next(w.observe()).action()).isEqualTo(new StopDrain("old-2"));
    }

    @Test
    void collectsEmptySetsBeyondTheHistoryLimit() {
      World w = new World().set("r1", 0).set("r2", 0).set("r3", 0).set("old", 3).pods("old", 3, true);
      w.target = "old";
      Step s = BlueGreenPlan.next(w.observe());
      assertThat(s.action()).isEqualTo(new DeleteRevisionSets(List.of("r1")));
    }
  }
}
