package dev.ferry.core.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.adoption.AdoptionAction.DeleteWorkload;
import dev.ferry.core.adoption.AdoptionAction.Finish;
import dev.ferry.core.adoption.AdoptionAction.Record;
import dev.ferry.core.adoption.AdoptionAction.Release;
import dev.ferry.core.adoption.AdoptionAction.ScaleWorkload;
import dev.ferry.core.adoption.AdoptionAction.SwitchService;
import dev.ferry.core.adoption.AdoptionObservation.AdoptedPod;
import dev.ferry.core.adoption.AdoptionObservation.Kind;
import dev.ferry.core.adoption.AdoptionObservation.State;
import dev.ferry.core.release.Action.DeletePod;
import dev.ferry.core.release.Action.EnsureRevisionSet;
import dev.ferry.core.release.Action.SetGates;
import dev.ferry.core.release.Action.StartDrain;
import dev.ferry.core.release.Action.StopDrain;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.DrainSettings;
import dev.ferry.core.release.DrainType;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.Reason;
import dev.ferry.core.release.RevisionSetView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The adoption of a running workload (docs/adopt.md), one observation at a time, then whole walks. */
class AdoptionPlanTest {

  static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

  /** A world the plan observes: a workload of three pods, its Service, Ferry's set. */
  static final class World {
    Kind kind = Kind.StatefulSet;
    boolean deleteAfterwards;
    int replicas = 3;
    State state;
    boolean exists = true;
    int workloadReplicas = 3;
    Integer recorded;
    boolean serviceRecorded;
    boolean switched;
    /** The pods the Service's EndpointSlices list as serving: none unless a test says so. */
    java.util.Set<String> endpoints = java.util.Set.of();
    boolean finalizer;
    RevisionSetView ferrySet;
    Map<String, PodView> ferry = new TreeMap<>();
    Map<String, AdoptedPod> adopted = new TreeMap<>();
    Map<String, DrainView> drains = new HashMap<>();
    boolean rollback;
    Instant now = T0;

    World() {
      for (int i = 0; i < 3; i++) {
        adopt("emqx-" + i, i);
      }
    }

    World adopt(String name, int ordinal) {
      adopted.put(name, new AdoptedPod(new PodView(name, "", true, null, null, T0, false, false), ordinal));
      return this;
    }

    World recorded() {
      recorded = workloadReplicas;
      serviceRecorded = true;
      finalizer = true;
      return this;
    }

    World ferryPods(int n, boolean ready, Boolean gate) {
      ferrySet = new RevisionSetView("r1", n, T0);
      for (int i = 0; i < n; i++) {
        ferry.put("mqtt-r1-" + i, new PodView("mqtt-r1-" + i, "r1", ready, gate, T0, T0, false, false));
      }
      return this;
    }

    World in(AdoptionPhase phase, Instant since) {
      state = new State(phase, "r1", since);
      return this;
    }

    AdoptionObservation observe() {
      var spec = new AdoptionObservation.Spec(kind, "emqx", deleteAfterwards, replicas, Duration.ofSeconds(10),
          Duration.ofSeconds(300), new DrainSettings(DrainType.EMQX, Duration.ofSeconds(1), null));
      return new AdoptionObservation(spec, "r1", state, new AdoptionObservation.Workload(exists, workloadReplicas, recorded),
          new AdoptionObservation.Service(serviceRecorded, switched, endpoints), finalizer, ferrySet, List.copyOf(ferry.values()),
          List.copyOf(adopted.values()), drains, rollback, now);
    }

    AdoptionStep next() {
      return AdoptionPlan.next(observe());
    }
  }

  static DrainView running() {
    return new DrainView(DrainView.State.RUNNING, "evicting_conns", 10, 10, T0, -1, T0);
  }

  static DrainView finished() {
    return new DrainView(DrainView.State.FINISHED, "prohibiting", 0, 0, T0, -1, T0);
  }

  @Nested
  class Start {
    @Test
    void recordsWhatItWillChangeBeforeChangingAnything() {
      AdoptionStep s = new World().next();
      assertThat(s.action()).isEqualTo(new Record());
      assertThat(s.state()).isEqualTo(new State(AdoptionPhase.Provisioning, "r1", T0));
      assertThat(s.reason()).isEqualTo(Reason.AdoptionStarted);
    }

    @Test
    void aRecordThatDidNotCompleteIsMadeAgain() {
      World w = new World().in(AdoptionPhase.Provisioning, T0);
      w.finalizer = true;
      w.recorded = 3;
      assertThat(w.next().action()).isEqualTo(new Record());
    }

