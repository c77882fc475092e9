package dev.ferry.core.sim;

import dev.ferry.core.release.Action;
import dev.ferry.core.release.Action.DeletePod;
import dev.ferry.core.release.Action.DeleteRevisionSets;
import dev.ferry.core.release.Action.EnsureRevisionSet;
import dev.ferry.core.release.Action.SetGates;
import dev.ferry.core.release.Action.StartDrain;
import dev.ferry.core.release.Action.StopDrain;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.RevisionSetView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A cluster in memory, on virtual time, for walking the plans: a ReplicaSet controller that honours
 * pod-deletion-cost, pods that become ready after a start-up time (or never, for a bad revision),
 * clients that connect to serving pods, and a drainer that evicts at a rate and sends the evicted
 * clients to the drain's targets.
 *
 * <p>It counts what a user would care about: clients dropped by a pod deleted while it still held
 * them (should be 0), and disconnects per client. It is a model, not the lab: the lab runs real
 * brokers and real clients on real sockets.
 */
public final class SimulatedCluster {

  /** One pod of the simulation. */
  private static final class Pod {
    final String name;
    final String revision;
    final Instant readyAt; // null: never becomes ready
    Boolean gate;
    Instant gateChangedAt;
    boolean marked;
    Instant terminatingSince;
    final List<Integer> clients = new ArrayList<>();
    // drain
    boolean draining;
    Instant drainStartedAt;
    List<String> migrateTo = List.of();
    long initialClients;

    Pod(String name, String revision, Instant readyAt) {
      this.name = name;
      this.revision = revision;
      this.readyAt = readyAt;
    }

    Instant downUntil; // crashed: not ready until then

    boolean ready(Instant now) {
      return readyAt != null && !now.isBefore(readyAt) && terminatingSince == null
          && (downUntil == null || !now.isBefore(downUntil));
    }

    boolean serving(Instant now) {
      return ready(now) && Boolean.TRUE.equals(gate);
    }
  }

  private final Map<String, Integer> sets = new TreeMap<>();
  private final Map<String, Instant> setCreated = new TreeMap<>();
  private final Map<String, Pod> pods = new LinkedHashMap<>();
  private final Map<String, Integer> podCounter = new TreeMap<>();
  private final Set<String> badRevisions = new TreeSet<>();
  private final Random random;
  private final Duration startup;
  private final Duration grace;
  private final int evictRate;
  private Instant now;

  private final int[] disconnects;
  private final List<Integer> waiting = new ArrayList<>(); // clients looking for a pod
  private long dropped;
  private final List<String> log = new ArrayList<>();
  /** Per simulated second: clients connected at its end, and reconnects during it. */
  private final List<int[]> seconds = new ArrayList<>();
  private int reconnectsThisSecond;
  /** Per simulated second: clients on each live pod at its end. */
  private final List<Map<String, Integer>> podLoads = new ArrayList<>();
  private Consumer<String> logSink = s -> {};

  /**
   * @param clients how many clients connect through the Service
   * @param startup how long a new pod takes to become ready
   * @param grace how long a terminating pod lingers
   * @param evictRate drain rate, clients per second
   * @param seed for the choices of the Service
   */
  public SimulatedCluster(
      int clients, Duration startup, Duration grace, int evictRate, Instant start, long seed) {
    this.disconnects = new int[clients];
    this.startup = startup;
    this.grace = grace;
    this.evictRate = evictRate;
    this.now = start;
    this.random = new Random(seed);
    for (int i = 0; i < clients; i++) {
      waiting.add(i);
    }
  }

  public Instant now() {
    return now;
  }

  /** Pods of this revision will never become ready (a bad image). */
  public void breakRevision(String revision) {
    badRevisions.add(revision);
  }

  /**
   * The pod's process crashes and restarts: its clients are cut off (not counted as dropped by a
   * deletion) and it is not ready for {@code down}.
   */
  public void crash(String pod, Duration down) {
    Pod p = pods.get(pod);
    if (p == null || p.terminatingSince != null) {
      return;
    }
    p.downUntil = now.plus(down);
    for (int c : p.clients) {
      disconnects[c]++;
      waiting.add(c);
    }
    p.clients.clear();
    p.draining = false; // a restarted broker forgets nothing in EMQX, but our model keeps it simple
    record("crash " + pod + " for " + down.toSeconds() + "s");
  }

  /** Whether some pod is down after a crash right now. */
  public boolean anyCrashed() {
    return pods.values().stream().anyMatch(p -> p.downUntil != null && now.isBefore(p.downUntil));
  }

  public void onLog(Consumer<String> sink) {
    this.logSink = sink;
  }

  // ---- what the plans observe ----

