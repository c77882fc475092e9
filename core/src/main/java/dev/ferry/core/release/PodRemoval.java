package dev.ferry.core.release;

import dev.ferry.core.release.Action.DeletePod;
import dev.ferry.core.release.Action.SetGates;
import dev.ferry.core.release.Action.StartDrain;
import dev.ferry.core.release.Action.StopDrain;
import dev.ferry.core.release.Action.Wait;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Removing one pod without losing what it holds, shared by the blue-green and rolling plans.
 *
 * <p>A pod leaves in this order, and never skips a step:
 *
 * <ol>
 *   <li>its serving gate turns False, so the Service stops sending it new clients;
 *   <li>(rolling) the EndpointSlice no longer lists it as serving, and {@code propagation} passed
 *       since, so that proxies which learn late have learnt;
 *   <li>it is drained: the drainer moves its clients and sessions away at a controlled rate (emqx,
 *       only ever to named targets that can take them), or the pod finishes its requests in flight
 *       and closes its connections (http), or, with no drainer, {@code waitTakeover} passes. An emqx
 *       drain that stops progressing is reported ({@code DrainStalled}), and deleted with what it
 *       holds only once it has also overrun {@code drain.timeoutSeconds}, when set; an http drain
 *       ends at its timeout ({@code DrainTimedOut}). An emqx pod that holds nothing and cannot be
 *       drained (outside the cluster, or no target) goes without a drain. A drain endpoint that
 *       cannot be reached never lets a pod go, unless its containers are not ready (nothing runs in
 *       it that could hold a client);
 *   <li>it is marked with pod-deletion-cost -99999 and its set is scaled down by one, so the
 *       ReplicaSet removes exactly this pod.
 * </ol>
 *
 * A victim whose drain is already running (say, before an operator restart) is always taken up
 * again first.
 */
public final class PodRemoval {

  /** A step of a removal, before the plan adds its status. */
  public record Move(Action action, Reason reason, String message, boolean stalled, String drainPod) {}

  /**
   * What a removal needs to know besides the victims.
   *
   * @param pods every pod of the resource
   * @param revisionSets every revision set
   * @param drains what the drainer reports, by pod name (missing means not started)
   * @param drain drain settings
   * @param endpointServing pods an EndpointSlice still lists as serving (rolling only; empty when the
   *     plan does not wait for endpoints)
   * @param propagation extra wait after the endpoints dropped a pod (zero when not used)
   * @param endpointsLeftAt when the EndpointSlice was first seen without a pod since its gate closed
   *     (missing: counted from the gate's change)
   * @param now the time
   */
  public record Context(
      List<PodView> pods,
      List<RevisionSetView> revisionSets,
      Map<String, DrainView> drains,
      DrainSettings drain,
      Set<String> endpointServing,
      Duration propagation,
      Map<String, Instant> endpointsLeftAt,
      Instant now) {

    public Context(
        List<PodView> pods, List<RevisionSetView> revisionSets, Map<String, DrainView> drains,
        DrainSettings drain, Set<String> endpointServing, Duration propagation, Instant now) {
      this(pods, revisionSets, drains, drain, endpointServing, propagation, Map.of(), now);
    }

    public DrainView drainOf(String pod) {
      return drains.getOrDefault(pod, DrainView.NOT_STARTED);
    }
  }

  private PodRemoval() {}

  /** How often a running drain is looked at. */
  public static final Duration DRAIN_POLL = Duration.ofSeconds(1);

  /**
   * The order victims are taken in: resume what runs, then pods that serve nobody (removing them
   * costs no capacity), then the broken, then by name.
   */
  public static Comparator<PodView> victimOrder(Context c) {
    return Comparator.<PodView, Boolean>comparing(p -> !c.drainOf(p.name()).active())
        .thenComparing(p -> !p.markedForDeletion())
        .thenComparing(PodView::serving)
        .thenComparing(PodView::containersReady)
        .thenComparing(PodView::name);
  }

  /** The victim to work on now, if any. */
  public static Optional<PodView> pick(Collection<PodView> victims, Context c) {
    return victims.stream().filter(PodView::live).min(victimOrder(c));
  }

