package dev.ferry.core.adoption;

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
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.PodRemoval;
import dev.ferry.core.release.PodRemoval.Move;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.Reason;
import dev.ferry.core.release.RevisionSetView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Taking over a running StatefulSet or Deployment without a restart, as a pure function:
 * observation in, the one next step out (docs/adopt.md).
 *
 * <h2>The algorithm</h2>
 *
 * Call R the adoption's revision (the template's when it started) and n {@code spec.replicas}.
 *
 * <ul>
 *   <li><b>Start.</b> Before anything changes, {@link Record} what will change: the finalizer, the
 *       workload's replicas, the Service's selector. Then Provisioning.
 *   <li><b>Provisioning.</b> R's set at n, gates closed: the new pods match the Service's selector
 *       but are not Ready, so they get no client. When all n can take clients over (ready and in
 *       the cluster): Switching. Past the progress deadline: RollingBack.
 *   <li><b>Switching.</b> Open every gate of R's pods (True before the selector changes, so the
 *       endpoints never go empty), then the Service's selector gains ferry.dev/deployment: the
 *       adopted pods leave it. Then Settling.
 *   <li><b>Settling.</b> {@code initialDelay}, and until the Service's EndpointSlices list none of
 *       the adopted pods (the proxies follow the slices, not the selector: a client drained while
 *       one still lists an adopted pod could land there and be moved again). Then Draining.
 *   <li><b>Draining.</b> One adopted pod at a time, through {@link PodRemoval} (drain to R's
 *       serving pods, never blind; stalls reported), and only while all n of R's pods serve. A
 *       StatefulSet's victim is its highest ordinal; once drained the StatefulSet goes to that
 *       ordinal's count, and its controller removes exactly that pod (a StatefulSet pod deleted
 *       directly would be created again at once). A Deployment's victim gets pod-deletion-cost
 *       -99999 and its Deployment one replica less. The next victim waits until the last is gone.
 *       A pod of R that comes back meanwhile (its ReplicaSet replaced one) gets its gate opened.
 *       None left: the workload at zero, deleted if asked, the finalizer removed: Completed.
 *   <li><b>RollingBack</b> (an abort of R, the deadline, the LosslessDeployment deleted): stop the
 *       adopted pods' drains, bring the workload back to its recorded replicas and wait until
 *       they all can take clients, restore the Service's selector, close R's gates, settle
 *       {@code initialDelay} and until the EndpointSlices list none of R's pods (as after any
 *       switch), drain R's pods
 *       to the adopted ones one at a time and delete them, R's set to zero, remove the annotations
 *       and the finalizer: RolledBack.
 *   <li><b>RolledBack</b> stays until the template names another revision, which starts again.
 * </ul>
 *
 * Every step is decided from what is observed and carries absolute targets, so a pass that
 * crashed halfway is simply decided again.
 */
public final class AdoptionPlan {

  /** The revision the plans see adopted pods under (they carry no ferry.dev/revision). */
  public static final String ADOPTED = "adopted";
  static final Duration POLL = Duration.ofSeconds(1);
  static final Duration POD_POLL = Duration.ofSeconds(5);
  /** How long the endpoints may list a pod the adoption moves clients away from before the wait is stalled. */
  static final Duration ENDPOINTS_STALL = Duration.ofSeconds(60);

  private AdoptionPlan() {}

  /**
   * The revision the adoption works on: the one it started with, or the template's when it has not
   * started or starts again after a rollback.
   */
  public static String revision(State state, String templateRevision) {
    return state == null || state.revision() == null
        || (state.phase() == AdoptionPhase.RolledBack && !state.revision().equals(templateRevision))
        ? templateRevision : state.revision();
  }