    @Test
    void onceRecordedFerrysSetStartsAtFullSizeWithGatesClosed() {
      World w = new World().recorded().in(AdoptionPhase.Provisioning, T0);
      assertThat(w.next().action()).isEqualTo(new Release(new EnsureRevisionSet("r1", 3)));
    }

    @Test
    void anAbortBeforeTheStartUndoesARecordAndStartsNothing() {
      World w = new World().recorded();
      w.rollback = true;
      AdoptionStep s = w.next();
      assertThat(s.action()).isEqualTo(new Finish(true));
      assertThat(s.state().phase()).isEqualTo(AdoptionPhase.RolledBack);
    }
  }

  @Nested
  class Provisioning {
    @Test
    void waitsForEveryPodToBeReadyAndInTheClusterNamingThoseOutside() {
      World w = new World().recorded().in(AdoptionPhase.Provisioning, T0).ferryPods(3, true, null);
      w.ferry.put("mqtt-r1-2", w.ferry.get("mqtt-r1-2").withNotInCluster("its own view lacks emqx@emqx-0"));
      w.now = T0.plusSeconds(20);
      AdoptionStep s = w.next();
      assertThat(s.action()).isInstanceOf(Release.class);
      assertThat(((Release) s.action()).action()).isInstanceOf(Wait.class);
      assertThat(s.reason()).isEqualTo(Reason.NotInCluster);
      assertThat(s.message()).contains("2/3", "mqtt-r1-2");
      assertThat(s.state().phase()).isEqualTo(AdoptionPhase.Provisioning);
    }

    @Test
    void allReadyGoesToSwitching() {
      World w = new World().recorded().in(AdoptionPhase.Provisioning, T0).ferryPods(3, true, null);
      w.now = T0.plusSeconds(20);
      AdoptionStep s = w.next();
      assertThat(s.state()).isEqualTo(new State(AdoptionPhase.Switching, "r1", w.now));
    }

    @Test
    void pastTheDeadlineItRollsBackAndTheUntouchedWorkloadNeedsNothingButFerrysPodsGoing() {
      World w = new World().recorded().in(AdoptionPhase.Provisioning, T0).ferryPods(3, false, null);
      w.now = T0.plusSeconds(301);
      AdoptionStep s = w.next();
      assertThat(s.reason()).isEqualTo(Reason.ProgressDeadlineExceeded);
      assertThat(s.state().phase()).isEqualTo(AdoptionPhase.RollingBack);
      // Gates were never opened (null): closed first, so no client lands there while they go.
      assertThat(s.action()).isEqualTo(new Release(new SetGates(Map.of("mqtt-r1-0", false, "mqtt-r1-1", false,
          "mqtt-r1-2", false))));
    }
  }

  @Nested
  class Switching {
    @Test
    void gatesOpenBeforeTheSelectorChangesThenSettles() {
      World w = new World().recorded().in(AdoptionPhase.Switching, T0).ferryPods(3, true, false);
      AdoptionStep s = w.next();
      assertThat(s.action()).isEqualTo(new Release(new SetGates(Map.of("mqtt-r1-0", true, "mqtt-r1-1", true,
          "mqtt-r1-2", true))));

      w.ferryPods(3, true, true);
      s = w.next();
      assertThat(s.action()).isEqualTo(new SwitchService(true));
      assertThat(s.reason()).isEqualTo(Reason.ServiceSwitched);

      w.switched = true;
      s = w.next();
      assertThat(s.state().phase()).isEqualTo(AdoptionPhase.Settling);
      assertThat(s.action()).isEqualTo(new Release(new Wait(T0.plusSeconds(10))));
    }

    @Test
    void aPodLostBeforeTheSwitchSendsItBackToProvisioning() {
      World w = new World().recorded().in(AdoptionPhase.Switching, T0).ferryPods(3, true, false);
      w.ferry.put("mqtt-r1-1", new PodView("mqtt-r1-1", "r1", false, false, T0, null, false, false));
      assertThat(w.next().state().phase()).isEqualTo(AdoptionPhase.Provisioning);
    }
  }

  @Nested
  class Draining {
    World draining() {
      World w = new World().recorded().in(AdoptionPhase.Draining, T0).ferryPods(3, true, true);
      w.switched = true;
      return w;
    }