  public List<PodView> pods() {
    List<PodView> out = new ArrayList<>();
    for (Pod p : pods.values()) {
      out.add(
          new PodView(
              p.name, p.revision, p.ready(now), p.gate, p.gateChangedAt,
              p.ready(now) ? p.readyAt : null, p.terminatingSince != null, p.marked));
    }
    return out;
  }

  public List<RevisionSetView> revisionSets() {
    List<RevisionSetView> out = new ArrayList<>();
    sets.forEach((rev, n) -> out.add(new RevisionSetView(rev, n, setCreated.get(rev))));
    return out;
  }

  public Map<String, DrainView> drains() {
    Map<String, DrainView> out = new TreeMap<>();
    for (Pod p : pods.values()) {
      if (p.draining && p.terminatingSince == null) {
        boolean empty = p.clients.isEmpty();
        out.put(
            p.name,
            new DrainView(
                empty ? DrainView.State.FINISHED : DrainView.State.RUNNING,
                empty ? "prohibiting" : "evicting_conns",
                p.clients.size(), p.clients.size(), p.drainStartedAt));
      }
    }
    return out;
  }

  /** Which pods the Service would list as serving right now. */
  public Set<String> servingEndpoints() {
    Set<String> s = new TreeSet<>();
    pods.values().stream().filter(p -> p.serving(now)).forEach(p -> s.add(p.name));
    return s;
  }

  // ---- what the plans do ----

  public void apply(Action action) {
    switch (action) {
      case EnsureRevisionSet e -> {
        sets.put(e.revision(), e.replicas());
        setCreated.putIfAbsent(e.revision(), now);
        record("set " + e.revision() + " to " + e.replicas() + " replicas");
      }
      case SetGates g -> {
        // True first, then False, as the reconciler does.
        g.gates().forEach((name, v) -> { if (v) gate(name, true); });
        g.gates().forEach((name, v) -> { if (!v) gate(name, false); });
        record("gates " + g.gates());
      }
      case Action.StartDrains many -> {
        // Each at its offset, as the reconciler starts them.
        for (int i = 0; i < many.drains().size(); i++) {
          startDrain(many.drains().get(i), now.plus(many.offsets().get(i)));
        }
      }
      case StartDrain d -> startDrain(d, now);
      case StopDrain d -> {
        Pod p = pods.get(d.pod());
        if (p != null && p.draining) {
          p.draining = false;
          record("stop drain " + d.pod());
        }
      }
      case DeletePod d -> {
        Pod p = pods.get(d.pod());
        if (p != null) {
          p.marked = true;
        }
        sets.put(d.revision(), d.revisionSetReplicas());
        record("delete " + d.pod() + " (" + d.revision() + " to " + d.revisionSetReplicas() + ")");
      }
      case DeleteRevisionSets d -> {
        d.revisions().forEach(r -> { sets.remove(r); setCreated.remove(r); });
        record("collect " + d.revisions());
      }
      case Wait w -> { }
    }
  }

  private void gate(String name, boolean value) {
    Pod p = pods.get(name);
    if (p != null && !Boolean.valueOf(value).equals(p.gate)) {
      p.gate = value;
      p.gateChangedAt = now;
    }
  }

  // ---- time ----

  /** Advances the clock in steps of at most one second, running controllers, clients and drains. */
  public void advance(Duration d) {
    Instant end = now.plus(d);
    while (now.isBefore(end)) {
      Instant step = now.plusSeconds(1);
      now = step.isAfter(end) ? end : step;
      // Clients cut off during a second reconnect at the start of the next: the model's reconnect
      // latency is one second, so a dip shows in the per-second series as it would on a dashboard.
      connectWaitingClients();
      replicaSetController();
      drainers();
      seconds.add(new int[] {disconnects.length - waiting.size(), reconnectsThisSecond});
      podLoads.add(load());
      reconnectsThisSecond = 0;
    }
  }