  public static AdoptionStep next(AdoptionObservation o) {
    State s = o.state();
    boolean restart = s != null && s.phase() == AdoptionPhase.RolledBack && !o.templateRevision().equals(s.revision());
    if (s == null || restart) {
      // An abort or a deletion before anything was recorded as started: undo what may have been
      // recorded (a pass that crashed after its Record), start nothing.
      return o.rollbackRequested()
          ? rollingBack(with(o, new State(AdoptionPhase.RollingBack, o.templateRevision(), o.now())))
          : start(o);
    }
    if (s.phase() == AdoptionPhase.RolledBack || s.phase() == AdoptionPhase.Completed) {
      return over(o);
    }
    if (o.rollbackRequested() && s.phase() != AdoptionPhase.RollingBack) {
      return rollBack(o, Reason.RollingBack, "rolling back the adoption");
    }
    return switch (s.phase()) {
      case Provisioning -> provisioning(o);
      case Switching -> switching(o);
      case Settling -> settling(o);
      case Draining -> draining(o);
      case RollingBack -> rollingBack(o);
      default -> throw new IllegalStateException("not a running phase: " + s.phase());
    };
  }

  // ---- start and Provisioning ----

  private static AdoptionStep start(AdoptionObservation o) {
    State started = new State(AdoptionPhase.Provisioning, o.templateRevision(), o.now());
    AdoptionObservation from = with(o, started);
    if (!recorded(o)) {
      return step(new Record(), started, Reason.AdoptionStarted, "taking over " + workload(o)
          + ": recorded its replicas and the Service's selector; Ferry's pods of " + started.revision() + " come next");
    }
    return provisioning(from);
  }

  private static AdoptionStep provisioning(AdoptionObservation o) {
    State s = o.state();
    if (!recorded(o)) {
      return step(new Record(), s, Reason.AdoptionStarted, "recording what the adoption changes");
    }
    int want = o.spec().replicas();
    if (o.ferrySet() == null || o.ferrySet().replicas() != want) {
      return step(new Release(new EnsureRevisionSet(s.revision(), want)), s, Reason.CreatingRevisionSet,
          "starting " + want + " pods of " + s.revision() + " beside the adopted ones, gates closed");
    }
    long ready = ferryLive(o).filter(PodView::canTakeOver).count();
    if (ready >= want) {
      State next = new State(AdoptionPhase.Switching, s.revision(), o.now());
      return step(new Release(new Wait(o.now())), next, Reason.Switching,
          "all " + want + " pods of " + s.revision() + " are ready and in the cluster; switching");
    }
    Instant deadline = s.phaseStartedAt().plus(o.spec().progressDeadline());
    String note = PodView.notInClusterNote(o.ferryPods());
    if (!o.now().isBefore(deadline)) {
      return rollBack(o, Reason.ProgressDeadlineExceeded, ready + "/" + want + " pods of " + s.revision()
          + " ready after " + o.spec().progressDeadline().toSeconds() + "s" + note + "; rolling back the adoption");
    }
    Instant recheck = deadline.isBefore(o.now().plus(POD_POLL)) ? deadline : o.now().plus(POD_POLL);
    return step(new Release(new Wait(recheck)), s, note.isEmpty() ? Reason.WaitingForPods : Reason.NotInCluster,
        ready + "/" + want + " pods of " + s.revision() + " ready" + note);
  }

  // ---- Switching and Settling ----

  private static AdoptionStep switching(AdoptionObservation o) {
    State s = o.state();
    int want = o.spec().replicas();
    List<PodView> able = ferryLive(o).filter(PodView::canTakeOver).toList();
    if (!o.service().switched() && able.size() < want) {
      // A pod of R went away before the switch: nothing changed yet, provisioning waits for it.
      State back = new State(AdoptionPhase.Provisioning, s.revision(), o.now());
      return step(new Release(new Wait(o.now())), back, Reason.NewSetNotReady,
          able.size() + "/" + want + " pods of " + s.revision() + " can take clients; provisioning again");
    }
    Map<String, Boolean> open = new LinkedHashMap<>();
    able.stream().filter(p -> !p.gateTrue()).forEach(p -> open.put(p.name(), true));
    if (!open.isEmpty()) {
      return step(new Release(new SetGates(open)), s, Reason.Switching,
          "opening the gates of " + String.join(", ", open.keySet()) + " before the Service's selector changes");
    }
    if (!o.service().switched()) {
      return step(new SwitchService(true), s, Reason.ServiceSwitched, "the Service's selector gains "
          + "ferry.dev/deployment: new clients go to Ferry's pods only, the adopted pods keep theirs");
    }
    State next = new State(AdoptionPhase.Settling, s.revision(), o.now());
    return step(new Release(new Wait(o.now().plus(o.spec().initialDelay()))), next, Reason.Settling,
        "switched; waiting " + o.spec().initialDelay().toSeconds() + "s before the first adopted pod is drained");
  }

