package dev.ferry.operator.drain;

import dev.ferry.core.cluster.Membership;
import dev.ferry.core.release.DrainView;
import dev.ferry.operator.emqx.EmqxApi;
import dev.ferry.operator.emqx.EmqxException;
import dev.ferry.operator.emqx.EmqxModel.Evacuation;
import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import dev.ferry.operator.emqx.EmqxModel.LocalStatus;
import dev.ferry.operator.emqx.EmqxModel.Node;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Drains a pod through EMQX's node evacuation (docs/operator.md, "The emqx drainer").
 *
 * <ul>
 *   <li><b>Each pod is asked about itself</b>, on its own IP: its {@code /nodes} (its view of the
 *       cluster, and which node it is) and its {@code /load_rebalance/status} (what it runs). No pod
 *       answers for another: a node outside another's view (never joined, split off) still shows its
 *       own evacuation, and one that misses EMQX's 15 s multicall is not taken for idle.
 *   <li><b>The views must agree</b> ({@link Membership}): a pod whose node some pod does not list as
 *       running, or whose own list lacks another's node, cannot take clients over; the plans give it
 *       no clients and drain nothing towards it. EMQX's readiness does not say this.
 *   <li><b>{@code migrate_to} is always sent</b>: the nodes of the target pods, each of which must be
 *       a running node in the victim's own view when the drain starts. Without it EMQX sends the
 *       sessions to every other node and, with none left, retries for ever.
 *   <li>Start and stop are idempotent ({@code already_started} / {@code not_started}).
 *   <li>A drain is FINISHED at {@code prohibiting} (or, in a state this operator does not know,
 *       when no connection and no session is left).
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
  /** When this operator saw each drain start; EMQX does not say. status.drain.startedAt survives restarts. */
  private final Map<String, Instant> firstSeen;

  public EmqxDrainer(Apis apis, Settings settings, Clock clock, Map<String, Instant> firstSeen) {
    this.apis = apis;
    this.settings = settings;
    this.clock = clock;
    this.firstSeen = firstSeen;
  }

  public static Map<String, Instant> newStartTimes() {
    return new ConcurrentHashMap<>();
  }

  /** What one pod said about itself, or why it said nothing. */
  private record Self(Pod pod, EmqxApi api, Node node, List<Node> view, LocalStatus status, DrainView problem) {}

  @Override
  public Observation observe(List<Pod> pods) {
    List<Self> selves = askEach(pods);
    Map<String, DrainView> drains = new LinkedHashMap<>();
    List<Membership.View> views = new ArrayList<>();
    Map<String, String> unreadable = new LinkedHashMap<>();
    for (Self s : selves) {
      String name = name(s.pod());
      drains.put(name, s.problem() != null ? s.problem() : drainOf(s));
      if (!containersReady(s.pod())) {
        continue; // a pod with nothing ready in it neither takes clients nor vouches for anyone
      }
      if (s.node() == null) {
        unreadable.put(name, s.problem() == null ? "no answer" : s.problem().detail());
      } else {
        views.add(new Membership.View(name, s.node().node(),
            s.view().stream().filter(Node::running).map(Node::node).collect(Collectors.toSet())));
      }
    }
    return new Observation(drains, Membership.disagreements(views, unreadable));
  }

  /** Asks every pod at once: a pod that takes EMQX's 15 s to answer delays the pass once, not once per pod. */
  private List<Self> askEach(List<Pod> pods) {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Self>> asked = new ArrayList<>();
      for (Pod p : pods) {
        asked.add(pool.submit(() -> ask(p)));
      }
      List<Self> out = new ArrayList<>();
      for (int i = 0; i < pods.size(); i++) {
        try {
          out.add(asked.get(i).get());
        } catch (ExecutionException e) {
          out.add(failed(pods.get(i), null, DrainView.unreachable("asking " + name(pods.get(i)) + " failed: " + e.getCause())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          out.add(failed(pods.get(i), null, DrainView.unreachable("interrupted")));
        }
      }
      return out;
    }
  }

  private Self ask(Pod pod) {
    String ip = BrokerNodes.ip(pod);
    if (ip == null) {
      return failed(pod, null, DrainView.unreachable("pod has no IP yet"));
    }
    EmqxApi api;
    List<Node> view;
    try {
      api = apis.at(ip);
      view = api.nodes();
    } catch (EmqxException e) {
      return failed(pod, null, problem(e));
    }
    Optional<Node> self = BrokerNodes.of(pod, view);
    if (self.isEmpty()) {
      return failed(pod, null, DrainView.unreachable(api.base() + "/nodes lists no node at " + ip
          + " (nodes: " + view.stream().map(Node::node).toList() + ")"));
    }
    try {
      return new Self(pod, api, self.get(), view, api.localStatus(), null);
    } catch (EmqxException e) {
      return new Self(pod, api, self.get(), view, null, problem(e));
    }
  }

  private static Self failed(Pod pod, Node node, DrainView problem) {
    return new Self(pod, null, node, List.of(), null, problem);
  }

  private DrainView drainOf(Self s) {
    String key = key(s.pod());
    Optional<Evacuation> e = s.status().evacuation(s.node().node());
    if (e.isEmpty()) {
      firstSeen.remove(key);
      return DrainView.NOT_STARTED;
    }
    Evacuation ev = e.get();
    Instant started = firstSeen.computeIfAbsent(key, k -> clock.instant());
    long conns = ev.stats() == null ? -1 : ev.stats().currentConnected();
    long sessions = ev.stats() == null ? -1 : ev.stats().currentSessions();
    // Finished at prohibiting: the state machine has waited out wait_takeover after its last
    // eviction batch, so the next node's first batch never lands in the same second as this one's
    // last (the reconnect rate stays at the rate across nodes). Empty counts end it only in a
    // state this operator does not know.
    boolean finished = ev.prohibiting() || (conns == 0 && sessions == 0 && !KNOWN_STATES.contains(ev.state()));
    return new DrainView(finished ? DrainView.State.FINISHED : DrainView.State.RUNNING, ev.state(), conns, sessions, started);
  }

  @Override
  public void start(Pod pod, List<Pod> migrateTo) throws DrainException {
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
      api.startEvacuation(node, new EvacuationRequest(
          settings.connEvictRate(), settings.sessEvictRate(), settings.waitTakeover(), settings.waitHealthCheck(),
          targets, settings.redirectTo()));
      firstSeen.putIfAbsent(key(pod), clock.instant());
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
      firstSeen.remove(key(pod));
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

  /** A failed call as the plans see it: the setup refuses (nothing changes until fixed), or no answer. */
  static DrainView problem(EmqxException e) {
    return refused(e) ? DrainView.refused(e.getMessage()) : DrainView.unreachable(e.getMessage());
  }

  /** A setup problem (credentials, permission, no evacuation API, TLS, address): nothing changes until fixed. */
  static boolean refused(EmqxException e) {
    return e.setupProblem();
  }

  private static boolean containersReady(Pod p) {
    return dev.ferry.operator.kube.PodStates.containersReady(p);
  }

  private static String name(Pod p) {
    return p.getMetadata().getName();
  }

  private static String key(Pod p) {
    return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName() + "/" + p.getMetadata().getUid();
  }
}
