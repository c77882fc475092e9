package dev.ferry.core.rolling;

import dev.ferry.core.release.Action.DeleteRevisionSets;
import dev.ferry.core.release.Action.EnsureRevisionSet;
import dev.ferry.core.release.Action.SetGates;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.DrainType;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.PodRemoval;
import dev.ferry.core.release.PodRemoval.Move;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.Reason;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSetView;
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
import java.util.TreeSet;

/**
 * The rolling release as a pure function: like a Deployment's rolling update, but an old pod only
 * leaves through {@link PodRemoval} (gate False, endpoints and proxies caught up, drained, deleted)
 * and a new pod only gets traffic once it is ready and {@code delayOnline} has passed.
 *
 * <h2>The algorithm</h2>
 *
 * With T the template's revision, R the replicas, S and U the resolved maxSurge and maxUnavailable
 * ({@link Fenceposts}):
 *
 * <ol>
 *   <li>Stop a drain that runs on a pod of T (a revert made it wanted again).
 *   <li><b>Surge.</b> While T's set is below R: the sets together may hold R + S pods, so T's set grows
 *       by what is left of that.
 *   <li><b>Online.</b> A pod of T whose containers have been ready for {@code delayOnline} gets its
 *       gate opened, once it can take clients over (a broker: a member of the cluster as every pod
 *       sees it). Drained clients only go to such pods.
 *   <li><b>Offline.</b> Pods being removed (gate closed or marked) move on through PodRemoval; with
 *       the {@code emqx} drainer only one drains at a time, with {@code http} and {@code none} they
 *       go in parallel.
 *   <li><b>Start a removal.</b> Victims are the old revisions' pods, then the surplus of T's. A victim
 *       that does not serve can go at once; one that serves only while the serving pods, minus the
 *       ones already on their way out, stay at R − U or more. Unhealthy victims go first. A pod
 *       whose gate opened less than {@code propagation} ago stays until everyone has seen it join.
 *   <li>No victim left and R pods of T serve: Healthy, and the current revision becomes T.
 * </ol>
 *
 * The deadline measures time without progress (a gate opened, a pod deleted), as Kubernetes' does;
 * when it passes the roll is reported stalled and goes on waiting: the old pods still serve.
 */
public final class RollingPlan {

  static final Duration POLL = Duration.ofSeconds(2);

  private RollingPlan() {}