  private static AdoptionStep settling(AdoptionObservation o) {
    State s = o.state();
    Instant until = s.phaseStartedAt().plus(o.spec().initialDelay());
    if (o.now().isBefore(until)) {
      return step(new Release(new Wait(until)), s, Reason.Settling, "switched; settling until " + until);
    }
    Optional<AdoptionStep> listed = awaitEndpoints(o, o.adopted().stream().map(AdoptedPod::view), until,
        "before the first adopted pod is drained");
    if (listed.isPresent()) {
      return listed.get();
    }
    return draining(with(o, new State(AdoptionPhase.Draining, s.revision(), o.now())));
  }

  // ---- Draining ----

  private static AdoptionStep draining(AdoptionObservation o) {
    State s = o.state();
    Map<String, Boolean> open = new LinkedHashMap<>();
    ferryLive(o).filter(p -> p.canTakeOver() && !p.gateTrue()).forEach(p -> open.put(p.name(), true));
    if (!open.isEmpty()) {
      // A pod of R that came back (its ReplicaSet replaced one) serves as soon as it can.
      return step(new Release(new SetGates(open)), s, Reason.GatesOpened,
          "opening the gates of " + String.join(", ", open.keySet()) + ": Ferry's pods serve");
    }
    List<AdoptedPod> live = o.adopted().stream().filter(p -> p.view().live()).toList();
    Optional<AdoptedPod> going = o.adopted().stream().filter(p -> !p.view().live()).findFirst();
    if (going.isPresent()) {
      return step(new Release(new Wait(o.now().plus(POLL))), s, Reason.WaitingForPodRemoval,
          "waiting for " + workload(o) + " to remove " + going.get().view().name());
    }
    if (live.isEmpty()) {
      return finish(o);
    }
    int want = o.spec().replicas();
    List<String> targets = ferryLive(o).filter(p -> p.serving() && p.canTakeOver()).map(PodView::name).sorted().toList();
    AdoptedPod victim = victim(o, live);
    PodRemoval.Context c = removalContext(o, adoptedViews(o), new RevisionSetView(ADOPTED, o.workload().replicas(), null));
    boolean resuming = c.drainOf(victim.view().name()).active();
    if (targets.size() < want && !resuming) {
      // Clients must not be pushed to a set that cannot take them all.
      return stalledStep(new Release(new Wait(o.now().plus(POD_POLL))), s, Reason.NewSetNotReady, targets.size() + "/"
          + want + " pods of " + s.revision() + " serve; no adopted pod is drained until all do", null);
    }
    Move m = PodRemoval.next(adoptedView(o, victim), targets, c);
    if (m.action() instanceof DeletePod d) {
      boolean sts = o.spec().kind() == Kind.StatefulSet;
      Optional<AdoptedPod> unready = live.stream()
          .filter(p -> !p.view().name().equals(d.pod()) && !p.view().containersReady()).findFirst();
      if (!sts && unready.isPresent()) {
        // A ReplicaSet removes a pod that is not Ready before it looks at pod-deletion-cost: it would
        // take that one, with what it may hold, and leave the drained one.
        return stalledStep(new Release(new Wait(o.now().plus(POD_POLL))), s, Reason.WaitingForPodRemoval,
            "not scaling " + workload(o) + " down: " + unready.get().view().name() + " is not Ready, and its "
                + "ReplicaSet would remove it before the drained " + d.pod(), d.pod());
      }
      int replicas = sts ? victim.ordinal() : d.revisionSetReplicas();
      String how = sts ? "its controller removes the highest ordinal, " + d.pod() : d.pod() + " is marked to go first";
      return new AdoptionStep(new ScaleWorkload(replicas, sts ? null : d.pod()), s, Reason.DeletingPod,
          "scaling " + workload(o) + " to " + replicas + ": " + how + " (drained)", false, d.pod(), d.pod());
    }
    String message = m.reason() == Reason.WaitingForPodRemoval
        ? "waiting for " + workload(o) + " to remove " + victim.view().name() : m.message();
    return new AdoptionStep(new Release(m.action()), s, m.reason(), message, m.stalled(), m.drainPod(), null);
  }

