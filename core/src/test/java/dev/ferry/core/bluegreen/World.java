package dev.ferry.core.bluegreen;

import dev.ferry.core.release.DrainSettings;
import dev.ferry.core.release.DrainType;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSetView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small builder of observations for table-style plan tests. */
final class World {
  static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  BlueGreenSpec spec =
      new BlueGreenSpec(
          3, true, Duration.ofSeconds(60), Duration.ofSeconds(600),
          new DrainSettings(DrainType.EMQX, Duration.ofSeconds(5), null), 2);
  String target = "new";
  String promoted;
  ReleaseStatus status = new ReleaseStatus(Phase.Healthy, "old", "old", T0);
  final List<RevisionSetView> sets = new ArrayList<>();
  final Map<String, PodView> pods = new LinkedHashMap<>();
  final Map<String, DrainView> drains = new LinkedHashMap<>();
  Instant now = T0;

  World set(String revision, int replicas) {
    sets.removeIf(s -> s.revision().equals(revision));
    sets.add(new RevisionSetView(revision, replicas, T0.plusSeconds(sets.size())));
    return this;
  }

  /** n ready pods named revision-1..n with the given gate. */
  World pods(String revision, int n, Boolean gate) {
    for (int i = 1; i <= n; i++) {
      pod(revision + "-" + i, revision, true, gate);
    }
    return this;
  }

  World pod(String name, String revision, boolean ready, Boolean gate) {
    pods.put(name, new PodView(name, revision, ready, gate, gate == null ? null : T0, ready ? T0 : null, false, false));
    return this;
  }

  World marked(String name) {
    PodView p = pods.get(name);
    pods.put(name, new PodView(p.name(), p.revision(), p.containersReady(), p.gate(), p.gateChangedAt(), p.readyAt(), false, true));
    return this;
  }

  /** The drainer does not see this pod's broker as a member of the cluster. */
  World notInCluster(String name, String why) {
    pods.put(name, pods.get(name).withNotInCluster(why));
    return this;
  }

  World gateClosedAt(String name, Instant at) {
    pods.put(name, pods.get(name).withGate(false, at));
    return this;
  }

  World drain(String pod, DrainView.State state, long conns) {
    drains.put(pod, new DrainView(state, state == DrainView.State.FINISHED ? "prohibiting" : "evicting_conns", conns, conns, T0));
    return this;
  }

  /** A running drain started at T0 whose state and counts last changed at {@code progressAt}. */
  World drain(String pod, long conns, long sessions, Instant progressAt) {
    drains.put(pod, new DrainView(DrainView.State.RUNNING, "evicting_sessions", conns, sessions, T0, -1, progressAt));
    return this;
  }

  World phase(Phase phase, Instant startedAt) {
    status = new ReleaseStatus(phase, status.currentRevision(), target, startedAt);
    return this;
  }

  World at(Instant t) {
    now = t;
    return this;
  }

  BlueGreenObservation observe() {
    return new BlueGreenObservation(spec, target, promoted, status, sets, List.copyOf(pods.values()), drains, now);
  }
}