  public static Step next(RollingObservation o) {
    RollingSpec spec = o.spec();
    Fenceposts f = spec.fenceposts();
    String t = o.targetRevision();
    ReleaseStatus s = status(o);
    PodRemoval.Context c =
        new PodRemoval.Context(
            o.pods(), o.revisionSets(), o.drains(), spec.drain(), o.endpointServing(),
            spec.propagation(), o.endpointsLeftAt(), o.now());
    List<PodView> live = o.pods().stream().filter(PodView::live).toList();
    List<PodView> victims = victims(o, live, c);
    Set<String> victimNames = new TreeSet<>();
    victims.forEach(v -> victimNames.add(v.name()));

    Optional<Move> stray = PodRemoval.stopStrayDrain(victimNames, c);
    if (stray.isPresent()) {
      return step(stray.get(), s);
    }

    // Surge: grow T's set within R + S pods in all sets.
    int targetSize = RevisionSets.size(o.revisionSets(), t);
    boolean exists = o.revisionSets().stream().anyMatch(r -> r.revision().equals(t));
    int allSets = o.revisionSets().stream().mapToInt(RevisionSetView::replicas).sum();
    int room = spec.replicas() + f.maxSurge() - allSets;
    int grow = Math.min(room, spec.replicas() - targetSize);
    boolean markedInTarget = live.stream().anyMatch(p -> p.revision().equals(t) && p.markedForDeletion());
    if (!exists || (grow > 0 && !markedInTarget)) {
      int size = targetSize + Math.max(grow, 0);
      return new Step(
          new EnsureRevisionSet(t, size), s,
          exists ? Reason.Surging : Reason.CreatingRevisionSet,
          (exists ? "growing " : "creating ") + t + " to " + size + " of " + spec.replicas()
              + " pods (maxSurge " + f.maxSurge() + ")",
          false, null);
    }

    // Online: open the gate of new pods that have been ready long enough.
    Map<String, Boolean> open = new LinkedHashMap<>();
    Instant nextOnline = null;
    for (PodView p : live) {
      if (!p.revision().equals(t) || !p.canTakeOver() || p.gateTrue() || p.heldOut()
          || victimNames.contains(p.name())) {
        continue;
      }
      Instant onlineAt = (p.readyAt() == null ? o.now() : p.readyAt()).plus(spec.delayOnline());
      if (o.now().isBefore(onlineAt)) {
        nextOnline = nextOnline == null || onlineAt.isBefore(nextOnline) ? onlineAt : nextOnline;
      } else {
        open.put(p.name(), true);
      }
    }
    if (!open.isEmpty()) {
      return new Step(
          new SetGates(open), progressed(s, o.now()), Reason.GatesOpened,
          "putting " + String.join(", ", open.keySet()) + " into service", false, null);
    }

    // Offline: pods already on their way out move on.
    List<String> migrateTo = migrateTo(live, victimNames, c);
    List<PodView> leaving = victims.stream().filter(p -> p.gateFalse() || p.markedForDeletion()).toList();
    boolean oneAtATime = spec.drain().type() == DrainType.EMQX;
    Move firstWait = null;
    Instant soonest = null;
    for (PodView v : leaving.stream().sorted(PodRemoval.victimOrder(c)).toList()) {
      Move m = PodRemoval.next(v, migrateTo, c);
      if (putBack(v, m, c)) {
        return step(new Move(new SetGates(Map.of(v.name(), true)), Reason.GatesOpened,
            "putting " + v.name() + " back into service: " + m.message(), true, null), s);
      }
      boolean startsAnotherDrain =
          m.action() instanceof dev.ferry.core.release.Action.StartDrain
              && oneAtATime
              && leaving.stream().anyMatch(p -> c.drainOf(p.name()).active());
      if (startsAnotherDrain) {
        continue;
      }
      if (!(m.action() instanceof Wait)) {
        ReleaseStatus next = m.action() instanceof dev.ferry.core.release.Action.DeletePod ? progressed(s, o.now()) : s;
        return step(m, next);
      }
      // Report the first wait, unless a later one is stuck (a drain endpoint that cannot be
      // reached): that is what people must see. Look again as soon as any of them is due.
      if (firstWait == null || (m.stalled() && !firstWait.stalled())) {
        firstWait = m;
      }
      if (m.action() instanceof Wait w && (soonest == null || w.recheckAt().isBefore(soonest))) {
        soonest = w.recheckAt();
      }
    }

    // Start a removal if availability allows it.
    long serving = live.stream().filter(PodView::serving).count();
    long servingLeaving = leaving.stream().filter(PodView::serving).count();
    long available = serving - servingLeaving;
    int minAvailable = spec.replicas() - f.maxUnavailable();
    Instant justJoinedUntil = null;
    for (PodView v : victims) {
      if (v.gateFalse() || v.markedForDeletion()) {
        continue;
      }
      Instant joined = v.gateTrue() && v.gateChangedAt() != null ? v.gateChangedAt().plus(spec.propagation()) : null;
      if (joined != null && o.now().isBefore(joined)) {
        // Its gate opened less than `propagation` ago: the EndpointSlice and the proxies may not
        // list it yet, and a slice that lists it only after the gate closed again would hide
        // when they really dropped it. It leaves once everyone has seen it join.
        justJoinedUntil = justJoinedUntil == null || joined.isBefore(justJoinedUntil) ? joined : justJoinedUntil;
        continue;
      }
      Optional<String> stuck = v.serving() ? cannotDrain(v, migrateTo, c) : Optional.empty();
      if (stuck.isPresent()) {
        // Its gate would close and nothing could empty it: it keeps serving, and the roll says why.
        Move held = new Move(new Wait(o.now().plus(POLL)), Reason.NoDrainTarget,
            "not taking " + v.name() + " out of service: " + stuck.get(), true, null);
        if (firstWait == null || !firstWait.stalled()) {
          firstWait = held;
        }
        break;
      }
      if (!v.serving() || available - 1 >= minAvailable) {
        return step(PodRemoval.next(v, migrateTo, c), s);
      }
      break; // victims are ordered: if this one may not go, a serving one after it may not either
    }

    if (victims.isEmpty()) {
      long servingTarget = live.stream().filter(p -> p.revision().equals(t) && p.serving()).count();
      if (servingTarget >= spec.replicas()) {
        List<String> collectable =
            RevisionSets.collectable(o.revisionSets(), o.pods(), Set.of(t), spec.revisionHistoryLimit());
        ReleaseStatus done = new ReleaseStatus(Phase.Healthy, t, t, s.phase() == Phase.Healthy ? s.phaseStartedAt() : o.now());
        if (!collectable.isEmpty()) {
          return new Step(
              new DeleteRevisionSets(collectable), done, Reason.CollectingOldSets,
              "deleting revision sets beyond the history limit: " + String.join(", ", collectable),
              false, null);
        }
        boolean finished = s.phase() != Phase.Healthy;
        return new Step(
            new Wait(o.now().plusSeconds(finished ? 0 : 60)), done,
            finished ? Reason.ReleaseComplete : Reason.Steady,
            servingTarget + "/" + spec.replicas() + " pods of " + t + " serving", false, null);
      }
    }

    // Nothing to do but wait: say what for.
    Instant recheck = o.now().plus(POLL);
    if (nextOnline != null && nextOnline.isBefore(recheck)) {
      recheck = nextOnline;
    }
    if (soonest != null && soonest.isBefore(recheck)) {
      recheck = soonest;
    }
    if (justJoinedUntil != null && justJoinedUntil.isBefore(recheck)) {
      recheck = justJoinedUntil;
    }
    boolean late = !o.now().isBefore(s.phaseStartedAt().plus(spec.progressDeadline()));
    if (firstWait != null) {
      return new Step(new Wait(recheck), s, late ? Reason.ProgressDeadlineExceeded : firstWait.reason(),
          firstWait.message(), late || firstWait.stalled(), firstWait.drainPod());
    }
    long readyTarget = live.stream().filter(p -> p.revision().equals(t) && p.canTakeOver()).count();
    String outside = PodView.notInClusterNote(live.stream().filter(p -> p.revision().equals(t)).toList());
    Reason why = nextOnline != null ? Reason.WaitingForDelayedOnline
        : outside.isEmpty() ? Reason.WaitingForPods : Reason.NotInCluster;
    return new Step(
        new Wait(recheck), s, late ? Reason.ProgressDeadlineExceeded : why,
        readyTarget + "/" + spec.replicas() + " pods of " + t + " ready, " + available
            + " serving (at least " + minAvailable + " must)"
            + (nextOnline != null ? "; next pod goes online at " + nextOnline : "")
            + outside,
        late, null);
  }