    @Test
    void settlingEndsInTheFirstDrainOfTheHighestOrdinalToFerrysPods() {
      World w = draining().in(AdoptionPhase.Settling, T0);
      w.now = T0.plusSeconds(10);
      AdoptionStep s = w.next();
      assertThat(s.state().phase()).isEqualTo(AdoptionPhase.Draining);
      assertThat(s.action()).isEqualTo(new Release(new StartDrain("emqx-2", List.of("mqtt-r1-0", "mqtt-r1-1", "mqtt-r1-2"))));
    }

    @Test
    void noAdoptedPodIsDrainedWhileAnEndpointSliceStillListsOne() {
      World w = draining().in(AdoptionPhase.Settling, T0);
      w.now = T0.plusSeconds(10);
      w.endpoints = java.util.Set.of("emqx-1", "mqtt-r1-0", "mqtt-r1-1", "mqtt-r1-2"); // the slice lags the selector
      AdoptionStep s = w.next();
      assertThat(s.state().phase()).isEqualTo(AdoptionPhase.Settling);
      assertThat(s.action()).isEqualTo(new Release(new Wait(T0.plusSeconds(11))));
      assertThat(s.message()).contains("still list emqx-1");

      assertThat(s.stalled()).isFalse();
      w.now = T0.plusSeconds(71); // a minute after the settle delay: still listed, said loudly
      assertThat(w.next().stalled()).isTrue();

      w.endpoints = java.util.Set.of("emqx-1-terminating", "mqtt-r1-0", "mqtt-r1-1", "mqtt-r1-2");
      w.adopted.put("emqx-1-terminating", new AdoptedPod(new PodView("emqx-1-terminating", "", true, null, null, T0,
          true, false), 1));
      w.adopted.remove("emqx-1");
      assertThat(w.next().message()).as("a pod that is going is not waited for here").doesNotContain("still list");
    }

    @Test
    void aDrainedStatefulSetPodGoesByScalingTheSetDownByOneNeverByADeletion() {
      World w = draining();
      w.drains.put("emqx-2", finished());
      AdoptionStep s = w.next();
      assertThat(s.action()).isEqualTo(new ScaleWorkload(2, null));
      assertThat(s.removedPod()).isEqualTo("emqx-2");
      assertThat(s.reason()).isEqualTo(Reason.DeletingPod);
    }

    @Test
    void theNextPodWaitsUntilTheLastIsGone() {
      World w = draining();
      w.workloadReplicas = 2;
      w.drains.put("emqx-2", finished());
      AdoptionStep s = w.next();
      assertThat(s.reason()).isEqualTo(Reason.WaitingForPodRemoval);
      assertThat(s.message()).contains("emqx-2");

      w.adopted.put("emqx-2", new AdoptedPod(new PodView("emqx-2", "", true, null, null, T0, true, false), 2));
      assertThat(w.next().reason()).isEqualTo(Reason.WaitingForPodRemoval);

      w.adopted.remove("emqx-2");
      w.drains.clear();
      assertThat(w.next().action()).isEqualTo(new Release(new StartDrain("emqx-1", List.of("mqtt-r1-0", "mqtt-r1-1",
          "mqtt-r1-2"))));
    }

    @Test
    void aRunningDrainIsFollowedAndResumedFirst() {
      World w = draining();
      w.drains.put("emqx-1", running()); // started before a restart, say
      AdoptionStep s = w.next();
      assertThat(s.reason()).isEqualTo(Reason.Draining);
      assertThat(s.drainPod()).isEqualTo("emqx-1");
    }

    @Test
    void noDrainStartsWhileFerrysSetDoesNotServeInFull() {
      World w = draining();
      w.ferry.put("mqtt-r1-0", new PodView("mqtt-r1-0", "r1", false, true, T0, null, false, false));
      AdoptionStep s = w.next();
      assertThat(s.reason()).isEqualTo(Reason.NewSetNotReady);
      assertThat(s.stalled()).isTrue();
    }

    @Test
    void aPodOfFerrysSetThatCameBackServesBeforeAnythingElse() {
      World w = draining();
      w.ferry.put("mqtt-r1-3", new PodView("mqtt-r1-3", "r1", true, null, null, T0, false, false));
      w.ferry.remove("mqtt-r1-0");
      AdoptionStep s = w.next();
      assertThat(s.action()).isEqualTo(new Release(new SetGates(Map.of("mqtt-r1-3", true))));
      assertThat(s.reason()).isEqualTo(Reason.GatesOpened);
    }