  /** A drain that runs first (resumed after a restart); then a StatefulSet's highest ordinal. */
  private static AdoptedPod victim(AdoptionObservation o, List<AdoptedPod> live) {
    Comparator<AdoptedPod> order = Comparator.comparing(p -> !o.drains().getOrDefault(p.view().name(),
        dev.ferry.core.release.DrainView.NOT_STARTED).active());
    order = o.spec().kind() == Kind.StatefulSet
        ? order.thenComparing(AdoptedPod::ordinal, Comparator.reverseOrder())
        : order.thenComparing(p -> !p.view().markedForDeletion()).thenComparing(p -> p.view().name());
    return live.stream().min(order).orElseThrow();
  }

  private static AdoptionStep finish(AdoptionObservation o) {
    State s = o.state();
    if (o.workload().exists() && o.workload().replicas() != 0) {
      return step(new ScaleWorkload(0, null), s, Reason.DeletingPod, "scaling " + workload(o) + " to 0: no pod left");
    }
    if (o.workload().exists() && o.spec().deleteAfterwards()) {
      return step(new DeleteWorkload(), s, Reason.AdoptionComplete, "deleting " + workload(o) + ": at zero replicas");
    }
    State done = new State(AdoptionPhase.Completed, s.revision(), o.now());
    return step(new Finish(false), done, Reason.AdoptionComplete, "adopted: every client of " + workload(o)
        + " is on Ferry's pods of " + s.revision() + (o.spec().deleteAfterwards() ? "; the workload is deleted"
        : "; the workload is left at zero replicas"));
  }

  // ---- RollingBack ----

  private static AdoptionStep rollBack(AdoptionObservation o, Reason why, String message) {
    State back = new State(AdoptionPhase.RollingBack, o.state().revision(), o.now());
    AdoptionStep first = rollingBack(with(o, back));
    return new AdoptionStep(first.action(), first.state(), why, message + "; " + first.message(), first.stalled(),
        first.drainPod(), first.removedPod());
  }

  private static AdoptionStep rollingBack(AdoptionObservation o) {
    State s = o.state();
    List<PodView> ferry = ferryLive(o).toList();
    PodRemoval.Context c = removalContext(o, Stream.concat(o.ferryPods().stream(), adoptedViews(o).stream()).toList(),
        o.ferrySet() == null ? new RevisionSetView(s.revision(), 0, null) : o.ferrySet());
    Optional<Move> stray = PodRemoval.stopStrayDrain(ferry.stream().map(PodView::name).toList(), c);
    if (stray.isPresent()) {
      return new AdoptionStep(new Release(stray.get().action()), s, Reason.DrainStopped,
          stray.get().message() + " (the adoption rolls back)", false, null, null);
    }
    Optional<AdoptionStep> restored = restoreWorkload(o);
    if (restored.isPresent()) {
      return restored.get();
    }
    if (o.service().switched()) {
      return step(new SwitchService(false), s, Reason.ServiceRestored,
          "the Service's selector is the recorded one again: the adopted pods take new clients");
    }
    Map<String, Boolean> close = new LinkedHashMap<>();
    ferry.stream().filter(p -> !p.gateFalse()).forEach(p -> close.put(p.name(), false));
    if (!close.isEmpty()) {
      return step(new Release(new SetGates(close)), s, Reason.GateClosed,
          "closing the gates of Ferry's pods: only the adopted pods get new clients");
    }
    Optional<AdoptionStep> settle = settleBeforeDrainingBack(o, ferry, c);
    if (settle.isPresent()) {
      return settle.get();
    }
    Optional<PodView> victim = PodRemoval.pick(ferry.stream().toList(), c);
    if (victim.isPresent()) {
      List<String> targets = o.adopted().stream().map(AdoptedPod::view).filter(PodView::canTakeOver)
          .map(PodView::name).sorted().toList();
      Move m = PodRemoval.next(victim.get(), targets, c);
      return new AdoptionStep(new Release(m.action()), s, m.reason(), m.message(), m.stalled(), m.drainPod(), null);
    }
    if (o.ferrySet() != null && o.ferrySet().replicas() != 0) {
      return step(new Release(new EnsureRevisionSet(s.revision(), 0)), s, Reason.Aborting, "Ferry's set to zero");
    }
    State done = new State(AdoptionPhase.RolledBack, s.revision(), o.now());
    return step(new Finish(true), done, Reason.AdoptionRolledBack, workload(o) + " serves as before the adoption;"
        + " its annotations and the Service's are removed");
  }