  /**
   * Where a drain sends its clients, the first of these that is not empty: the serving pods that
   * stay; the serving pods not yet on their way out, whose turn comes later (no surge room yet, as
   * with maxSurge 0); any other pod that runs and can take clients over, even out of the Service
   * (maxUnavailable 100%: what EMQX itself would pick with no target, all other running nodes).
   * Empty only when no other pod can take a client: then no drain starts, since EMQX with no
   * target and no other node retries for ever.
   */
  private static List<String> migrateTo(List<PodView> live, Set<String> victimNames, PodRemoval.Context c) {
    List<java.util.function.Predicate<PodView>> choices = List.of(
        p -> p.serving() && !victimNames.contains(p.name()),
        p -> p.serving() && !p.markedForDeletion(),
        p -> !p.markedForDeletion() && !c.drainOf(p.name()).active());
    for (var choice : choices) {
      List<String> out = live.stream().filter(p -> p.canTakeOver() && choice.test(p))
          .map(PodView::name).sorted().toList();
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }

  /**
   * Why an emqx victim could not be drained now, or empty: no other pod can take its clients over,
   * or its drain endpoint refuses or cannot be reached. Other drainers need no target.
   */
  private static Optional<String> cannotDrain(PodView v, List<String> migrateTo, PodRemoval.Context c) {
    if (c.drain().type() != DrainType.EMQX) {
      return Optional.empty();
    }
    DrainView d = c.drainOf(v.name());
    if (d.blocked()) {
      return Optional.of("its drainer cannot be used (" + d.detail() + ")");
    }
    if (migrateTo.stream().noneMatch(t -> !t.equals(v.name()))) {
      return Optional.of("no other pod can take its clients over");
    }
    return Optional.empty();
  }

  /**
   * Whether a pod whose gate closed for its removal goes back into service: an emqx drain that
   * cannot start (no target, or an endpoint that refuses, so nothing runs there) would leave it out
   * of its Service, serving nobody, for as long as that lasts.
   */
  private static boolean putBack(PodView v, Move m, PodRemoval.Context c) {
    return c.drain().type() == DrainType.EMQX && !v.markedForDeletion() && v.containersReady()
        && (m.reason() == Reason.NoDrainTarget
            || (m.reason() == Reason.DrainRefused && c.drainOf(v.name()).state() == DrainView.State.REFUSED));
  }

  /** Old revisions' pods, then the surplus of T's; each group unhealthy first, then by name. */
  private static List<PodView> victims(RollingObservation o, List<PodView> live, PodRemoval.Context c) {
    String t = o.targetRevision();
    Comparator<PodView> order = PodRemoval.victimOrder(c);
    List<PodView> victims = new ArrayList<>(live.stream().filter(p -> !p.revision().equals(t)).sorted(order).toList());
    List<PodView> mine = live.stream().filter(p -> p.revision().equals(t)).toList();
    long marked = mine.stream().filter(PodView::markedForDeletion).count();
    long surplus = mine.size() - marked - o.spec().replicas();
    mine.stream().filter(PodView::markedForDeletion).forEach(victims::add);
    mine.stream()
        .filter(p -> !p.markedForDeletion())
        .sorted(Comparator.comparing((PodView p) -> !c.drainOf(p.name()).active())
            .thenComparing(p -> !p.gateFalse())
            .thenComparing(PodView::serving)
            .thenComparing(PodView::name, Comparator.reverseOrder()))
        .limit(Math.max(0, surplus))
        .forEach(victims::add);
    return victims;
  }

  /** The status for this pass: a new target starts a roll. */
  private static ReleaseStatus status(RollingObservation o) {
    ReleaseStatus s = o.status();
    String t = o.targetRevision();
    if (s.currentRevision() != null && t.equals(s.currentRevision()) && t.equals(s.updateRevision())
        && s.phase() == Phase.Healthy) {
      return s;
    }
    if (t.equals(s.updateRevision()) && s.phase() == Phase.Rolling && s.phaseStartedAt() != null) {
      return s;
    }
    return new ReleaseStatus(Phase.Rolling, s.currentRevision(), t, o.now());
  }

  private static ReleaseStatus progressed(ReleaseStatus s, Instant now) {
    return s.phase() == Phase.Rolling ? new ReleaseStatus(s.phase(), s.currentRevision(), s.updateRevision(), now) : s;
  }

  private static Step step(Move m, ReleaseStatus s) {
    return new Step(m.action(), s, m.reason(), m.message(), m.stalled(), m.drainPod());
  }
}
