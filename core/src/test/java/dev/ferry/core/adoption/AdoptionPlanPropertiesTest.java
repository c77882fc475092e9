package dev.ferry.core.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.adoption.AdoptionAction.Finish;
import dev.ferry.core.adoption.AdoptionAction.Record;
import dev.ferry.core.adoption.AdoptionAction.Release;
import dev.ferry.core.adoption.AdoptionAction.ScaleWorkload;
import dev.ferry.core.adoption.AdoptionAction.SwitchService;
import dev.ferry.core.adoption.AdoptionObservation.AdoptedPod;
import dev.ferry.core.adoption.AdoptionPlanTest.World;
import dev.ferry.core.release.Action.EnsureRevisionSet;
import dev.ferry.core.release.Action.SetGates;
import dev.ferry.core.release.Action.StartDrain;
import dev.ferry.core.release.Action.StopDrain;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.PodView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole StatefulSet adoptions with a crash-prone operator and a slow cluster, one seed each: an
 * action may fail (the status is then not written, as the reconciler does), a StatefulSet takes a
 * few passes to remove a pod (Terminating first), a drain a few passes to finish, and with some
 * seeds an abort arrives at a random pass. Whatever happens:
 *
 * <ul>
 *   <li>the Service switches to Ferry only when all of Ferry's pods can take clients and serve;
 *   <li>an adopted pod is drained only after the switch, and only to Ferry's serving pods;
 *   <li>the StatefulSet only ever goes down by one, from the number of its live pods, and only to
 *       remove a pod whose drain finished; it goes up only on a rollback, to its recorded size;
 *   <li>no adopted pod is created again, but on a rollback;
 *   <li>the adoption ends Completed (pods removed highest ordinal first) or, aborted, RolledBack
 *       with the StatefulSet at its size and the Service's selector back.
 * </ul>
 */
