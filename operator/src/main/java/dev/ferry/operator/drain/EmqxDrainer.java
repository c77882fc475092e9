package dev.ferry.operator.drain;

import dev.ferry.api.FerryNames;
import dev.ferry.core.cluster.Membership;
import dev.ferry.core.release.DrainView;
import dev.ferry.operator.emqx.EmqxApi;
import dev.ferry.operator.emqx.EmqxException;
import dev.ferry.operator.emqx.EmqxModel.Evacuation;
import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import dev.ferry.operator.emqx.EmqxModel.Node;
import dev.ferry.operator.kube.PodStates;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Drains a pod through EMQX's node evacuation (docs/operator.md, "The emqx drainer").
 *
 * <ul>
 *   <li><b>Each pod is asked about itself</b> ({@link EmqxPods}): its own {@code /nodes} and its
 *       own {@code /load_rebalance/status}. A node outside another's view (never joined, split off)
 *       still shows its own evacuation, and one that misses EMQX's 15 s multicall is not taken for
 *       idle.
 *   <li><b>The views must agree</b> ({@link Membership}): a pod that is not a member of the cluster
 *       that serves cannot take clients over; the plans give it no clients and drain nothing
 *       towards it. EMQX's readiness does not say this.
 *   <li><b>{@code migrate_to} is always sent</b>: the nodes of the target pods, each of which must be
 *       a running node in the victim's own view when the drain starts. Without it EMQX sends the
 *       sessions to every other node and, with none left, retries for ever.
 *   <li>Start and stop are idempotent ({@code already_started} / {@code not_started}).
 *   <li>A drain is FINISHED at {@code prohibiting} (or, in a state this operator does not know,
 *       when no connection and no session is left). Its start is the pod's
 *       {@value FerryNames#DRAIN_STARTED_AT_ANNOTATION} annotation, which survives restarts; when
 *       its state or counts last changed is kept here (the reconciler restores it from status for
 *       the drain it reports).
 *   <li>A pod whose API refuses (credentials, permission, no node evacuation) shows as REFUSED, one
 *       that cannot be reached or fails as UNREACHABLE, each with what went wrong.
 * </ul>
 */
public final class EmqxDrainer implements Drainer {

  /** Settings from {@code spec.drain}. */
  public record Settings(int connEvictRate, int sessEvictRate, int waitTakeover, int waitHealthCheck, String redirectTo) {}

  /** Reaches the EMQX API of one pod by its IP. */
  @FunctionalInterface
  public interface Apis {
    EmqxApi at(String podIp) throws EmqxException;
  }

  private static final Set<String> KNOWN_STATES = Set.of(
      "waiting_health_check", "evicting_conns", "waiting_takeover", "evicting_sessions", "prohibiting");

  private final Apis apis;
  private final Settings settings;
  private final Clock clock;
  /**
   * What each running drain of this resource showed last, and since when: a cache of observations,
   * keyed by pod, one per resource (the reconciler's).
   */
  private final Map<String, Progress> progress;

  /** A drain's state and counts, and when they were first seen so. */
  public record Progress(String state, long connections, long sessions, Instant since) {}

  public EmqxDrainer(Apis apis, Settings settings, Clock clock, Map<String, Progress> progress) {
    this.apis = apis;
    this.settings = settings;
    this.clock = clock;
    this.progress = progress;
  }

  public static Map<String, Progress> newProgressMemory() {
    return new ConcurrentHashMap<>();
  }

  @Override
  public Observation observe(List<Pod> pods) {
    List<EmqxPods.Answer> answers = EmqxPods.ask(pods, apis, true);
    Map<String, DrainView> drains = new LinkedHashMap<>();
    List<Membership.View> views = new ArrayList<>();
    Map<String, String> unreadable = new LinkedHashMap<>();
    for (EmqxPods.Answer a : answers) {
      drains.put(a.name(), a.problem() != null ? a.problem() : drainOf(a));
      if (!PodStates.containersReady(a.pod())) {
        continue; // a pod with nothing ready in it neither takes clients nor vouches for anyone
      }
      if (a.self() == null) {
        unreadable.put(a.name(), a.problem() == null ? "no answer" : a.problem().detail());
      } else {
        views.add(new Membership.View(a.name(), a.self().node(),
            a.view().stream().filter(Node::running).map(Node::node).collect(Collectors.toSet()),
            serving(a.pod())));
      }
    }
    progress.keySet().retainAll(pods.stream().map(EmqxDrainer::key).toList()); // this resource's memory only
    return new Observation(drains, Membership.disagreements(views, unreadable));
  }

  /**
   * Serves clients now: Ferry's pods when ready with the gate True; a pod without Ferry's gate (one
   * of a workload being adopted) when ready, as its Service's selector decides alone.
   */
  private static boolean serving(Pod pod) {
    boolean gated = pod.getSpec() != null && pod.getSpec().getReadinessGates() != null && pod.getSpec().getReadinessGates()
        .stream().anyMatch(g -> FerryNames.SERVING_CONDITION.equals(g.getConditionType()));
    return gated ? PodStates.view(pod).serving() : PodStates.containersReady(pod);
  }

  private DrainView drainOf(EmqxPods.Answer a) {
    String key = key(a.pod());
    Optional<Evacuation> e = a.status().evacuation(a.self().node());
    if (e.isEmpty()) {
      progress.remove(key);
      // What the node holds, by its own count: a pod that holds nothing may go without a drain.
      return new DrainView(DrainView.State.NOT_STARTED, "", a.self().liveConnections(), a.self().connections(), null);
    }
    Evacuation ev = e.get();
    boolean waiting = DrainView.WAITING_TAKEOVER.equals(ev.state());
    // EMQX keeps current_sessions at the drain's start until it evicts sessions; while it waits for
    // the takeovers the node's own /nodes entry counts what is left, live (connections counts
    // sessions, connected or not), and a wait with none left can end (PodRemoval). 4.4's count is
    // not documented as sessions, so its wait is always waited out.
    boolean liveCounts = waiting && a.api().dialect() == EmqxApi.Dialect.V5;
    long conns = liveCounts ? a.self().liveConnections() : ev.stats() == null ? -1 : ev.stats().currentConnected();
    long sessions = liveCounts ? a.self().connections() : ev.stats() == null ? -1 : ev.stats().currentSessions();
    // Finished at prohibiting: the state machine has waited out wait_takeover after its last
    // eviction batch and handed on the sessions left. (The next node's drain may start earlier, at
    // waiting_takeover: DrainView.clientsSentAway.) Empty counts end it only in a state this
    // operator does not know.
    boolean finished = ev.prohibiting() || (conns == 0 && sessions == 0 && !KNOWN_STATES.contains(ev.state()));
    // While EMQX waits for the takeovers only a change of state is progress: its end comes from the
    // wait's start, and counts that fall as clients come back would push the stall's clock later.
    Progress seen = progress.compute(key, (k, before) -> before != null && before.state().equals(ev.state())
        && (waiting || before.connections() == conns && before.sessions() == sessions)
        ? before : new Progress(ev.state(), conns, sessions, clock.instant()));
    return new DrainView(finished ? DrainView.State.FINISHED : DrainView.State.RUNNING, ev.state(), conns, sessions,
        startedAt(a.pod()), -1, seen.since());
  }

  /** When the drain started: the mark the operator writes before it starts one; now when missing (started elsewhere). */
  private Instant startedAt(Pod p) {
    var a = p.getMetadata().getAnnotations();
    Instant marked = a == null ? null : PodStates.instant(a.get(FerryNames.DRAIN_STARTED_AT_ANNOTATION));
    return marked != null ? marked : clock.instant();
  }

  @Override
  public void start(Pod pod, List<Pod> migrateTo, int share) throws DrainException {
    if (migrateTo.isEmpty()) {
      throw new DrainException("not starting the evacuation of " + name(pod) + " without a target (EMQX would "
          + "send its sessions to every other node, and with none left retry for ever)", null);
    }
    try {
      EmqxApi api = api(pod);
      List<Node> view = api.nodes();
      String node = BrokerNodes.of(pod, view).orElseThrow(() -> new DrainException(
          "no EMQX node of pod " + name(pod) + " (" + BrokerNodes.ip(pod) + ") in " + api.base() + "/nodes", null)).node();
      List<String> targets = new ArrayList<>();
      for (Pod t : migrateTo) {
        Optional<Node> n = BrokerNodes.of(t, view).filter(Node::running);
        if (n.isEmpty()) {
          throw new DrainException("not starting the evacuation of " + name(pod) + ": the node of " + name(t)
              + " is not a running node in its view of the cluster", null);
        }
        targets.add(n.get().node());
      }
      // Drains side by side share the rates: together they never evict faster than the spec says.
      api.startEvacuation(node, new EvacuationRequest(
          Math.max(1, settings.connEvictRate() / share), Math.max(1, settings.sessEvictRate() / share),
          settings.waitTakeover(), settings.waitHealthCheck(), targets, settings.redirectTo()));
    } catch (EmqxException e) {
      throw new DrainException("starting the evacuation of " + name(pod) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void stop(Pod pod) throws DrainException {
    try {
      EmqxApi api = api(pod);
      Optional<Node> node = BrokerNodes.of(pod, api.nodes());
      if (node.isPresent()) {
        api.stopEvacuation(node.get().node());
      }
      progress.remove(key(pod));
    } catch (EmqxException e) {
      throw new DrainException("stopping the evacuation of " + name(pod) + ": " + e.getMessage(), e);
    }
  }

  private EmqxApi api(Pod pod) throws EmqxException {
    String ip = BrokerNodes.ip(pod);
    if (ip == null) {
      throw new EmqxException(0, "NO_IP", "pod " + name(pod) + " has no IP yet", null);
    }
    return apis.at(ip);
  }

  private static String name(Pod p) {
    return p.getMetadata().getName();
  }

  private static String key(Pod p) {
    return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName() + "/" + p.getMetadata().getUid();
  }
}
