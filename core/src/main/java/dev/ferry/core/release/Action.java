package dev.ferry.core.release;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The one thing a reconciler does next. Every action carries absolute targets (a replica count, a
 * gate value), never deltas, so doing it twice after a crash does no harm.
 */
public sealed interface Action {

  /** Create the revision set if it is missing, or set its replicas to {@code replicas}. */
  record EnsureRevisionSet(String revision, int replicas) implements Action {}

  /**
   * Set the serving gate of these pods. The reconciler applies all True values before any False
   * value, so that serving capacity never dips during a switch.
   */
  record SetGates(SortedMap<String, Boolean> gates) implements Action {
    public SetGates(Map<String, Boolean> gates) {
      this(new TreeMap<>(gates));
    }

    public SetGates {
      if (gates.isEmpty()) {
        throw new IllegalArgumentException("SetGates needs at least one pod");
      }
      gates = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(gates));
    }
  }

  /**
   * Start draining one pod (idempotent: a drain that runs already is left running).
   *
   * @param migrateTo pods that take over its clients and sessions (empty only for drainers with no
   *     targets: http, none)
   * @param share the drain runs at the rates divided by this, since as many drains run side by side
   */
  record StartDrain(String pod, List<String> migrateTo, int share) implements Action {
    public StartDrain(String pod, List<String> migrateTo) {
      this(pod, migrateTo, 1);
    }

    public StartDrain {
      migrateTo = List.copyOf(migrateTo);
      if (share < 1) {
        throw new IllegalArgumentException("a drain's share of the rate is 1 or more, was " + share);
      }
    }
  }

  /**
   * Start several drains that run side by side, each {@code offsets[i]} after the step begins (the
   * first at 0): EMQX evicts once a second from each evacuation's start, so the offsets put every
   * drain's bursts in a share of the second no other drain uses. One pass starts every drain that
   * has a place; with a start a pass (a pass takes as long as reading the cluster and asking every
   * broker), drains waited seconds for their turn and the release ran below its rate.
   */
  record StartDrains(List<StartDrain> drains, List<java.time.Duration> offsets) implements Action {
    public StartDrains {
      drains = List.copyOf(drains);
      offsets = List.copyOf(offsets);
      if (drains.size() < 2 || offsets.size() != drains.size()) {
        throw new IllegalArgumentException("StartDrains starts two drains or more, each at its offset; was "
            + drains.size() + " drains and " + offsets.size() + " offsets");
      }
      if (offsets.stream().anyMatch(java.time.Duration::isNegative)) {
        throw new IllegalArgumentException("a start's offset must not be negative, was " + offsets);
      }
    }
  }

  /** Stop a drain, so that the pod accepts clients again (idempotent). */
  record StopDrain(String pod) implements Action {}

  /**
   * Remove exactly this pod: mark it with pod-deletion-cost -99999, then set its revision set's
   * replicas to {@code revisionSetReplicas} (its live pods minus those marked, this one included).
   */
  record DeletePod(String pod, String revision, int revisionSetReplicas) implements Action {}

  /** Delete revision sets that are empty and beyond the history limit. */
  record DeleteRevisionSets(List<String> revisions) implements Action {
    public DeleteRevisionSets {
      revisions = List.copyOf(revisions);
    }
  }

  /** Nothing to do now; look again at {@code recheckAt} (or sooner, when something changes). */
  record Wait(Instant recheckAt) implements Action {}
}