    @Test
    void aDeploymentsDrainedPodIsMarkedAndItsDeploymentScaledDownByOne() {
      World w = draining();
      w.kind = Kind.Deployment;
      w.adopted.clear();
      w.adopt("web-a", -1).adopt("web-b", -1).adopt("web-c", -1);
      w.drains.put("web-a", finished());
      assertThat(w.next().action()).isEqualTo(new ScaleWorkload(2, "web-a"));
    }

    @Test
    void aDeploymentIsNotScaledDownWhileAnotherOfItsPodsIsNotReadySinceItsReplicaSetWouldTakeThatOne() {
      World w = draining();
      w.kind = Kind.Deployment;
      w.adopted.clear();
      w.adopt("web-a", -1).adopt("web-c", -1);
      w.adopted.put("web-b", new AdoptedPod(new PodView("web-b", "", false, null, null, null, false, false), -1));
      w.drains.put("web-a", finished());
      AdoptionStep s = w.next();
      assertThat(s.action()).isInstanceOf(Release.class);
      assertThat(s.stalled()).isTrue();
      assertThat(s.message()).contains("web-b is not Ready");
    }

    @Test
    void noPodLeftTheWorkloadGoesToZeroThenIsDeletedIfAskedThenCompleted() {
      World w = draining();
      w.adopted.clear();
      w.workloadReplicas = 1;
      w.deleteAfterwards = true;
      assertThat(w.next().action()).isEqualTo(new ScaleWorkload(0, null));
      w.workloadReplicas = 0;
      assertThat(w.next().action()).isEqualTo(new DeleteWorkload());
      w.exists = false;
      AdoptionStep s = w.next();
      assertThat(s.action()).isEqualTo(new Finish(false));
      assertThat(s.state().phase()).isEqualTo(AdoptionPhase.Completed);
      assertThat(s.reason()).isEqualTo(Reason.AdoptionComplete);
    }
  }

  @Nested
  class RollingBack {
    World midDrain() {
      World w = new World().recorded().in(AdoptionPhase.Draining, T0).ferryPods(3, true, true);
      w.switched = true;
      w.adopted.remove("emqx-2");
      w.workloadReplicas = 2;
      w.drains.put("emqx-1", running());
      w.rollback = true;
      return w;
    }

    @Test
    void theRunningDrainStopsFirstThenTheWorkloadComesBackToItsRecordedSize() {
      World w = midDrain();
      AdoptionStep s = w.next();
      assertThat(s.state().phase()).isEqualTo(AdoptionPhase.RollingBack);
      assertThat(s.reason()).isEqualTo(Reason.RollingBack);
      assertThat(s.action()).isEqualTo(new Release(new StopDrain("emqx-1")));

      w.state = s.state();
      w.drains.clear();
      assertThat(w.next().action()).isEqualTo(new ScaleWorkload(3, null));

      w.workloadReplicas = 3;
      s = w.next();
      assertThat(s.reason()).isEqualTo(Reason.RestoringWorkload);
      assertThat(s.message()).contains("2/3");
    }

    @Test
    void thenTheSelectorGoesBackThenFerrysGatesCloseThenItsPodsAreDrainedToTheAdoptedOnes() {
      World w = midDrain();
      w.state = new State(AdoptionPhase.RollingBack, "r1", T0);
      w.drains.clear();
      w.workloadReplicas = 3;
      w.adopt("emqx-2", 2);
      assertThat(w.next().action()).isEqualTo(new SwitchService(false));

      w.switched = false;
      assertThat(w.next().action()).isEqualTo(new Release(new SetGates(Map.of("mqtt-r1-0", false, "mqtt-r1-1", false,
          "mqtt-r1-2", false))));

      w.ferryPods(3, true, false); // gates closed at T0
      AdoptionStep settle = w.next();
      assertThat(settle.reason()).isEqualTo(Reason.Settling);
      assertThat(settle.action()).isEqualTo(new Release(new Wait(T0.plusSeconds(10))));

      w.now = T0.plusSeconds(10);
      w.endpoints = java.util.Set.of("emqx-0", "emqx-1", "emqx-2", "mqtt-r1-2"); // its Ready has not followed yet
      AdoptionStep listed = w.next();
      assertThat(listed.reason()).isEqualTo(Reason.Settling);
      assertThat(listed.action()).isEqualTo(new Release(new Wait(T0.plusSeconds(11))));
      assertThat(listed.message()).contains("still list mqtt-r1-2");

      w.endpoints = java.util.Set.of("emqx-0", "emqx-1", "emqx-2");
      assertThat(w.next().action()).isEqualTo(new Release(new StartDrain("mqtt-r1-0", List.of("emqx-0", "emqx-1",
          "emqx-2"))));

      w.drains.put("mqtt-r1-0", finished());
      assertThat(w.next().action()).isEqualTo(new Release(new DeletePod("mqtt-r1-0", "r1", 2)));
    }