  /**
   * Stops drains that run on pods that are not being removed: after a rollback or an abort the pod
   * being drained may be wanted again, and a node must never be left refusing clients.
   */
  public static Optional<Move> stopStrayDrain(Collection<String> victimNames, Context c) {
    return c.drains().entrySet().stream()
        .filter(e -> e.getValue().active() && !victimNames.contains(e.getKey()))
        .filter(e -> c.pods().stream().anyMatch(p -> p.name().equals(e.getKey()) && p.live()))
        // One still sending clients away first: its clients go where they should not.
        .sorted(Map.Entry.<String, DrainView>comparingByValue(Comparator.comparing(DrainView::clientsSentAway))
            .thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey)
        .findFirst()
        .map(
            pod ->
                new Move(
                    new StopDrain(pod),
                    Reason.DrainStopped,
                    "stopping the drain of " + pod + ": it is no longer being removed",
                    false,
                    pod));
  }

  /**
   * The next move to remove {@code victim}.
   *
   * @param migrateTo the pods that take its clients over
   */
  public static Move next(PodView victim, List<String> migrateTo, Context c) {
    return next(victim, migrateTo, 1, c);
  }

  /**
   * As above, for one of {@code share} drains that run side by side (each at that share of the
   * rates).
   */
  public static Move next(PodView victim, List<String> migrateTo, int share, Context c) {
    String name = victim.name();
    if (victim.markedForDeletion()) {
      return deletion(victim, c);
    }
    if (!victim.gateFalse()) {
      return new Move(
          new SetGates(Map.of(name, false)),
          Reason.GateClosed,
          "taking " + name + " out of the Service before it is drained",
          false,
          null);
    }
    if (c.endpointServing().contains(name)) {
      return new Move(
          waitFor(c.now().plusSeconds(1)),
          Reason.WaitingForEndpoints,
          "waiting until the EndpointSlice no longer lists " + name + " as serving",
          false,
          null);
    }
    Instant gateClosedAt = victim.gateChangedAt() == null ? c.now() : victim.gateChangedAt();
    // Proxies that follow the EndpointSlice learn from it, so their time counts from when it dropped
    // the pod (an earlier record belongs to an earlier closing of the gate).
    Instant leftAt = c.endpointsLeftAt().get(name);
    Instant outSince = leftAt != null && leftAt.isAfter(gateClosedAt) ? leftAt : gateClosedAt;
    if (!c.propagation().isZero() && c.now().isBefore(outSince.plus(c.propagation()))) {
      return new Move(
          waitFor(outSince.plus(c.propagation())),
          Reason.WaitingForEndpoints,
          "giving proxies " + c.propagation().toSeconds() + "s to learn that " + name + " left",
          false,
          null);
    }
    if (c.drain().type() == DrainType.NONE) {
      Instant takeoverDone = gateClosedAt.plus(c.drain().waitTakeover());
      if (c.now().isBefore(takeoverDone)) {
        return new Move(
            waitFor(takeoverDone),
            Reason.WaitingForTakeover,
            "giving clients of " + name + " " + c.drain().waitTakeover().toSeconds() + "s to move",
            false,
            null);
      }
      return deletion(victim, c);
    }
    DrainView d = c.drainOf(name);
    List<String> targets = migrateTo.stream().filter(t -> !t.equals(name)).toList();
    return switch (d.state()) {
      case NOT_STARTED -> {
        boolean undrainable = targets.isEmpty() || victim.notInCluster() != null;
        if (c.drain().type() == DrainType.EMQX && undrainable && d.connections() == 0 && d.sessions() == 0) {
          // Nothing to move, and no drain could move it (no target, or a node outside the cluster,
          // e.g. a new pod that never joined and is now rolled back): it goes without one.
          Move delete = deletion(victim, c);
          yield new Move(delete.action(), delete.reason(), "deleting " + name + ": it holds no client"
              + (victim.notInCluster() != null ? " and is not in the cluster (" + victim.notInCluster() + ")"
                  : " and no pod could take one over"), false, delete.drainPod());
        }
        if (targets.isEmpty() && c.drain().type() == DrainType.EMQX) {
          // EMQX without migrate_to sends the sessions to every other running node, old ones
          // included, and with none left retries every 30 s for ever: never start blind.
          yield new Move(
              waitFor(c.now().plus(Duration.ofSeconds(5))),
              Reason.NoDrainTarget,
              "not draining " + name + ": no pod can take its clients over (none is ready and in the cluster)",
              true,
              null);
        }
        yield new Move(
            new StartDrain(name, targets, share),
            Reason.DrainStarted,
            "draining " + name + (targets.isEmpty() ? "" : " to " + String.join(", ", targets)),
            false,
            name);
      }
      case RUNNING -> running(victim, d, c);
      case FINISHED -> deletion(victim, c);
      case UNREACHABLE, REFUSED -> {
        if (!victim.containersReady()) {
          // Nothing runs in the pod that could hold a client: it can go.
          yield deletion(victim, c);
        }
        // Reported as stalled (a Warning event, Progressing False) and asked again next pass: a
        // drain endpoint that cannot be used says nothing about what the pod still holds.
        boolean refused = d.state() == DrainView.State.REFUSED;
        yield new Move(
            waitFor(c.now().plusSeconds(refused ? 10 : 2)),
            refused ? Reason.DrainRefused : Reason.DrainerUnreachable,
            (refused ? "the drainer of " + name + " refuses: " : "cannot reach the drainer of " + name + ": ")
                + d.detail() + "; the pod is kept while its containers are ready",
            true,
            name);
      }
    };
  }