class AdoptionPlanPropertiesTest {

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 200);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void anAdoptionKeepsItsPromisesWhateverFailsOrLags(long seed) {
    Random r = new Random(seed);
    World w = new World();
    boolean abort = seed % 3 == 0;
    int abortAt = 5 + r.nextInt(40);
    Map<String, Integer> drainPasses = new TreeMap<>();
    Map<String, Integer> terminating = new TreeMap<>();
    List<String> removed = new ArrayList<>();
    for (int pass = 0; pass < 400; pass++) {
      w.rollback = abort && pass >= abortAt;
      AdoptionStep s = w.next();
      w.now = w.now.plusSeconds(1 + r.nextInt(4));
      boolean fails = r.nextInt(5) == 0;
      if (!fails) {
        check(w, s);
        apply(w, s, removed);
        w.state = s.state();
      }
      cluster(w, r, drainPasses, terminating, removed);
      AdoptionPhase p = w.state == null ? null : w.state.phase();
      if ((p == AdoptionPhase.Completed || p == AdoptionPhase.RolledBack) && !w.finalizer) {
        break;
      }
    }
    if (w.state.phase() == AdoptionPhase.Completed) {
      assertThat(removed).containsExactly("emqx-2", "emqx-1", "emqx-0");
      assertThat(w.workloadReplicas).isZero();
    } else {
      assertThat(abort).isTrue();
      assertThat(w.state.phase()).isEqualTo(AdoptionPhase.RolledBack);
      assertThat(w.workloadReplicas).isEqualTo(3);
      assertThat(w.switched).isFalse();
      assertThat(w.adopted).hasSize(3);
      assertThat(w.ferry.values()).noneMatch(PodView::live);
      assertThat(w.finalizer).isFalse();
    }
  }

  /** The promises, checked on each action before it is carried out. */
  static void check(World w, AdoptionStep s) {
    switch (s.action()) {
      case SwitchService sw when sw.toFerry() -> {
        assertThat(w.ferry.values()).hasSize(3).allMatch(p -> p.canTakeOver() && p.serving());
      }
      case Release(StartDrain d) when w.adopted.containsKey(d.pod()) -> {
        assertThat(w.switched).isTrue();
        assertThat(d.migrateTo()).isNotEmpty().allMatch(t -> w.ferry.containsKey(t) && w.ferry.get(t).serving());
      }
      case ScaleWorkload sc when s.state().phase() != AdoptionPhase.RollingBack -> {
        long live = w.adopted.values().stream().filter(a -> a.view().live()).count();
        assertThat(sc.replicas()).isEqualTo(live - 1);
        String victim = "emqx-" + sc.replicas();
        assertThat(w.drains.getOrDefault(victim, DrainView.NOT_STARTED).state()).isEqualTo(DrainView.State.FINISHED);
      }
      case ScaleWorkload sc -> assertThat(sc.replicas()).isEqualTo(3);
      default -> { }
    }
  }

  static void apply(World w, AdoptionStep s, List<String> removed) {
    switch (s.action()) {
      case Record rec -> w.recorded();
      case SwitchService sw -> w.switched = sw.toFerry();
      case ScaleWorkload sc -> w.workloadReplicas = sc.replicas();
      case Finish f -> {
        w.finalizer = false;
        if (f.restore()) {
          w.recorded = null;
          w.serviceRecorded = false;
        }
      }
      case Release(EnsureRevisionSet e) -> {
        if (w.ferrySet == null) {
          w.ferryPods(e.replicas(), false, null); // starting: ready a few passes later (cluster())
        }
        w.ferrySet = new dev.ferry.core.release.RevisionSetView("r1", e.replicas(), AdoptionPlanTest.T0);
      }
      case Release(SetGates g) -> g.gates().forEach((pod, open) -> w.ferry.put(pod, w.ferry.get(pod).withGate(open, w.now)));
      case Release(StartDrain d) -> w.drains.put(d.pod(), new DrainView(DrainView.State.RUNNING, "evicting_conns", 10, 10,
          w.now, -1, w.now));
      case Release(StopDrain d) -> w.drains.remove(d.pod());
      case Release(dev.ferry.core.release.Action.DeletePod d) -> w.ferry.put(d.pod(), gone(w.ferry.get(d.pod())));
      default -> { }
    }
  }

  /** What Kubernetes and EMQX do between passes, each taking its time. */
  static void cluster(World w, Random r, Map<String, Integer> drainPasses, Map<String, Integer> terminating,
      List<String> removed) {
    w.ferry.replaceAll((name, p) -> p.live() && !p.containersReady() && r.nextInt(3) == 0
        ? new PodView(name, "r1", true, p.gate(), p.gateChangedAt(), w.now, false, false) : p);
    w.drains.replaceAll((pod, d) -> d.state() == DrainView.State.RUNNING && drainPasses.merge(pod, 1, Integer::sum) > 2
        ? new DrainView(DrainView.State.FINISHED, "prohibiting", 0, 0, d.startedAt(), -1, w.now) : d);
    // The StatefulSet: condemned ordinals go Terminating, then away; missing ones come back (a rollback).
    for (AdoptedPod a : List.copyOf(w.adopted.values())) {
      String name = a.view().name();
      if (a.ordinal() >= w.workloadReplicas && a.view().live()) {
        w.adopted.put(name, new AdoptedPod(gone(a.view()), a.ordinal()));
        terminating.put(name, 1 + r.nextInt(3));
      } else if (!a.view().live() && terminating.merge(name, -1, Integer::sum) <= 0) {
        w.adopted.remove(name);
        w.drains.remove(name);
        drainPasses.remove(name);
        terminating.remove(name);
        removed.add(name);
      }
    }
    boolean goingAway = w.adopted.values().stream().anyMatch(a -> !a.view().live());
    for (int i = 0; i < w.workloadReplicas && !goingAway; i++) {
      if (!w.adopted.containsKey("emqx-" + i)) {
        w.adopt("emqx-" + i, i);
        break;
      }
    }
  }

  static PodView gone(PodView p) {
    return new PodView(p.name(), p.revision(), p.containersReady(), p.gate(), p.gateChangedAt(), p.readyAt(), true,
        p.markedForDeletion());
  }
}
