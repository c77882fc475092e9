package dev.ferry.core.bluegreen;

import dev.ferry.core.release.Action;
import dev.ferry.core.release.Action.DeleteRevisionSets;
import dev.ferry.core.release.Action.EnsureRevisionSet;
import dev.ferry.core.release.Action.SetGates;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.PodRemoval;
import dev.ferry.core.release.PodRemoval.Move;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.Reason;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSets;
import dev.ferry.core.release.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The blue-green release as a pure function: observation in, the one next step out.
 *
 * <h2>The algorithm</h2>
 *
 * Call T the template's revision now, C the status' current revision (the one that completed last)
 * and U its update revision (the one being rolled out). A pod is <em>ready</em> here when it can
 * take clients over ({@link PodView#canTakeOver()}): its containers are ready and, for a clustered
 * broker, the drainer sees its node as a running member of the cluster in every pod's view. EMQX's
 * readiness probe answers 200 before a node has joined, so containers alone do not say it.
 *
 * <ul>
 *   <li><b>Start.</b> Not releasing and T ≠ C: U := T, phase Provisioning. Releasing and T ≠ U (the
 *       template changed again): U := T and provisioning starts over. When T = C that is a
 *       <em>rollback</em>: C's set is brought back to full size, then the same switch and drain
 *       follow with C as the target, so capacity never drops and no client is dropped twice.
 *   <li><b>Provisioning.</b> Stop any drain running on a pod of U (after a rollback, the pod that
 *       was being drained is wanted again). Scale U's set up to {@code replicas}; its pods start
 *       with the gate False, so they get no clients. When all are ready: AwaitingPromotion if
 *       {@code autoPromote} is off and U is not promoted (a rollback needs no promotion), otherwise
 *       Switching. New pods that are up but not in the cluster keep the release here, and the
 *       message names them. If the deadline passes first: Aborted — unless this is a rollback, whose target
 *       is the known-good version; then the release is only reported stalled, since the pods that
 *       serve keep serving.
 *   <li><b>Switching.</b> One action sets the gate True on every ready pod of U and False on every
 *       other pod (the reconciler applies True before False). Then Settling.
 *   <li><b>Settling.</b> Wait {@code initialDelay} so load balancers catch up. Then Draining.
 *   <li><b>Draining.</b> The victims are the live pods not of U. While U's set is not fully ready
 *       no drain starts (clients must not be pushed to a set that cannot take them). Otherwise
 *       one victim at a time evicts through {@link PodRemoval} — or {@code drain.parallel} of them,
 *       each a share of a second from the others in EMQX's once-a-second ticks: drain to U's ready
 *       pods (never to "any node": a drain with no target is not started), then delete. A drain
 *       waiting for its takeovers no longer counts, so the next starts beside it. No victim left:
 *       Healthy, C := U.
 *   <li><b>Aborted.</b> The gates of U's pods stay False and U's set goes to zero; the pods that
 *       served keep serving. Aborted stays until the template changes.
 *   <li><b>Healthy / Degraded</b> (steady). Keep C's set at {@code replicas}, open the gate of every
 *       ready pod of C, stop stray drains, remove surplus pods (scale-down) and leftovers of other
 *       revisions the same lossless way, and delete empty sets beyond the history limit. Degraded
 *       when fewer than {@code replicas} pods serve.
 *   <li><b>First deployment</b> (no C yet): create T's set and open each pod's gate as soon as it
 *       is ready, since there is nothing to protect; Healthy when all serve.
 * </ul>
 *
 * Every step is decided from what is observed, so a pass that crashed halfway is simply decided
 * again: actions carry absolute targets and are safe to repeat.
 */
public final class BlueGreenPlan {

  /** How often provisioning looks at the pods when no event arrives. */
  static final Duration POD_POLL = Duration.ofSeconds(5);

  private BlueGreenPlan() {}

  public static Step next(BlueGreenObservation o) {
    ReleaseStatus s = o.status();
    String target = o.targetRevision();
    if (s.currentRevision() == null) {
      return firstDeployment(o);
    }
    if (!s.phase().releasing()) {
      if (target.equals(s.currentRevision())) {
        return steady(o);
      }
      if (s.phase() == Phase.Aborted && target.equals(s.updateRevision())) {
        return aborted(o);
      }
      return start(o, Reason.ReleaseStarted);
    }
    if (!target.equals(s.updateRevision())) {
      return start(o, target.equals(s.currentRevision()) ? Reason.RollingBack : Reason.Retargeted);
    }
    return switch (s.phase()) {
      case Provisioning, AwaitingPromotion -> provisioning(o);
      case Switching -> switching(o);
      case Settling -> settling(o);
      case Draining -> draining(o);
      default -> throw new IllegalStateException("not a release phase: " + s.phase());
    };
  }

  // ---- start ----

  private static Step start(BlueGreenObservation o, Reason why) {
    ReleaseStatus started =
        new ReleaseStatus(Phase.Provisioning, o.status().currentRevision(), o.targetRevision(), o.now());
    Step first = provisioning(withStatus(o, started));
    String message =
        switch (why) {
          case RollingBack -> "rolling back to " + o.targetRevision() + "; " + first.message();
          case Retargeted -> "the template changed again, now releasing " + o.targetRevision() + "; " + first.message();
          default -> "releasing " + o.targetRevision() + "; " + first.message();
        };
    return new Step(first.action(), first.status(), why, message, first.stalled(), first.drainPod());
  }

  // ---- Provisioning and AwaitingPromotion ----

  private static Step provisioning(BlueGreenObservation o) {
    ReleaseStatus s = o.status();
    String u = s.updateRevision();
    PodRemoval.Context c = context(o);
    Optional<Move> stray = PodRemoval.stopStrayDrain(victimNames(o, u), c);
    if (stray.isPresent()) {
      return step(stray.get(), s);
    }
    Optional<Step> grow = ensureSize(o, u, s);
    if (grow.isPresent()) {
      return grow.get();
    }
    long ready = readyOf(o, u);
    int want = o.spec().replicas();
    boolean rollback = u.equals(s.currentRevision());
    Optional<PodView> undrainable = ready >= want ? undrainable(o, u) : Optional.empty();
    if (ready >= want && undrainable.isEmpty()) {
      return readyToSwitch(o, rollback);
    }
    String why = undrainable.map(p -> "; not switching: the drainer cannot drain " + p.name() + " ("
        + o.drains().get(p.name()).detail() + ")").orElse(notInCluster(o, u));
    Reason reason = undrainable.map(p -> o.drains().get(p.name()).state() == DrainView.State.REFUSED
            ? Reason.DrainRefused : Reason.DrainerUnreachable)
        .orElse(why.isEmpty() ? Reason.WaitingForPods : Reason.NotInCluster);
    if (s.phase() == Phase.AwaitingPromotion) {
      // Waiting for a person, who may take hours: reported, never aborted on a passing blip.
      return new Step(
          new Wait(o.now().plus(POD_POLL)), s, reason,
          ready + "/" + want + " pods of " + u + " ready while awaiting promotion" + why, undrainable.isPresent(), null);
    }
    Instant deadline = s.phaseStartedAt().plus(o.spec().progressDeadline());
    if (!o.now().isBefore(deadline)) {
      return pastDeadline(o, ready, undrainable.isPresent(), why);
    }
    return new Step(
        new Wait(earliest(deadline, o.now().plus(POD_POLL))), s, reason,
        ready + "/" + want + " pods of " + u + " ready" + why, undrainable.isPresent(), null);
  }

  /** Every pod of U can take clients over and every old pod can be drained: switch, or await promotion. */
  private static Step readyToSwitch(BlueGreenObservation o, boolean rollback) {
    ReleaseStatus s = o.status();
    String u = s.updateRevision();
    int want = o.spec().replicas();
    if (s.phase() == Phase.AwaitingPromotion && (o.spec().autoPromote() || rollback || u.equals(o.promotedRevision()))) {
      return new Step(
          new Wait(o.now()), next(s, Phase.Switching, o.now()), Reason.Promoted,
          "all " + want + " pods of " + u + " are ready; switching", false, null);
    }
    if (o.spec().autoPromote() || rollback || u.equals(o.promotedRevision())) {
      // Switched in this pass: a pass of its own for the phase change would cost the new pods a
      // reconcile's time before they take clients (resumable all the same: a switch whose status
      // was not written is found done and not redone).
      return switching(withStatus(o, next(s, Phase.Switching, o.now())));
    }
    return new Step(
        new Wait(o.now().plusSeconds(30)), next(s, Phase.AwaitingPromotion, o.now()),
        Reason.AwaitingPromotion,
        "all " + want + " pods of " + u + " are ready; waiting for promotion (ferry promote)",
        false, null);
  }

  /**
   * The deadline passed before the switch: a forward release aborts (the old pods keep serving); a
   * rollback, whose target is the known-good version, is only reported late.
   */
  private static Step pastDeadline(BlueGreenObservation o, long ready, boolean undrainable, String why) {
    ReleaseStatus s = o.status();
    String u = s.updateRevision();
    int want = o.spec().replicas();
    if (u.equals(s.currentRevision())) {
      return new Step(
          new Wait(o.now().plus(POD_POLL)), s, Reason.ProgressDeadlineExceeded,
          ready + "/" + want + " pods of " + u + " ready after the deadline" + why + "; rolling back"
              + " continues while the pods that serve keep serving",
          true, null);
    }
    ReleaseStatus abortedStatus = next(s, Phase.Aborted, o.now());
    Step cleanup = aborted(withStatus(o, abortedStatus));
    String what = undrainable
        ? "all " + want + " pods of " + u + " are ready but nothing could be switched within "
            + o.spec().progressDeadline().toSeconds() + "s" + why
        : "only " + ready + "/" + want + " pods of " + u + " became ready within "
            + o.spec().progressDeadline().toSeconds() + "s" + why;
    return new Step(
        cleanup.action(), abortedStatus, Reason.ProgressDeadlineExceeded,
        what + "; aborted, " + s.currentRevision() + " keeps serving", true, null);
  }

  /**
   * A pod the switch would leave to be drained whose drainer cannot be used now (unreachable, or
   * refusing: no evacuation API, credentials, permission). Switching commits to draining every such
   * pod, so the switch waits, and a release that cannot start its drains ends at the deadline with
   * the old pods still serving.
   */
  private static Optional<PodView> undrainable(BlueGreenObservation o, String u) {
    return live(o).stream()
        .filter(p -> !p.revision().equals(u) && p.containersReady())
        .filter(p -> o.drains().getOrDefault(p.name(), DrainView.NOT_STARTED).blocked())
        .min(Comparator.comparing(PodView::name));
  }

  // ---- Switching, Settling ----

  private static Step switching(BlueGreenObservation o) {
    ReleaseStatus s = o.status();
    String u = s.updateRevision();
    long ready = readyOf(o, u);
    if (ready < o.spec().replicas()) {
      return new Step(
          new Wait(o.now().plus(POD_POLL)), s, Reason.NewSetNotReady,
          "not switching: " + ready + "/" + o.spec().replicas() + " pods of " + u + " ready"
              + notInCluster(o, u),
          false, null);
    }
    Map<String, Boolean> flips = new LinkedHashMap<>();
    for (PodView p : live(o)) {
      boolean open = p.revision().equals(u) && p.canTakeOver();
      if (open ? !p.gateTrue() : !p.gateFalse()) {
        flips.put(p.name(), open);
      }
    }
    ReleaseStatus settling = next(s, Phase.Settling, o.now());
    if (flips.isEmpty()) {
      return new Step(new Wait(o.now()), settling, Reason.Settling, "switched to " + u, false, null);
    }
    return new Step(
        new SetGates(flips), settling, Reason.Switching,
        "switching: " + u + " takes new clients, the other pods take none", false, null);
  }

  private static Step settling(BlueGreenObservation o) {
    ReleaseStatus s = o.status();
    Instant until = s.phaseStartedAt().plus(o.spec().initialDelay());
    if (o.now().isBefore(until)) {
      return new Step(
          new Wait(until), s, Reason.Settling,
          "waiting " + o.spec().initialDelay().toSeconds() + "s after the switch before draining",
          false, null);
    }
    // The first drain starts in this pass, not one pass later.
    return draining(withStatus(o, next(s, Phase.Draining, o.now())));
  }

  // ---- Draining ----

  private static Step draining(BlueGreenObservation o) {
    ReleaseStatus s = o.status();
    String u = s.updateRevision();
    PodRemoval.Context c = context(o);
    List<PodView> victims = live(o).stream().filter(p -> !p.revision().equals(u)).toList();
    Optional<Move> stray = PodRemoval.stopStrayDrain(names(victims), c);
    if (stray.isPresent()) {
      return step(stray.get(), s);
    }
    if (victims.isEmpty()) {
      ReleaseStatus done = new ReleaseStatus(Phase.Healthy, u, u, o.now());
      return new Step(
          new Wait(o.now()), done, Reason.ReleaseComplete,
          "release of " + u + " complete: every old pod drained and deleted", false, null);
    }
    List<String> targets = servingOf(o, u);
    List<PodView> ordered = victims.stream().filter(PodView::live).sorted(PodRemoval.victimOrder(c)).toList();
    // Drains under way go on first; one whose drainer cannot be used is reported as such (it waits
    // there too, and that is what people must see first).
    UnderWay w = underWay(ordered, targets, c);
    if (w.act() != null) {
      return step(w.act(), s);
    }
    Move firstWait = w.shown();
    int parallel = o.spec().drain().parallel();
    Optional<PodView> next = ordered.stream().filter(v -> !underWay(v, c)).findFirst();
    if (w.evicting().size() >= parallel || next.isEmpty()) {
      return step(firstWait, s);
    }
    long ready = readyOf(o, u);
    if (ready < o.spec().replicas()) {
      return firstWait != null ? step(firstWait, s) : new Step(
          new Wait(o.now().plus(POD_POLL)), s, Reason.NewSetNotReady,
          "not draining: only " + ready + "/" + o.spec().replicas() + " pods of " + u
              + " are ready to take the clients over" + notInCluster(o, u),
          true, null);
    }
    List<Instant> phases = w.evicting().stream().map(v -> c.drainOf(v.name()).startedAt()).filter(java.util.Objects::nonNull)
        .toList();
    Instant nextStart = staggered(o.now(), phases, o.spec().drain().stagger());
    if (firstWait != null && o.now().isBefore(nextStart)) {
      // Drains that run side by side start a share of a second apart, so that their
      // once-a-second bursts interleave instead of landing together.
      return new Step(new Wait(earliest(nextStart, ((Wait) firstWait.action()).recheckAt())), s, firstWait.reason(),
          firstWait.message() + "; the next drain starts at " + nextStart, firstWait.stalled(), firstWait.drainPod());
    }
    // Each drain runs at its share of the rates: as many as will run side by side.
    long running = w.evicting().stream().filter(v -> c.drainOf(v.name()).state() == DrainView.State.RUNNING).count();
    long waiting = ordered.stream().filter(v -> !underWay(v, c)).count();
    int share = (int) Math.min(parallel, running + waiting);
    Move first = PodRemoval.next(next.get(), targets, share, c);
    return step(alongside(first, ordered, targets, share, parallel - w.evicting().size(), phases,
        o.spec().drain().stagger(), c), s);
  }

  /**
   * A drain's start with {@code places} for drains side by side: the victims after it that can start
   * now (in victim order, up to the first that cannot) start in the same step, each at the first
   * moment a stagger from every drain evicting and every start before it in the step ({@code
   * phases}: when the running ones started). On a busy cluster a pass takes seconds (it reads the
   * cluster and asks every broker); one start a pass left the last drains of seven starting a minute
   * late, each at its seventh of the rate. Anything but a start is the first move alone.
   */
  private static Move alongside(Move first, List<PodView> ordered, List<String> targets, int share, int places,
      List<Instant> phases, Duration stagger, PodRemoval.Context c) {
    if (places < 2 || !(first.action() instanceof Action.StartDrain start)) {
      return first;
    }
    List<Action.StartDrain> starts = new ArrayList<>(List.of(start));
    List<Instant> at = new ArrayList<>(List.of(c.now()));
    for (PodView v : ordered) {
      if (starts.size() >= places) {
        break;
      }
      if (v.name().equals(start.pod()) || underWay(v, c)) {
        continue;
      }
      if (!(PodRemoval.next(v, targets, share, c).action() instanceof Action.StartDrain more)) {
        break;
      }
      List<Instant> taken = new ArrayList<>(phases);
      taken.addAll(at);
      starts.add(more);
      at.add(staggered(at.get(at.size() - 1), taken, stagger));
    }
    if (starts.size() == 1) {
      return first;
    }
    List<String> pods = starts.stream().map(Action.StartDrain::pod).toList();
    List<Duration> offsets = at.stream().map(t -> Duration.between(c.now(), t)).toList();
    return new Move(new Action.StartDrains(starts, offsets), Reason.DrainStarted,
        "draining " + String.join(", ", pods) + " side by side (starting at "
            + offsets.stream().map(d -> "+" + d.toMillis()).collect(java.util.stream.Collectors.joining(", "))
            + " ms) to " + String.join(", ", start.migrateTo()), false, start.pod());
  }

  /**
   * The removals under way: the first move that acts, else what to show (a stalled drain first,
   * then one that still evicts), when to look again (the soonest due), and which take a place.
   */
  private record UnderWay(Move act, Move shown, List<PodView> evicting) {}

  private static UnderWay underWay(List<PodView> ordered, List<String> targets, PodRemoval.Context c) {
    Move shown = null;
    int shownRank = -1;
    Instant soonest = null;
    // Only removals that may still send clients away take a place: a drain waiting for its
    // takeovers or done lets the next start (its first burst comes a second or more after the last
    // one's), so the takeover waits overlap the next nodes' evictions. A pod deleted without such a
    // drain keeps its place until it is gone (its clients leave with it), and so does a stalled
    // drain: the release does not go on past a node that is stuck.
    List<PodView> evicting = new ArrayList<>();
    for (PodView v : ordered.stream().filter(p -> underWay(p, c)).toList()) {
      Move m = PodRemoval.next(v, targets, c);
      if (!(m.action() instanceof Wait w)) {
        return new UnderWay(m, null, List.of());
      }
      boolean holdsAPlace = m.stalled() || !c.drainOf(v.name()).clientsSentAway();
      if (holdsAPlace) {
        evicting.add(v);
      }
      int rank = m.stalled() ? 2 : holdsAPlace ? 1 : 0;
      if (rank > shownRank) {
        shown = m;
        shownRank = rank;
      }
      soonest = soonest == null || w.recheckAt().isBefore(soonest) ? w.recheckAt() : soonest;
    }
    if (shown != null) {
      shown = new Move(new Wait(soonest), shown.reason(), shown.message(), shown.stalled(), shown.drainPod());
    }
    return new UnderWay(null, shown, evicting);
  }

  /**
   * When the next of several side-by-side drains may start: the first moment from {@code now} whose
   * place in the second (EMQX ticks a second apart from a drain's start) is a stagger or more from
   * every evicting drain's, so that the bursts interleave (a drain that replaces one waiting for its
   * takeovers takes that one's place); the one farthest from them all when none is. Without another
   * evicting drain, now.
   */
  static Instant staggered(Instant now, List<Instant> starts, Duration stagger) {
    if (starts.isEmpty()) {
      return now;
    }
    Instant best = now;
    long bestGap = -1;
    for (long ms = 0; ms < 1000; ms += 10) {
      Instant t = now.plusMillis(ms);
      long gap = starts.stream().mapToLong(p -> {
        long x = Math.floorMod(Duration.between(p, t).toMillis(), 1000L);
        return Math.min(x, 1000 - x);
      }).min().orElse(1000);
      if (gap >= stagger.toMillis()) {
        return t;
      }
      if (gap > bestGap) {
        best = t;
        bestGap = gap;
      }
    }
    return best;
  }

  /** Whether a victim's removal is under way: draining, drained, marked, or its drainer blocked while it holds clients. */
  private static boolean underWay(PodView v, PodRemoval.Context c) {
    DrainView d = c.drainOf(v.name());
    return d.active() || v.markedForDeletion() || (d.blocked() && v.containersReady());
  }

  // ---- Aborted ----

  private static Step aborted(BlueGreenObservation o) {
    ReleaseStatus s = o.status();
    String u = s.updateRevision();
    PodRemoval.Context c = context(o);
    Map<String, Boolean> close = new LinkedHashMap<>();
    for (PodView p : live(o)) {
      if (p.revision().equals(u) && !p.gateFalse()) {
        close.put(p.name(), false);
      }
    }
    if (!close.isEmpty()) {
      return new Step(
          new SetGates(close), s, Reason.Aborting,
          "aborting: keeping " + u + " out of the Service", true, null);
    }
    Optional<Move> stray =
        PodRemoval.stopStrayDrain(
            o.pods().stream().filter(p -> !p.revision().equals(u) && !p.revision().equals(s.currentRevision()))
                .map(PodView::name).toList(),
            c);
    if (stray.isPresent()) {
      return step(stray.get(), s);
    }
    int size = setSize(o, u);
    if (size > 0) {
      return new Step(
          new EnsureRevisionSet(u, 0), s, Reason.Aborting,
          "aborting: scaling " + u + " to zero; " + s.currentRevision() + " keeps serving", true, null);
    }
    return new Step(
        new Wait(o.now().plusSeconds(60)), s, Reason.Aborted,
        "release of " + u + " aborted; " + s.currentRevision()
            + " serves. Change the template to release again", true, null);
  }

  // ---- Healthy, Degraded ----

  private static Step steady(BlueGreenObservation o) {
    ReleaseStatus s = o.status();
    String cur = s.currentRevision();
    int want = o.spec().replicas();
    PodRemoval.Context c = context(o);
    List<PodView> victims = steadyVictims(o, cur, c);
    Set<String> victimNames = names(victims);

    Optional<Move> stray = PodRemoval.stopStrayDrain(victimNames, c);
    if (stray.isPresent()) {
      return step(stray.get(), steadyStatus(o, cur));
    }
    Optional<Step> grow = ensureSize(o, cur, steadyStatus(o, cur));
    if (grow.isPresent()) {
      return grow.get();
    }
    Map<String, Boolean> open = new LinkedHashMap<>();
    for (PodView p : live(o)) {
      if (p.revision().equals(cur) && p.canTakeOver() && !p.gateTrue() && !p.heldOut()
          && !victimNames.contains(p.name())) {
        open.put(p.name(), true);
      }
    }
    if (!open.isEmpty()) {
      return new Step(
          new SetGates(open), steadyStatus(o, cur), Reason.GatesOpened,
          "opening the gate of ready pods: " + String.join(", ", open.keySet()), false, null);
    }
    Optional<PodView> victim = PodRemoval.pick(victims, c);
    if (victim.isPresent()) {
      List<String> to = servingOf(o, cur).stream().filter(n -> !victimNames.contains(n)).toList();
      return step(PodRemoval.next(victim.get(), to, c), steadyStatus(o, cur));
    }
    List<String> collectable =
        RevisionSets.collectable(o.revisionSets(), o.pods(), Set.of(cur), o.spec().revisionHistoryLimit());
    if (!collectable.isEmpty()) {
      return new Step(
          new DeleteRevisionSets(collectable), steadyStatus(o, cur), Reason.CollectingOldSets,
          "deleting revision sets beyond the history limit: " + String.join(", ", collectable),
          false, null);
    }
    ReleaseStatus st = steadyStatus(o, cur);
    long serving = live(o).stream().filter(p -> p.revision().equals(cur) && p.serving()).count();
    return new Step(
        new Wait(o.now().plusSeconds(60)), st,
        st.phase() == Phase.Healthy ? Reason.Steady : Reason.NotEnoughPods,
        serving + "/" + want + " pods of " + cur + " serving", false, null);
  }

  /** Pods to remove in a steady state: leftovers of other revisions, then surplus pods of C. */
  private static List<PodView> steadyVictims(BlueGreenObservation o, String cur, PodRemoval.Context c) {
    List<PodView> victims = new ArrayList<>();
    List<PodView> mine = new ArrayList<>();
    for (PodView p : live(o)) {
      (p.revision().equals(cur) ? mine : victims).add(p);
    }
    // Surplus after a scale-down: keep the serving pods, remove the rest first, then by name.
    long marked = mine.stream().filter(PodView::markedForDeletion).count();
    long surplus = mine.size() - marked - o.spec().replicas();
    mine.stream().filter(PodView::markedForDeletion).forEach(victims::add);
    mine.stream()
        .filter(p -> !p.markedForDeletion())
        .sorted(Comparator.comparing((PodView p) -> !c.drainOf(p.name()).active())
            .thenComparing(PodView::serving)
            .thenComparing(PodView::name, Comparator.reverseOrder()))
        .limit(Math.max(0, surplus))
        .forEach(victims::add);
    return victims;
  }

  private static ReleaseStatus steadyStatus(BlueGreenObservation o, String cur) {
    long serving = live(o).stream().filter(p -> p.revision().equals(cur) && p.available()).count();
    Phase phase = serving >= o.spec().replicas() ? Phase.Healthy : Phase.Degraded;
    return next(new ReleaseStatus(o.status().phase(), cur, cur, o.status().phaseStartedAt()), phase, o.now());
  }

  // ---- first deployment ----

  private static Step firstDeployment(BlueGreenObservation o) {
    String t = o.targetRevision();
    ReleaseStatus s = o.status();
    ReleaseStatus st =
        t.equals(s.updateRevision()) && s.phaseStartedAt() != null
            ? s
            : new ReleaseStatus(Phase.Provisioning, null, t, o.now());
    Optional<Step> grow = ensureSize(o, t, st);
    if (grow.isPresent()) {
      return grow.get();
    }
    Map<String, Boolean> open = new LinkedHashMap<>();
    for (PodView p : live(o)) {
      if (p.revision().equals(t) && p.canTakeOver() && !p.gateTrue()) {
        open.put(p.name(), true);
      }
    }
    if (!open.isEmpty()) {
      return new Step(
          new SetGates(open), st, Reason.GatesOpened,
          "first deployment: opening the gate of ready pods " + String.join(", ", open.keySet()),
          false, null);
    }
    long serving = live(o).stream().filter(p -> p.revision().equals(t) && p.serving()).count();
    if (serving >= o.spec().replicas()) {
      // Leftovers of a revision that was replaced before it ever completed are removed in steady state.
      return new Step(
          new Wait(o.now()), new ReleaseStatus(Phase.Healthy, t, t, o.now()), Reason.ReleaseComplete,
          "first deployment of " + t + " complete", false, null);
    }
    boolean late = !o.now().isBefore(st.phaseStartedAt().plus(o.spec().progressDeadline()));
    return new Step(
        new Wait(o.now().plus(POD_POLL)), st,
        late ? Reason.ProgressDeadlineExceeded : Reason.WaitingForPods,
        serving + "/" + o.spec().replicas() + " pods of " + t + " serving" + notInCluster(o, t), late, null);
  }

  // ---- helpers ----

  private static Optional<Step> ensureSize(BlueGreenObservation o, String revision, ReleaseStatus s) {
    int want = o.spec().replicas();
    boolean exists = o.revisionSets().stream().anyMatch(r -> r.revision().equals(revision));
    int size = setSize(o, revision);
    if (exists && size >= want) {
      return Optional.empty();
    }
    // Only ever scale up here: lower counts come from PodRemoval, one drained pod at a time.
    long marked = live(o).stream().filter(p -> p.revision().equals(revision) && p.markedForDeletion()).count();
    if (exists && marked > 0) {
      return Optional.empty();
    }
    return Optional.of(
        new Step(
            new EnsureRevisionSet(revision, want), s,
            exists ? Reason.ScalingUp : Reason.CreatingRevisionSet,
            (exists ? "scaling " + revision + " from " + size + " to " : "creating revision set " + revision + " with ")
                + want + " pods",
            false, null));
  }

  private static Set<String> victimNames(BlueGreenObservation o, String u) {
    return names(live(o).stream().filter(p -> !p.revision().equals(u)).toList());
  }

  private static Set<String> names(List<PodView> pods) {
    Set<String> n = new java.util.TreeSet<>();
    pods.forEach(p -> n.add(p.name()));
    return n;
  }

  private static List<PodView> live(BlueGreenObservation o) {
    return o.pods().stream().filter(PodView::live).toList();
  }

  /** Pods of the revision that could take clients now: ready, and members of the cluster. */
  private static long readyOf(BlueGreenObservation o, String revision) {
    return live(o).stream().filter(p -> p.revision().equals(revision) && p.canTakeOver() && !p.markedForDeletion()).count();
  }

  /** The pods a drain may send clients to: only those that can take them over now. */
  private static List<String> servingOf(BlueGreenObservation o, String revision) {
    return live(o).stream()
        .filter(p -> p.revision().equals(revision) && p.canTakeOver())
        .map(PodView::name)
        .sorted()
        .toList();
  }

  /**
   * "; not in the cluster yet: a (why), b (why)" for the revision's ready pods that the drainer
   * says cannot take clients over yet, or "" when there are none.
   */
  private static String notInCluster(BlueGreenObservation o, String revision) {
    return PodView.notInClusterNote(live(o).stream().filter(p -> p.revision().equals(revision)).toList());
  }

  private static int setSize(BlueGreenObservation o, String revision) {
    return RevisionSets.size(o.revisionSets(), revision);
  }

  private static PodRemoval.Context context(BlueGreenObservation o) {
    return new PodRemoval.Context(
        o.pods(), o.revisionSets(), o.drains(), o.spec().drain(), Set.of(), Duration.ZERO, o.now());
  }

  private static Step step(Move m, ReleaseStatus s) {
    return new Step(m.action(), s, m.reason(), m.message(), m.stalled(), m.drainPod());
  }

  private static ReleaseStatus next(ReleaseStatus s, Phase phase, Instant now) {
    if (s.phase() == phase) {
      return s;
    }
    return new ReleaseStatus(phase, s.currentRevision(), s.updateRevision(), now);
  }

  private static BlueGreenObservation withStatus(BlueGreenObservation o, ReleaseStatus s) {
    return new BlueGreenObservation(
        o.spec(), o.targetRevision(), o.promotedRevision(), s, o.revisionSets(), o.pods(), o.drains(), o.now());
  }

  private static Instant earliest(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