  /**
   * A drain that runs: followed once a second. An emqx drain whose state and counts stay the same
   * for longer than its waits explain is reported as stalled ({@code DrainStalled}): EMQX never
   * moves durable sessions, and retries every 30 s for ever when no target takes a session. Past
   * {@code drain.timeoutSeconds} the pod goes with what it still holds, reported as
   * {@code DrainTimedOut}: an http drain in any case (requests have a bounded life), an emqx drain
   * only once it has stalled (a slow drain that moves is never cut short) and only when a timeout
   * is set (without one a pod that holds sessions is never deleted).
   */
  private static Move running(PodView victim, DrainView d, Context c) {
    String name = victim.name();
    Duration timeout = c.drain().timeout();
    boolean emqx = c.drain().type() == DrainType.EMQX;
    if (emqx && d.everyClientTookItsSessionOver()) {
      Move delete = deletion(victim, c);
      return new Move(delete.action(), delete.reason(), delete.action() instanceof DeletePod
          ? "deleting " + name + ": drained, every client it sent away took its session over (no need to wait out the "
              + c.drain().waitTakeover().toSeconds() + "s takeover wait)"
          : delete.message(), false, delete.drainPod());
    }
    Duration quiet = d.progressAt() == null ? Duration.ZERO : Duration.between(d.progressAt(), c.now());
    boolean stalled = emqx && quiet.compareTo(c.drain().stallAfter()) >= 0;
    boolean overdue = timeout != null && d.startedAt() != null && !c.now().isBefore(d.startedAt().plus(timeout));
    if (overdue && (!emqx || stalled)) {
      Move delete = deletion(victim, c);
      if (delete.action() instanceof DeletePod) {
        return new Move(
            delete.action(),
            Reason.DrainTimedOut,
            "deleting " + name + ": its drain timed out after " + timeout.toSeconds() + "s with " + leftOver(d),
            true,
            name);
      }
      return delete;
    }
    if (stalled) {
      return new Move(
          waitFor(c.now().plus(DRAIN_POLL)),
          Reason.DrainStalled,
          // The same words every pass while it stays stuck (one event, not one a second).
          progress(name, d) + "; no progress since " + d.progressAt() + " (" + c.drain().stallAfter().toSeconds()
              + "s is the most its waits explain)"
              + (timeout == null
                  ? "; the pod is not deleted while it holds clients (drain.timeoutSeconds bounds the wait)"
                  : "; the pod is deleted once its drain has run " + timeout.toSeconds() + "s and is still stuck"),
          true,
          name);
    }
    return new Move(waitFor(nextLook(d, c)), Reason.Draining, progress(name, d), false, name);
  }