  /**
   * After the selector went back and Ferry's gates closed, {@code initialDelay} before the first of
   * Ferry's pods is drained, as after any switch: proxies that learn late would send the moved
   * clients to another of Ferry's pods, to be moved again. A drain that runs already goes on.
   */
  private static Optional<AdoptionStep> settleBeforeDrainingBack(AdoptionObservation o, List<PodView> ferry,
      PodRemoval.Context c) {
    boolean draining = ferry.stream().anyMatch(p -> c.drainOf(p.name()).active() || p.markedForDeletion());
    Instant closed = ferry.stream().map(PodView::gateChangedAt).filter(java.util.Objects::nonNull)
        .max(Comparator.naturalOrder()).orElse(null);
    if (draining || closed == null) {
      return Optional.empty();
    }
    Instant until = closed.plus(o.spec().initialDelay());
    if (o.now().isBefore(until)) {
      return Optional.of(step(new Release(new Wait(until)), o.state(), Reason.Settling,
          "the adopted pods serve again; waiting until " + until + " before Ferry's pods are drained back to them"));
    }
    return awaitEndpoints(o, ferry.stream(), until, "before Ferry's pods are drained back to the adopted ones");
  }

  /**
   * A wait while the Service's EndpointSlices still list one of {@code leaving} as serving: the
   * proxies follow the slices, and a client drained now could be sent to such a pod and moved
   * again (seen on the real control plane: a client moved three times in a rollback, sent to a
   * pod of Ferry's whose gate had closed but whose Ready had not yet followed). Past
   * {@link #ENDPOINTS_STALL} from {@code since} the wait is reported stalled (a warning event): a
   * slice that never drops a pod needs a person, not an endless quiet wait.
   */
  private static Optional<AdoptionStep> awaitEndpoints(AdoptionObservation o, Stream<PodView> leaving, Instant since,
      String when) {
    List<String> listed = leaving.filter(PodView::live).map(PodView::name)
        .filter(o.service().inEndpoints()::contains).sorted().toList();
    if (listed.isEmpty()) {
      return Optional.empty();
    }
    boolean stalled = o.now().isAfter(since.plus(ENDPOINTS_STALL));
    return Optional.of(new AdoptionStep(new Release(new Wait(o.now().plus(POLL))), o.state(), Reason.Settling,
        "the Service's endpoints still list " + String.join(", ", listed) + "; waiting for them to drop "
            + (listed.size() == 1 ? "it " : "them ") + when
            + (stalled ? " (for more than " + ENDPOINTS_STALL.toSeconds()
                + " s: is the EndpointSlice controller running?)" : ""),
        stalled, null, null));
  }

