package dev.ferry.operator.drain;

import dev.ferry.core.release.DrainView;
import dev.ferry.operator.emqx.EmqxClient;
import dev.ferry.operator.emqx.EmqxCluster;
import dev.ferry.operator.emqx.EmqxCredentials;
import dev.ferry.operator.emqx.EmqxException;
import dev.ferry.operator.emqx.EmqxModel.Evacuation;
import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import dev.ferry.operator.emqx.EmqxModel.GlobalStatus;
import dev.ferry.operator.emqx.EmqxModel.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.http.HttpClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drains a pod through EMQX 5's evacuation API (shared/EMQX-API.md).
 *
 * <ul>
 *   <li>The broker node of a pod is found through {@code GET /nodes}, never guessed from DNS: the
 *       node whose host part is the pod's IP, hostname or name.
 *   <li>Start and stop are idempotent through {@code already_started} / {@code not_started}.
 *   <li>{@code migrate_to} is the broker nodes of the pods that take the clients over.
 *   <li>A drain is FINISHED at {@code prohibiting} (or, in a state this operator does not know,
 *       when no connection and no session is left).
 * </ul>
 *
 * The API is reached on each pod's own IP, so a node that cannot be reached shows as UNREACHABLE
 * for that pod only.
 */
public final class EmqxDrainer implements Drainer {

  /** Settings from {@code spec.drain}. */
  public record Settings(
      int port, int connEvictRate, int sessEvictRate, int waitTakeover, int waitHealthCheck, String redirectTo) {}

  private static final java.util.Set<String> KNOWN_STATES = java.util.Set.of(
      "waiting_health_check", "evicting_conns", "waiting_takeover", "evicting_sessions", "prohibiting");

  private final HttpClient http;
  private final EmqxCredentials credentials;
  private final Settings settings;
  /** When this operator saw each drain start; EMQX does not say. Survives nothing, needs nothing. */
  private final Map<String, Instant> firstSeen;

  public EmqxDrainer(HttpClient http, EmqxCredentials credentials, Settings settings, Map<String, Instant> firstSeen) {
    this.http = http;
    this.credentials = credentials;
    this.settings = settings;
    this.firstSeen = firstSeen;
  }

  public static Map<String, Instant> newStartTimes() {
    return new ConcurrentHashMap<>();
  }

  @Override
  public Map<String, DrainView> observe(List<Pod> pods) {
    Map<String, DrainView> out = new LinkedHashMap<>();
    EmqxCluster cluster;
    try {
      cluster = EmqxCluster.read(http, pods, settings.port(), credentials);
    } catch (EmqxException e) {
      for (Pod p : pods) {
        out.put(name(p), DrainView.unreachable(e.getMessage()));
      }
      return out;
    }
    GlobalStatus status = cluster.status();
    List<Node> nodes = cluster.nodes();
    Map<String, Evacuation> byNode = new HashMap<>();
    status.evacuations().forEach(e -> byNode.put(e.node(), e));
    for (Pod p : pods) {
      Optional<Node> node = nodeOf(p, nodes);
      if (node.isEmpty()) {
        out.put(name(p), ip(p) == null ? DrainView.unreachable("pod has no IP yet")
            : DrainView.NOT_STARTED);
        continue;
      }
      Evacuation e = byNode.get(node.get().node());
      if (e == null) {
        firstSeen.remove(key(p));
        out.put(name(p), DrainView.NOT_STARTED);
        continue;
      }
      Instant started = firstSeen.computeIfAbsent(key(p), k -> Instant.now());
      long conns = e.stats() == null ? -1 : e.stats().currentConnected();
      long sessions = e.stats() == null ? -1 : e.stats().currentSessions();
      // Finished at prohibiting: the state machine has waited out wait_takeover after its last
      // eviction batch, so the next node's first batch never lands in the same second as this one's
      // last (the reconnect rate stays at the rate across nodes). Empty counts end it only in a
      // state this operator does not know.
      boolean finished = e.prohibiting() || (conns == 0 && sessions == 0 && !KNOWN_STATES.contains(e.state()));
      out.put(name(p), new DrainView(
          finished ? DrainView.State.FINISHED : DrainView.State.RUNNING, e.state(), conns, sessions, started));
    }
    return out;
  }

  @Override
  public void start(Pod pod, List<Pod> migrateTo) throws DrainException {
    try {
      EmqxClient c = client(pod);
      List<Node> nodes = c.nodes();
      String node = nodeOf(pod, nodes).orElseThrow(() -> new DrainException(
          "no EMQX node of pod " + name(pod) + " (" + ip(pod) + ") in " + c.base() + "/nodes", null)).node();
      List<String> targets = new ArrayList<>();
      for (Pod t : migrateTo) {
        nodeOf(t, nodes).filter(Node::running).ifPresent(n -> targets.add(n.node()));
      }
      c.startEvacuation(node, new EvacuationRequest(
          settings.connEvictRate(), settings.sessEvictRate(), settings.waitTakeover(), settings.waitHealthCheck(),
          targets.isEmpty() ? null : targets, settings.redirectTo()));
      firstSeen.putIfAbsent(key(pod), Instant.now());
    } catch (EmqxException e) {
      throw new DrainException("starting the evacuation of " + name(pod) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void stop(Pod pod) throws DrainException {
    try {
      EmqxClient c = client(pod);
      Optional<Node> node = nodeOf(pod, c.nodes());
      if (node.isPresent()) {
        c.stopEvacuation(node.get().node());
      }
      firstSeen.remove(key(pod));
    } catch (EmqxException e) {
      throw new DrainException("stopping the evacuation of " + name(pod) + ": " + e.getMessage(), e);
    }
  }

  private EmqxClient client(Pod pod) throws EmqxException {
    String ip = ip(pod);
    if (ip == null) {
      throw new EmqxException(0, "NO_IP", "pod " + name(pod) + " has no IP yet", null);
    }
    return new EmqxClient(http, EmqxClient.baseOf(ip, settings.port()), credentials);
  }

  static Optional<Node> nodeOf(Pod pod, List<Node> nodes) {
    return EmqxCluster.nodeOf(pod, nodes);
  }

  private static String ip(Pod p) {
    return p.getStatus() == null ? null : p.getStatus().getPodIP();
  }

  private static String name(Pod p) {
    return p.getMetadata().getName();
  }

  private static String key(Pod p) {
    return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName() + "/" + p.getMetadata().getUid();
  }
}
