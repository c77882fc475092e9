package dev.ferry.broker.evacuation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.Broker;
import dev.ferry.broker.api.ApiResult;
import dev.ferry.broker.api.Bodies;
import dev.ferry.broker.cluster.Cluster;
import dev.ferry.core.rebalance.NodeLoad;
import dev.ferry.core.rebalance.RebalanceMath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs this node's part of EMQX's load rebalance: its own evacuation, the rebalances it
 * coordinates, and its role as a donor in someone else's. The decisions are made by the pure
 * {@link Evacuation} and {@link Rebalance}; this class ticks them (once a second as EMQX does, or in
 * {@link dev.ferry.broker.BrokerConfig#evictionSlices()} slices of a second), carries out their
 * actions on the {@link Broker}, and sends orders to other nodes over the cluster channel.
 *
 * <p>Cluster messages: {@code rb_donor} (coordinator → donor: you are a donor, refusing or not),
 * {@code rb_done} (coordinator → donor: it is over), {@code rb_evict} / {@code rb_move} (coordinator
 * → donor: evict n connections / move n sessions to these recipients), {@code rpc} /
 * {@code rpc_reply} (an API call for another node). A donor whose coordinator goes down accepts
 * clients again at once; a coordinator that loses one of its nodes ends the rebalance.
 *
 * <p>Every method runs on the broker thread.
 */
public final class LoadRebalanceAgent {

  private static final Logger log = LoggerFactory.getLogger(LoadRebalanceAgent.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final long RPC_TIMEOUT_MILLIS = 5000;

  private final Broker broker;
  private final int slices;
  private Evacuation evacuation;
  private Ticker evacuationTicks;
  private Rebalance rebalance;
  private Ticker rebalanceTicks;
  /** The coordinator of the rebalance this node is a donor in, or null. */
  private String donorOf;
  private boolean donorRefusing;
  private final Map<Long, CompletableFuture<ApiResult>> rpcs = new HashMap<>();
  private final Map<Long, String> rpcTargets = new HashMap<>();
  private long nextRpc;

  public LoadRebalanceAgent(Broker broker, int evictionSlices) {
    this.broker = broker;
    this.slices = evictionSlices;
  }

  private String self() {
    return broker.name();
  }

  private Cluster cluster() {
    return broker.cluster();
  }

  // ---- availability and admission ------------------------------------------------------------

  /** 503 while evacuating or a rebalance donor (load balancers take the node out). */
  public boolean available() {
    return evacuation == null && donorOf == null;
  }

  private void updateAdmission() {
    boolean evacRefusing = evacuation != null && evacuation.refusing();
    String ref = evacRefusing ? evacuation.params().redirectTo() : null;
    broker.admission(new Broker.Admission(evacRefusing || donorRefusing, ref));
  }

  // ---- evacuation ----------------------------------------------------------------------------

  public ApiResult evacuationStart(JsonNode body) {
    EvacuationParams p;
    try {
      p = Bodies.evacuation(body);
    } catch (Bodies.BadBody e) {
      return ApiResult.badRequest(e.getMessage());
    }
    if (evacuation != null) {
      return ApiResult.refused(self(), "already_started");
    }
    if (donorOf != null || rebalance != null) {
      return ApiResult.refused(self(), "eviction_agent_busy");
    }
    ApiResult invalid = checkNodes(p.migrateTo(), false);
    if (invalid != null) {
      return invalid;
    }
    evacuation = new Evacuation(p, Broker.now(), broker.connectedCount(), broker.sessionCount(), slices);
    log.info("event=evacuation_started node={} conn_evict_rate={} sess_evict_rate={} wait_health_check={} wait_takeover={} migrate_to={} redirect_to={}",
        self(), p.connEvictRate(), p.sessEvictRate(), p.waitHealthCheckSeconds(), p.waitTakeoverSeconds(),
        p.migrateTo(), p.redirectTo());
    evacuationTicks = new Ticker(broker.executor(), 1000 / slices, this::evacuationTick);
    updateAdmission();
    return ApiResult.ok();
  }

  public ApiResult evacuationStop() {
    if (evacuation == null) {
      return ApiResult.refused(self(), "not_started");
    }
    evacuationTicks.cancel();
    log.info("event=evacuation_stopped node={} state={}", self(), evacuation.state().wire());
    evacuation = null;
    updateAdmission();
    return ApiResult.ok();
  }

  private void evacuationTick(long now) {
    if (evacuation == null) {
      return;
    }
    Evacuation.State before = evacuation.state();
    Evacuation.Action a = evacuation.tick(now, new Evacuation.Observed(
        broker.connectedCount(), broker.sessionCount(), broker.disconnectedSessionCount(), sessionTargets()));
    if (evacuation.state() != before) {
      log.info("event=evacuation_state node={} from={} to={}", self(), before.wire(), evacuation.state().wire());
      updateAdmission();
    }
    switch (a) {
      case Evacuation.EvictConnections e -> broker.evictConnections(e.count(), evacuation.params().redirectTo(), now);
      case Evacuation.MoveSessions m -> broker.moveSessions(m.count(), m.targets());
      case Evacuation.Nothing n -> { }
    }
  }

  /** migrate_to's nodes that are up and not evacuating, or every such peer when none was given. */
  private List<String> sessionTargets() {
    List<String> candidates = evacuation.params().migrateTo().isEmpty()
        ? cluster().upPeers() : evacuation.params().migrateTo();
    List<String> out = new ArrayList<>();
    for (String n : candidates) {
      if (!n.equals(self()) && cluster().upPeers().contains(n) && !peerBusy(n)) {
        out.add(n);
      }
    }
    return out;
  }

  private boolean peerBusy(String node) {
    ObjectNode s = cluster().peerStatus(node);
    return s != null && (!s.path("evacuation").isNull() && !s.path("evacuation").isMissingNode());
  }

  // ---- rebalance (coordinator) ----------------------------------------------------------------

  public ApiResult rebalanceStart(JsonNode body) {
    RebalanceParams p;
    try {
      p = Bodies.rebalance(body);
    } catch (Bodies.BadBody e) {
      return ApiResult.badRequest(e.getMessage());
    }
    if (rebalance != null) {
      return ApiResult.refused(self(), "already_started");
    }
    if (evacuation != null || donorOf != null) {
      return ApiResult.refused(self(), "eviction_agent_busy");
    }
    List<String> nodes = p.nodes();
    if (nodes.isEmpty()) {
      nodes = new ArrayList<>();
      nodes.add(self());
      for (String n : cluster().upPeers()) {
        if (!peerBusy(n)) {
          nodes.add(n);
        }
      }
    }
    ApiResult invalid = checkNodes(nodes, true);
    if (invalid != null) {
      return invalid;
    }
    Rebalance r = Rebalance.start(p, loads(nodes), Broker.now(), slices);
    if (r == null) {
      return ApiResult.refused(self(), "nothing_to_balance");
    }
    rebalance = r;
    log.info("event=rebalance_started node={} donors={} recipients={} conn_evict_rate={} sess_evict_rate={}",
        self(), r.split().donors(), r.split().recipients(), p.connEvictRate(), p.sessEvictRate());
    tellDonors(false);
    rebalanceTicks = new Ticker(broker.executor(), 1000 / slices, this::rebalanceTick);
    return ApiResult.ok();
  }

  public ApiResult rebalanceStop() {
    if (rebalance == null) {
      return ApiResult.refused(self(), "not_started");
    }
    log.info("event=rebalance_stopped node={} state={}", self(), rebalance.state().wire());
    endRebalance();
    return ApiResult.ok();
  }

  private void rebalanceTick(long now) {
    if (rebalance == null) {
      return;
    }
    List<String> nodes = new ArrayList<>(rebalance.split().donors());
    nodes.addAll(rebalance.split().recipients());
    for (String n : nodes) {
      if (!n.equals(self()) && !cluster().upPeers().contains(n)) {
        log.warn("event=rebalance_aborted node={} reason=node_down down={}", self(), n);
        endRebalance();
        return;
      }
    }
    Map<String, Integer> movable = new HashMap<>();
    for (String d : rebalance.split().donors()) {
      movable.put(d, d.equals(self()) ? broker.disconnectedSessionCount() : cluster().peerStatus(d).path("disconnected").asInt());
    }
    boolean refusingBefore = rebalance.donorsRefusing();
    Rebalance.State before = rebalance.state();
    Rebalance.Orders orders = rebalance.tick(now, loads(nodes), movable);
    if (rebalance.state() != before) {
      log.info("event=rebalance_state node={} from={} to={}", self(), before.wire(), rebalance.state().wire());
    }
    if (rebalance.state() == Rebalance.State.DONE) {
      endRebalance();
      return;
    }
    if (rebalance.donorsRefusing() != refusingBefore) {
      tellDonors(rebalance.donorsRefusing());
    }
    orders.evictConnections().forEach((d, n) -> {
      if (d.equals(self())) {
        broker.evictConnections(n, null, now);
      } else {
        cluster().send(d, Broker.message("rb_evict").put("n", n));
      }
    });
    List<String> recipients = rebalance.split().recipients();
    orders.moveSessions().forEach((d, n) -> {
      if (d.equals(self())) {
        broker.moveSessions(n, recipients);
      } else {
        ObjectNode m = Broker.message("rb_move").put("n", n);
        recipients.forEach(m.putArray("targets")::add);
        cluster().send(d, m);
      }
    });
  }

  private void tellDonors(boolean refusing) {
    for (String d : rebalance.split().donors()) {
      if (d.equals(self())) {
        becomeDonor(self(), refusing);
      } else {
        cluster().send(d, Broker.message("rb_donor").put("coordinator", self()).put("refusing", refusing));
      }
    }
  }

  private void endRebalance() {
    rebalanceTicks.cancel();
    for (String d : rebalance.split().donors()) {
      if (d.equals(self())) {
        stopBeingDonor();
      } else {
        cluster().send(d, Broker.message("rb_done").put("coordinator", self()));
      }
    }
    log.info("event=rebalance_ended node={} state={}", self(), rebalance.state().wire());
    rebalance = null;
  }

  private void becomeDonor(String coordinator, boolean refusing) {
    donorOf = coordinator;
    donorRefusing = refusing;
    updateAdmission();
  }

  private void stopBeingDonor() {
    donorOf = null;
    donorRefusing = false;
    updateAdmission();
  }

  private List<NodeLoad> loads(List<String> nodes) {
    List<NodeLoad> out = new ArrayList<>();
    for (String n : nodes) {
      if (n.equals(self())) {
        out.add(new NodeLoad(n, broker.connectedCount(), broker.sessionCount()));
      } else {
        ObjectNode s = cluster().peerStatus(n);
        out.add(new NodeLoad(n, s == null ? 0 : s.path("connected").asLong(), s == null ? 0 : s.path("sessions").asLong()));
      }
    }
    return out;
  }

  /**
   * The contract's node checks: names nobody knows → "Invalid nodes"; known but down or busy →
   * "Nodes unavailable" (busy: evacuating, or for a rebalance also a donor elsewhere).
   */
  private ApiResult checkNodes(List<String> nodes, boolean rebalancing) {
    Set<String> known = new LinkedHashSet<>(cluster().knownPeers());
    known.add(self());
    List<String> invalid = nodes.stream().filter(n -> !known.contains(n)).toList();
    if (!invalid.isEmpty()) {
      return ApiResult.badRequest("Invalid nodes: " + String.join(", ", invalid));
    }
    List<String> unavailable = new ArrayList<>();
    for (String n : nodes) {
      if (n.equals(self())) {
        if (rebalancing ? !available() : false) {
          unavailable.add(n);
        }
        if (!rebalancing) {
          unavailable.add(n); // an evacuating node cannot receive its own sessions
        }
      } else if (!cluster().upPeers().contains(n) || peerBusy(n)
          || (rebalancing && cluster().peerStatus(n) != null && cluster().peerStatus(n).path("donor").asBoolean())) {
        unavailable.add(n);
      }
    }
    if (!unavailable.isEmpty()) {
      return ApiResult.error(400, "NOT_FOUND", "Nodes unavailable: " + String.join(", ", unavailable));
    }
    return null;
  }

  // ---- cluster messages ----------------------------------------------------------------------

  /** Load-rebalance and RPC messages from peers. */
  public void onMessage(String from, ObjectNode msg) {
    switch (msg.path("type").asText()) {
      case "rb_donor" -> becomeDonor(from, msg.path("refusing").asBoolean());
      case "rb_done" -> {
        if (from.equals(donorOf)) {
          stopBeingDonor();
        }
      }
      case "rb_evict" -> broker.evictConnections(msg.get("n").asInt(), null);
      case "rb_move" -> {
        List<String> targets = new ArrayList<>();
        msg.withArray("targets").forEach(t -> targets.add(t.asText()));
        broker.moveSessions(msg.get("n").asInt(), targets);
      }
      case "rpc" -> {
        ApiResult r = local(msg.get("op").asText(), msg.get("body"));
        cluster().send(from, Broker.message("rpc_reply").put("id", msg.get("id").asLong()).set("result", r.toJson()));
      }
      case "rpc_reply" -> {
        long id = msg.get("id").asLong();
        rpcTargets.remove(id);
        CompletableFuture<ApiResult> f = rpcs.remove(id);
        if (f != null) {
          f.complete(ApiResult.fromJson(msg.get("result")));
        }
      }
      default -> log.debug("event=unknown_cluster_message node={} from={} type={}", self(), from, msg.path("type").asText());
    }
  }

  public void onPeerDown(String node) {
    if (node.equals(donorOf)) {
      log.warn("event=coordinator_lost node={} coordinator={}", self(), node);
      stopBeingDonor();
    }
    for (Map.Entry<Long, String> e : List.copyOf(rpcTargets.entrySet())) {
      if (e.getValue().equals(node)) {
        rpcTargets.remove(e.getKey());
        CompletableFuture<ApiResult> f = rpcs.remove(e.getKey());
        if (f != null) {
          f.complete(ApiResult.rpcError(node));
        }
      }
    }
  }

  // ---- API operations, for this node or forwarded ---------------------------------------------

  /** Operations of the load-rebalance API: evacuation_start/stop, rebalance_start/stop. */
  public CompletableFuture<ApiResult> call(String node, String op, JsonNode body) {
    if (node.equals(self())) {
      return CompletableFuture.completedFuture(local(op, body));
    }
    if (!cluster().knownPeers().contains(node)) {
      return CompletableFuture.completedFuture(ApiResult.notFound("node '" + node + "' not found"));
    }
    long id = ++nextRpc;
    CompletableFuture<ApiResult> f = new CompletableFuture<>();
    ObjectNode m = Broker.message("rpc").put("id", id).put("op", op);
    m.set("body", body);
    if (!cluster().send(node, m)) {
      return CompletableFuture.completedFuture(ApiResult.rpcError(node));
    }
    rpcs.put(id, f);
    rpcTargets.put(id, node);
    broker.executor().schedule(() -> {
      rpcTargets.remove(id);
      CompletableFuture<ApiResult> pending = rpcs.remove(id);
      if (pending != null) {
        pending.complete(ApiResult.rpcError(node));
      }
    }, RPC_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    return f;
  }

  private ApiResult local(String op, JsonNode body) {
    return switch (op) {
      case "evacuation_start" -> evacuationStart(body);
      case "evacuation_stop" -> evacuationStop();
      case "rebalance_start" -> rebalanceStart(body);
      case "rebalance_stop" -> rebalanceStop();
      default -> ApiResult.notFound("unknown operation " + op);
    };
  }

  // ---- status --------------------------------------------------------------------------------

  /** This node's status for its peers (sent every 250 ms). */
  public ObjectNode status() {
    ObjectNode s = Broker.message("status")
        .put("node", self())
        .put("connected", broker.connectedCount())
        .put("sessions", broker.sessionCount())
        .put("disconnected", broker.disconnectedSessionCount())
        .put("uptime", broker.uptimeMillis())
        .put("version", broker.config().version())
        .put("donor", donorOf != null);
    s.set("evacuation", evacuationEntry());
    s.set("rebalance", rebalanceEntry());
    return s;
  }

  /** {@code global_status.evacuations[]} entry of this node, or null. */
  public ObjectNode evacuationEntry() {
    if (evacuation == null) {
      return null;
    }
    EvacuationParams p = evacuation.params();
    ObjectNode e = JSON.createObjectNode()
        .put("node", self())
        .put("state", evacuation.state().wire())
        .put("connection_eviction_rate", p.connEvictRate())
        .put("session_eviction_rate", p.sessEvictRate())
        .put("connection_goal", 0)
        .put("session_goal", 0);
    ArrayNode rec = e.putArray("session_recipients");
    (p.migrateTo().isEmpty() ? cluster().upPeers() : p.migrateTo()).forEach(rec::add);
    e.putObject("stats")
        .put("initial_connected", evacuation.initialConnected())
        .put("current_connected", broker.connectedCount())
        .put("initial_sessions", evacuation.initialSessions())
        .put("current_sessions", broker.sessionCount());
    return e;
  }

  /** {@code global_status.rebalances[]} entry of the rebalance this node coordinates, or null. */
  public ObjectNode rebalanceEntry() {
    if (rebalance == null) {
      return null;
    }
    RebalanceMath.Split split = rebalance.split();
    Map<String, NodeLoad> loads = rebalance.lastLoads();
    ObjectNode e = JSON.createObjectNode()
        .put("node", self())
        .put("coordinator_node", self())
        .put("state", rebalance.state().wire());
    split.donors().forEach(e.putArray("donors")::add);
    split.recipients().forEach(e.putArray("recipients")::add);
    e.put("connection_eviction_rate", rebalance.params().connEvictRate())
        .put("session_eviction_rate", rebalance.params().sessEvictRate())
        .put("donor_conn_avg", RebalanceMath.average(split, true, loads, NodeLoad::connections))
        .put("donor_sess_avg", RebalanceMath.average(split, true, loads, NodeLoad::sessions))
        .put("recipient_conn_avg", RebalanceMath.average(split, false, loads, NodeLoad::connections))
        .put("recipient_sess_avg", RebalanceMath.average(split, false, loads, NodeLoad::sessions));
    return e;
  }

  /** {@code GET /load_rebalance/status} of this node. */
  public ObjectNode localStatus() {
    ObjectNode entry = evacuation != null ? evacuationEntry() : rebalanceEntry();
    if (entry == null) {
      return JSON.createObjectNode().put("status", "disabled");
    }
    ObjectNode s = JSON.createObjectNode().put("status", "enabled")
        .put("process", evacuation != null ? "evacuation" : "rebalance");
    s.setAll(entry);
    return s;
  }

  /** {@code GET /load_rebalance/global_status}: this node's entries and every up peer's. */
  public ObjectNode globalStatus() {
    ObjectNode g = JSON.createObjectNode();
    ArrayNode evacuations = g.putArray("evacuations");
    g.putArray("purges");
    ArrayNode rebalances = g.putArray("rebalances");
    if (evacuation != null) {
      evacuations.add(evacuationEntry());
    }
    if (rebalance != null) {
      rebalances.add(rebalanceEntry());
    }
    for (String p : cluster().upPeers()) {
      ObjectNode s = cluster().peerStatus(p);
      if (s == null) {
        continue;
      }
      if (s.path("evacuation").isObject()) {
        evacuations.add(s.get("evacuation"));
      }
      if (s.path("rebalance").isObject()) {
        rebalances.add(s.get("rebalance"));
      }
    }
    return g;
  }

  /** Node descriptions for {@code GET /nodes}: this node and every peer ever seen. */
  public List<ObjectNode> nodes() {
    List<ObjectNode> out = new ArrayList<>();
    out.add(nodeInfo(self(), "running", broker.sessionCount(), broker.connectedCount(), broker.uptimeMillis(),
        broker.config().version()));
    for (String p : cluster().knownPeers()) {
      ObjectNode s = cluster().upPeers().contains(p) ? cluster().peerStatus(p) : null;
      if (s == null) {
        out.add(nodeInfo(p, "stopped", 0, 0, 0, broker.config().version()));
      } else {
        out.add(nodeInfo(p, "running", s.path("sessions").asLong(), s.path("connected").asLong(),
            s.path("uptime").asLong(), s.path("version").asText()));
      }
    }
    return out;
  }

  private static ObjectNode nodeInfo(String node, String status, long sessions, long live, long uptime, String version) {
    return JSON.createObjectNode()
        .put("node", node)
        .put("node_status", status)
        .put("version", version)
        .put("role", "core")
        .put("edition", "Opensource")
        .put("connections", sessions)
        .put("live_connections", live)
        .put("uptime", uptime);
  }

  /** Stops ticking (node shutdown). */
  public void shutdown() {
    if (evacuationTicks != null) {
      evacuationTicks.cancel();
    }
    if (rebalance != null) {
      endRebalance();
    }
  }

  /**
   * Runs a tick on the broker thread every {@code intervalMillis}, each at least that long
   * after the previous one by {@link Broker#now()}, the clock the pacers count on; the tick gets that
   * time.
   *
   * <p>Not {@code scheduleAtFixedRate}: its runs keep to times fixed at the start, so a run that
   * starts a few milliseconds late (the broker thread busy, the first run especially) is followed by
   * one less than a second later, whose pacer still counts the previous grant inside its one-second
   * window and grants nothing: that second had no evictions, the next one a full batch (in the lab,
   * the first drained node's reconnects went 200, 0, 200 instead of 200, 200).
   */
  static final class Ticker {
    private final ScheduledExecutorService executor;
    private final LongConsumer tick;
    private final long intervalMillis;
    private volatile boolean cancelled;
    private volatile ScheduledFuture<?> next;

    Ticker(ScheduledExecutorService executor, long intervalMillis, LongConsumer tick) {
      this.executor = executor;
      this.intervalMillis = intervalMillis;
      this.tick = tick;
      this.next = executor.schedule(this::run, 0, TimeUnit.MILLISECONDS);
    }

    private void run() {
      if (cancelled) {
        return;
      }
      long now = Broker.now();
      try {
        tick.accept(now);
      } finally {
        if (!cancelled) {
          // Broker.now() truncates nanoseconds to milliseconds: wait for the start of now + interval.
          long delayNanos = (now + intervalMillis) * 1_000_000 - System.nanoTime();
          try {
            next = executor.schedule(this::run, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
          } catch (RejectedExecutionException e) {
            cancelled = true; // the node is stopping
          }
        }
      }
    }

    /** No tick after this one (call on the broker thread). */
    void cancel() {
      cancelled = true;
      ScheduledFuture<?> f = next;
      if (f != null) {
        f.cancel(false);
      }
    }
  }
}