  /** The workload back at its recorded replicas, all of them able to take clients, before anything else. */
  private static Optional<AdoptionStep> restoreWorkload(AdoptionObservation o) {
    State s = o.state();
    if (!o.workload().exists()) {
      return Optional.of(stalledStep(new Release(new Wait(o.now().plus(POD_POLL))), s, Reason.RestoringWorkload,
          "cannot roll back: " + workload(o) + " is gone; Ferry's pods keep serving", null));
    }
    Integer recorded = o.workload().recordedReplicas();
    int want = recorded == null ? o.workload().replicas() : recorded;
    if (o.workload().replicas() != want) {
      return Optional.of(step(new ScaleWorkload(want, null), s, Reason.RestoringWorkload,
          "scaling " + workload(o) + " back to " + want));
    }
    List<PodView> adopted = o.adopted().stream().map(AdoptedPod::view).filter(PodView::live).toList();
    long able = adopted.stream().filter(PodView::canTakeOver).count();
    if (able < want || adopted.size() != want) {
      return Optional.of(step(new Release(new Wait(o.now().plus(POLL))), s, Reason.RestoringWorkload,
          able + "/" + want + " pods of " + workload(o) + " ready and in the cluster"
              + PodView.notInClusterNote(adopted)));
    }
    return Optional.empty();
  }

  // ---- over ----

  private static AdoptionStep over(AdoptionObservation o) {
    State s = o.state();
    if (o.finalizer()) {
      return step(new Finish(s.phase() == AdoptionPhase.RolledBack), s,
          s.phase() == AdoptionPhase.RolledBack ? Reason.AdoptionRolledBack : Reason.AdoptionComplete,
          "the adoption is over (" + s.phase() + ")");
    }
    String what = s.phase() == AdoptionPhase.Completed ? "adopted"
        : "rolled back: " + workload(o) + " serves as before; a change of the template adopts it again";
    return step(new Release(new Wait(o.now().plus(Duration.ofMinutes(1)))), s,
        s.phase() == AdoptionPhase.Completed ? Reason.AdoptionComplete : Reason.AdoptionRolledBack, what);
  }

  // ---- helpers ----

  private static boolean recorded(AdoptionObservation o) {
    return o.finalizer() && o.workload().recordedReplicas() != null && o.service().recorded();
  }

  private static Stream<PodView> ferryLive(AdoptionObservation o) {
    return o.ferryPods().stream().filter(PodView::live);
  }

  /**
   * An adopted pod as the shared removal sees it: under {@link #ADOPTED}, out of the Service since
   * the drain phase began (the Service's selector excludes it), marked when its controller was told
   * to remove it (a StatefulSet's ordinal at or above its replicas).
   */
  private static PodView adoptedView(AdoptionObservation o, AdoptedPod a) {
    PodView v = a.view();
    boolean marked = o.spec().kind() == Kind.StatefulSet ? a.ordinal() >= o.workload().replicas() : v.markedForDeletion();
    Instant out = o.state().phase() == AdoptionPhase.Draining ? o.state().phaseStartedAt() : null;
    return new PodView(v.name(), ADOPTED, v.containersReady(), false, out, v.readyAt(), v.terminating(), marked,
        false, v.notInCluster());
  }

  private static List<PodView> adoptedViews(AdoptionObservation o) {
    return o.adopted().stream().map(a -> adoptedView(o, a)).toList();
  }

  private static PodRemoval.Context removalContext(AdoptionObservation o, List<PodView> pods, RevisionSetView set) {
    List<RevisionSetView> sets = new ArrayList<>(List.of(set));
    return new PodRemoval.Context(pods, sets, o.drains(), o.spec().drain(), java.util.Set.of(), Duration.ZERO, o.now());
  }

  private static String workload(AdoptionObservation o) {
    return o.spec().kind() + " " + o.spec().name();
  }

  private static AdoptionObservation with(AdoptionObservation o, State s) {
    return new AdoptionObservation(o.spec(), o.templateRevision(), s, o.workload(), o.service(), o.finalizer(),
        o.ferrySet(), o.ferryPods(), o.adopted(), o.drains(), o.rollbackRequested(), o.now());
  }

  private static AdoptionStep step(AdoptionAction a, State s, Reason r, String message) {
    return new AdoptionStep(a, s, r, message, false, null, null);
  }

  private static AdoptionStep stalledStep(AdoptionAction a, State s, Reason r, String message, String drainPod) {
    return new AdoptionStep(a, s, r, message, true, drainPod, null);
  }
}