  /** How long after EMQX's tick its new state is looked at: the start call's own delay and a few ticks' work. */
  public static final Duration AFTER_TICK = Duration.ofMillis(250);

  /**
   * When a running drain is looked at next: once a second, just after the broker's tick. EMQX
   * changes an evacuation only on its ticks, one a second from the start (after the health-check
   * wait), and its takeover wait is whole seconds too, so a look at a fixed phase of that second
   * sees each change {@link #AFTER_TICK} after it happens instead of half a second on average.
   * Ticks drift later by their own work (EMQX arms the next one when this one's work ends); a look
   * that comes before a late tick sees the change a second later, as an unaligned poll would. While
   * EMQX waits for the takeovers it is looked at once a second too: its clients take their sessions
   * over between ticks, and the look that finds none left ends the wait
   * ({@link DrainView#everyClientTookItsSessionOver}).
   */
  public static Instant nextLook(DrainView d, Context c) {
    if (c.drain().type() != DrainType.EMQX || d.startedAt() == null) {
      return c.now().plus(DRAIN_POLL);
    }
    Instant phase = d.startedAt().plus(c.drain().waitHealthCheck()).plus(AFTER_TICK);
    return lookAfter(phase, c.now());
  }

  /**
   * The first look after {@code t} at {@code phase}'s place in the second: within a second of {@code t}
   * whatever the phase (a start stamped in the future, a health-check wait EMQX 4.4 ignores).
   */
  private static Instant lookAfter(Instant phase, Instant t) {
    long ahead = Math.floorMod(Duration.between(t, phase).toMillis(), 1000L);
    return t.plusMillis(ahead == 0 ? 1000 : ahead);
  }

  private static Move deletion(PodView victim, Context c) {
    long liveUnmarked =
        c.pods().stream()
            .filter(p -> p.live() && p.revision().equals(victim.revision()))
            .filter(p -> !p.markedForDeletion() && !p.name().equals(victim.name()))
            .count();
    int setReplicas = RevisionSets.size(c.revisionSets(), victim.revision());
    if (victim.markedForDeletion() && setReplicas <= liveUnmarked) {
      return new Move(
          waitFor(c.now().plusSeconds(1)),
          Reason.WaitingForPodRemoval,
          "waiting for " + victim.name() + " to be removed by its ReplicaSet",
          false,
          null);
    }
    return new Move(
        new DeletePod(victim.name(), victim.revision(), (int) Math.min(setReplicas, liveUnmarked)),
        Reason.DeletingPod,
        "deleting " + victim.name() + ": drained",
        false,
        victim.name());
  }

  /** What a drain left behind, for people: "3 requests in flight, 2 connections open". */
  static String leftOver(DrainView d) {
    StringBuilder s = new StringBuilder();
    if (d.inFlight() >= 0) {
      s.append(d.inFlight()).append(d.inFlight() == 1 ? " request" : " requests").append(" in flight");
    }
    if (d.connections() >= 0) {
      s.append(s.isEmpty() ? "" : ", ").append(d.connections()).append(" connections open");
    }
    if (d.sessions() >= 0) {
      s.append(s.isEmpty() ? "" : ", ").append(d.sessions()).append(" sessions left");
    }
    return s.isEmpty() ? "an unknown load left" : s.toString();
  }

  static String progress(String pod, DrainView d) {
    StringBuilder s = new StringBuilder("draining ").append(pod);
    if (!d.detail().isEmpty()) {
      s.append(" (").append(d.detail()).append(')');
    }
    if (d.inFlight() >= 0) {
      s.append(": ").append(d.inFlight()).append(" requests in flight");
    }
    if (d.connections() >= 0) {
      s.append(d.inFlight() >= 0 ? ", " : ": ").append(d.connections()).append(" connections");
    }
    if (d.sessions() >= 0) {
      s.append(", ").append(d.sessions()).append(" sessions left");
    }
    return s.toString();
  }

  static Wait waitFor(Instant at) {
    return new Wait(at);
  }
}