    @Test
    void noFerryPodLeftItsSetGoesToZeroThenTheRecordsAreRemoved() {
      World w = new World().recorded().in(AdoptionPhase.RollingBack, T0);
      w.ferrySet = new RevisionSetView("r1", 1, T0);
      assertThat(w.next().action()).isEqualTo(new Release(new EnsureRevisionSet("r1", 0)));
      w.ferrySet = new RevisionSetView("r1", 0, T0);
      AdoptionStep s = w.next();
      assertThat(s.action()).isEqualTo(new Finish(true));
      assertThat(s.state().phase()).isEqualTo(AdoptionPhase.RolledBack);
    }

    @Test
    void aWorkloadThatIsGoneCannotTakeTheClientsBackSoFerryKeepsThem() {
      World w = midDrain();
      w.drains.clear();
      w.exists = false;
      AdoptionStep s = w.next();
      assertThat(s.stalled()).isTrue();
      assertThat(s.action()).isInstanceOf(Release.class);
      assertThat(s.message()).contains("is gone");
    }

    @Test
    void rolledBackStaysUntilTheTemplateChangesThenStartsAgain() {
      World w = new World().in(AdoptionPhase.RolledBack, T0);
      assertThat(((Release) w.next().action()).action()).isInstanceOf(Wait.class);
      AdoptionObservation changed = new AdoptionObservation(w.observe().spec(), "r2", w.state, w.observe().workload(),
          w.observe().service(), false, null, List.of(), w.observe().adopted(), Map.of(), false, T0);
      assertThat(AdoptionPlan.revision(w.state, "r2")).isEqualTo("r2");
      AdoptionStep s = AdoptionPlan.next(changed);
      assertThat(s.action()).isEqualTo(new Record());
      assertThat(s.state().revision()).isEqualTo("r2");
    }
  }

  /**
   * Whole adoptions against a small model of the cluster that does what the plan asks (a
   * StatefulSet removes its highest ordinal on a scale-down, drains finish when started): the
   * pods are removed highest ordinal first, one at a time, each scale-down is by one, no adopted
   * pod is ever created again, and the Service switches once.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void aWholeAdoptionRemovesOnePodAtATimeAndCreatesNone(Kind kind) {
    World w = new World();
    w.kind = kind;
    List<String> removed = new ArrayList<>();
    List<Integer> scales = new ArrayList<>();
    int switches = 0;
    for (int pass = 0; pass < 200; pass++) {
      AdoptionStep s = w.next();
      w.state = s.state();
      w.now = w.now.plusSeconds(11);
      switch (s.action()) {
        case Record r -> w.recorded();
        case SwitchService sw -> { w.switched = sw.toFerry(); switches++; }
        case ScaleWorkload sc -> {
          scales.add(sc.replicas());
          w.workloadReplicas = sc.replicas();
          // The controller removes one pod: the highest ordinal, or the marked one.
          String gone = kind == Kind.StatefulSet
              ? w.adopted.values().stream().filter(p -> p.ordinal() >= sc.replicas()).map(p -> p.view().name())
                  .findFirst().orElse(null)
              : sc.markedPod();
          if (gone != null) {
            w.adopted.remove(gone);
            w.drains.remove(gone);
            removed.add(gone);
          }
        }
        case Release(EnsureRevisionSet e) -> w.ferryPods(e.replicas(), true, false);
        case Release(SetGates g) -> g.gates().forEach((pod, open) -> w.ferry.put(pod, w.ferry.get(pod).withGate(open, w.now)));
        case Release(StartDrain d) -> w.drains.put(d.pod(), finished());
        case Finish f -> { w.finalizer = false; }
        default -> { }
      }
      if (s.state().phase() == AdoptionPhase.Completed) {
        break;
      }
    }
    assertThat(w.state.phase()).isEqualTo(AdoptionPhase.Completed);
    assertThat(switches).isEqualTo(1);
    if (kind == Kind.StatefulSet) {
      assertThat(removed).containsExactly("emqx-2", "emqx-1", "emqx-0");
    } else {
      assertThat(removed).hasSize(3).doesNotHaveDuplicates();
    }
    assertThat(scales).containsExactly(2, 1, 0);
  }
}