  private void replicaSetController() {
    // Terminating pods go after the grace period; their clients are dropped and reconnect.
    for (var it = pods.values().iterator(); it.hasNext(); ) {
      Pod p = it.next();
      if (p.terminatingSince != null && !now.isBefore(p.terminatingSince.plus(grace))) {
        it.remove();
      }
    }
    for (var e : sets.entrySet()) {
      String rev = e.getKey();
      List<Pod> live = pods.values().stream()
          .filter(p -> p.revision.equals(rev) && p.terminatingSince == null).toList();
      int diff = e.getValue() - live.size();
      for (int i = 0; i < diff; i++) {
        int n = podCounter.merge(rev, 1, Integer::sum);
        String name = rev + "-" + n;
        pods.put(name, new Pod(name, rev, badRevisions.contains(rev) ? null : now.plus(startup)));
      }
      if (diff < 0) {
        // The ReplicaSet controller's order (ActivePodsWithRanks): pods that are not Ready first
        // (Ready counts the readiness gate), then the lower pod-deletion-cost (a marked pod), then
        // the newest. A not-Ready pod goes before a marked Ready one.
        List<Pod> order = new ArrayList<>(live);
        order.sort((a, b) -> {
          if (a.serving(now) != b.serving(now)) return a.serving(now) ? 1 : -1;
          if (a.marked != b.marked) return a.marked ? -1 : 1;
          return b.name.compareTo(a.name);
        });
        for (Pod p : order.subList(0, -diff)) {
          terminate(p);
        }
      }
    }
    // Pods whose set is gone are deleted too.
    pods.values().stream()
        .filter(p -> p.terminatingSince == null && !sets.containsKey(p.revision))
        .toList()
        .forEach(this::terminate);
  }

  private void terminate(Pod p) {
    p.terminatingSince = now;
    if (!p.clients.isEmpty()) {
      dropped += p.clients.size();
      record("pod " + p.name + " deleted while holding " + p.clients.size() + " clients");
    }
    for (int c : p.clients) {
      disconnects[c]++;
      waiting.add(c);
    }
    p.clients.clear();
  }

  private void drainers() {
    for (Pod p : pods.values()) {
      if (!p.draining || p.terminatingSince != null || p.clients.isEmpty()) {
        continue;
      }
      int n = Math.min(evictRate, p.clients.size());
      for (int i = 0; i < n; i++) {
        int c = p.clients.remove(p.clients.size() - 1);
        disconnects[c]++;
        waiting.add(c);
      }
    }
  }

  /** Waiting clients reconnect through the Service: to a random serving pod. */
  private void connectWaitingClients() {
    List<Pod> serving = pods.values().stream().filter(p -> p.serving(now) && !p.draining).toList();
    if (serving.isEmpty()) {
      return;
    }
    for (int c : waiting) {
      serving.get(random.nextInt(serving.size())).clients.add(c);
      if (disconnects[c] > 0) {
        reconnectsThisSecond++;
      }
    }
    waiting.clear();
  }

  // ---- what happened ----

  /** Clients that were on a pod when it was deleted: lossy. */
  public long dropped() {
    return dropped;
  }

  public int clientsWaiting() {
    return waiting.size();
  }

  public int maxDisconnectsPerClient() {
    int m = 0;
    for (int d : disconnects) m = Math.max(m, d);
    return m;
  }

  public int minDisconnectsPerClient() {
    int m = Integer.MAX_VALUE;
    for (int d : disconnects) m = Math.min(m, d);
    return disconnects.length == 0 ? 0 : m;
  }

  /** Clients per live pod. */
  public Map<String, Integer> load() {
    Map<String, Integer> m = new TreeMap<>();
    pods.values().stream().filter(p -> p.terminatingSince == null).forEach(p -> m.put(p.name, p.clients.size()));
    return m;
  }

  /** Clients connected at the end of each simulated second so far. */
  public int[] connectedPerSecond() {
    return seconds.stream().mapToInt(x -> x[0]).toArray();
  }

  /** Reconnects in each simulated second so far. */
  public int[] reconnectsPerSecond() {
    return seconds.stream().mapToInt(x -> x[1]).toArray();
  }

  /**
   * Clients on each pod per simulated second, from second {@code from} on; -1 where the pod did not
   * exist (a chart draws a gap there).
   */
  public Map<String, int[]> connectionsPerPodPerSecond(int from) {
    Map<String, int[]> out = new TreeMap<>();
    int n = podLoads.size() - from;
    for (int i = 0; i < n; i++) {
      for (var e : podLoads.get(from + i).entrySet()) {
        out.computeIfAbsent(e.getKey(), k -> {
          int[] a = new int[n];
          java.util.Arrays.fill(a, -1);
          return a;
        })[i] = e.getValue();
      }
    }
    return out;
  }

  /** Disconnects of each client so far. */
  public int[] disconnectsPerClient() {
    return disconnects.clone();
  }

  public Collection<String> log() {
    return log;
  }

  private void startDrain(StartDrain d, Instant at) {
    Pod p = pods.get(d.pod());
    if (p != null && !p.draining) {
      p.draining = true;
      p.drainStartedAt = at;
      p.migrateTo = d.migrateTo();
      p.initialClients = p.clients.size();
      record("drain " + d.pod() + " (" + p.clients.size() + " clients) to " + d.migrateTo());
    }
  }

  private void record(String line) {
    log.add(line);
    logSink.accept(line);
  }
}
