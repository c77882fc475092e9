package dev.ferry.broker.evacuation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.Broker;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.broker.api.ApiResult;
import dev.ferry.broker.api.Bodies;
import dev.ferry.broker.cluster.Cluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs this node's part of EMQX's load rebalance: its own evacuation, the rebalances it
 * coordinates, and its role as a donor in someone else's. The decisions are made by the pure
 * {@link Evacuation} and {@link Rebalance}, which behave as the EMQX of the node's
 * {@link EmqxProfile} (flaws included, kinder only where the profile names an improvement); this
 * class ticks them as EMQX arms its timers ({@link Ticker}), carries out their actions on the
 * {@link Broker}, and sends orders to other nodes over the cluster channel.
 *
 * <p>The node's eviction agent (EMQX's {@code emqx_eviction_agent}) is enabled while an evacuation
 * holds it (see {@link Evacuation#agentEnabled()}) or while the node is a rebalance donor: the node
 * then answers 503 to availability checks and is no evacuation target nor rebalance member.
 *
 * <p>Cluster messages: {@code rb_donor} (coordinator → donor: you are a donor, refusing or not,
 * with your counts at start and the coordinator's entry), {@code rb_done} (coordinator → donor: it
 * is over), {@code rb_evict} / {@code rb_move} (coordinator → donor: evict n connections / move n
 * sessions to these recipients), {@code rpc} / {@code rpc_reply} (an API call for another node). A
 * donor whose coordinator goes down accepts clients again at once (EMQX's links reset its agent); a
 * coordinator that finds one of its nodes gone at a tick ends the rebalance (EMQX's coordinator
 * crashes on the failed call).
 *
 * <p>Every method runs on the broker thread.
 */
public final class LoadRebalanceAgent {

  private static final Logger log = LoggerFactory.getLogger(LoadRebalanceAgent.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final long RPC_TIMEOUT_MILLIS = 5000;
  /** EMQX's default {@code conn_evict_rpc_timeout} and {@code sess_evict_rpc_timeout} (5.9 and later). */
  static final long EVICT_RPC_TIMEOUT_MILLIS = 15_000;
  /** The coordinator's fields a donor repeats in its local status (EMQX's donor_rebalance). */
  private static final List<String> DONOR_VIEW_FIELDS = List.of(
      "state", "coordinator_node", "connection_eviction_rate", "connection_eviction_rpc_timeout",
      "session_eviction_rate", "session_eviction_rpc_timeout", "recipients", "connection_goal",
      "disconnected_session_goal");

  private final Broker broker;
  private final EmqxProfile profile;
  private final EmqxBehaviour emqx;
  private final NodeInfo nodeInfo;
  private Evacuation evacuation;
  private Ticker evacuationTicks;
  private Rebalance rebalance;
  private Ticker rebalanceTicks;
  /** This node's part in someone's rebalance (its own included), or null. */
  private DonorRole donor;
  private final Map<Long, CompletableFuture<ApiResult>> rpcs = new HashMap<>();
  private final Map<Long, String> rpcTargets = new HashMap<>();
  private long nextRpc;

  /**
   * @param coordinatorEntry the coordinator's {@code global_status} entry when it made this node a
   *     donor (its later ones come with its status)
   */
  private record DonorRole(
      String coordinator, boolean refusing, long initialConnected, long initialSessions, ObjectNode coordinatorEntry) {}

  /**
   * @param evictionSlices the profile's (kept for the node that builds this agent; the profile of
   *     {@code broker.config().emqx()} decides)
   */
  public LoadRebalanceAgent(Broker broker, int evictionSlices) {
    this.broker = broker;
    EmqxProfile p = broker.config().emqx();
    this.profile = evictionSlices == p.evictionSlices() ? p : p.withEvictionSlices(evictionSlices);
    this.emqx = EmqxBehaviour.of(profile);
    this.nodeInfo = new NodeInfo(broker, profile, emqx);
  }

  private String self() {
    return broker.name();
  }

  private Cluster cluster() {
    return broker.cluster();
  }

  // ---- availability and admission ------------------------------------------------------------

  /** 200 unless the eviction agent is enabled (load balancers take the node out on 503). */
  public boolean available() {
    return !evictionAgentEnabled();
  }

  private boolean evictionAgentEnabled() {
    return (evacuation != null && evacuation.agentEnabled()) || donor != null;
  }

  private void updateAdmission() {
    boolean evacRefusing = evacuation != null && evacuation.refusing();
    boolean donorRefusing = donor != null && donor.refusing();
    broker.admission(new Broker.Admission(evacRefusing || donorRefusing, evacRefusing ? serverReference() : null));
  }

  /** What refused and evicted MQTT 5 clients get as Server-Reference: see {@link EmqxBehaviour#redirectOverRest()}. */
  private String serverReference() {
    return evacuation != null && emqx.redirectOverRest() ? evacuation.params().redirectTo() : null;
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
    if (donor != null && emqx.evacuationStartChecksAgent()) {
      return ApiResult.refused(self(), "eviction_agent_busy");
    }
    ApiResult invalid = checkNodes(p.migrateTo(), false);
    if (invalid != null) {
      return invalid;
    }
    evacuation = new Evacuation(p, Broker.now(), broker.connectedCount(), broker.sessionCount(), profile);
    log.info("event=evacuation_started node={} state={} conn_evict_rate={} sess_evict_rate={} wait_health_check={} wait_takeover={} migrate_to={} redirect_to={} redirect_honoured={}",
        self(), evacuation.state().wire(), p.connEvictRate(), p.sessEvictRate(), p.waitHealthCheckSeconds(),
        p.waitTakeoverSeconds(), p.migrateTo(), p.redirectTo(), emqx.redirectOverRest());
    evacuationTicks = new Ticker(broker.executor(), this::evacuationTick);
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

  /** One tick; returns the delay before the next, as {@link Ticker} wants it. */
  private long evacuationTick(long now) {
    if (evacuation == null) {
      return Evacuation.NO_MORE_TICKS;
    }
    Evacuation.State before = evacuation.state();
    Evacuation.Action a = evacuation.tick(now, new Evacuation.Observed(
        broker.connectedCount(), broker.sessionCount(), broker.disconnectedSessionCount(), sessionTargets(),
        donor != null));
    if (evacuation.state() != before) {
      log.info("event=evacuation_state node={} from={} to={}", self(), before.wire(), evacuation.state().wire());
    }
    if (evacuation.state() == Evacuation.State.DISABLED) {
      log.warn("event=evacuation_dropped node={} reason=eviction_agent_busy coordinator={}", self(), donor.coordinator());
      evacuation = null;
      updateAdmission();
      return Evacuation.NO_MORE_TICKS;
    }
    updateAdmission();
    switch (a) {
      case Evacuation.EvictConnections e -> broker.evictConnections(e.count(), serverReference(), now);
      case Evacuation.MoveSessions m -> broker.moveSessions(m.count(), m.targets());
      case Evacuation.Nothing n -> { }
    }
    return evacuation.nextTickDelay(now);
  }

  /**
   * EMQX's {@code migrate_to/1}, asked afresh at every tick and status: migrate_to's nodes, or every
   * other running node when none was given, that are up and whose eviction agent is disabled.
   */
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

  /** Whether a peer's eviction agent is enabled (evacuating past its free wait, or a donor). */
  private boolean peerBusy(String node) {
    ObjectNode s = cluster().peerStatus(node);
    return s != null && s.path("agent_enabled").asBoolean();
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
    if (evacuation != null || donor != null) {
      // A simplification: EMQX would go on, and crash on its own busy agent if it were a donor.
      return ApiResult.refused(self(), "eviction_agent_busy");
    }
    // Only a given list is checked; EMQX's default is every running node, busy ones included.
    ApiResult invalid = p.nodes().isEmpty() ? null : checkNodes(p.nodes(), true);
    if (invalid != null) {
      return invalid;
    }
    List<String> nodes = p.nodes().isEmpty() ? allRunningNodes() : p.nodes();
    Rebalance r = Rebalance.start(p, counts(nodes), Broker.now(), profile);
    if (r == null) {
      return ApiResult.refused(self(), "nothing_to_balance");
    }
    List<String> busy = r.donors().stream().filter(d -> !d.equals(self()) && peerBusy(d)).toList();
    if (!busy.isEmpty()) {
      // EMQX's call to enable the donors' agents fails on a busy one and crashes the coordinator:
      // the API reports an RPC error and nothing starts.
      log.warn("event=rebalance_start_failed node={} reason=eviction_agent_busy donors={}", self(), busy);
      return ApiResult.error(503, "RPC_ERROR",
          "RPC error on node '" + self() + "': {bad_results,eviction_agent_busy," + busy + "}");
    }
    rebalance = r;
    log.info("event=rebalance_started node={} donors={} recipients={} conn_evict_rate={} sess_evict_rate={} even={}",
        self(), r.donors(), r.recipients(), p.connEvictRate(), p.sessEvictRate(), emqx.evenRebalance());
    tellDonors(r.donorsRefusing());
    rebalanceTicks = new Ticker(broker.executor(), this::rebalanceTick);
    return ApiResult.ok();
  }

  private List<String> allRunningNodes() {
    List<String> nodes = new ArrayList<>();
    nodes.add(self());
    nodes.addAll(cluster().upPeers());
    return nodes;
  }

  public ApiResult rebalanceStop() {
    if (rebalance == null) {
      return ApiResult.refused(self(), "not_started");
    }
    log.info("event=rebalance_stopped node={} state={}", self(), rebalance.state().wire());
    endRebalance();
    return ApiResult.ok();
  }

  /** One tick; returns the delay before the next, as {@link Ticker} wants it. */
  private long rebalanceTick(long now) {
    if (rebalance == null) {
      return Rebalance.NO_MORE_TICKS;
    }
    List<String> nodes = new ArrayList<>(rebalance.donors());
    nodes.addAll(rebalance.recipients());
    List<String> down = nodes.stream().filter(n -> !n.equals(self()) && !cluster().upPeers().contains(n)).toList();
    if (!down.isEmpty()) {
      log.warn("event=rebalance_aborted node={} reason=node_down down={}", self(), down);
      rebalance.abort();
      endRebalance();
      return Rebalance.NO_MORE_TICKS;
    }
    boolean refusingBefore = rebalance.donorsRefusing();
    Rebalance.State before = rebalance.state();
    Rebalance.Orders orders = rebalance.tick(now, counts(nodes));
    if (rebalance.state() != before) {
      log.info("event=rebalance_state node={} from={} to={}", self(), before.wire(), rebalance.state().wire());
    }
    if (rebalance.state() == Rebalance.State.DONE) {
      endRebalance();
      return Rebalance.NO_MORE_TICKS;
    }
    if (rebalance.donorsRefusing() != refusingBefore) {
      tellDonors(rebalance.donorsRefusing());
    }
    carryOut(orders, now);
    return rebalance.nextTickDelay(now);
  }

  private void carryOut(Rebalance.Orders orders, long now) {
    orders.evictConnections().forEach((d, n) -> {
      if (d.equals(self())) {
        broker.evictConnections(n, null, now);
      } else {
        cluster().send(d, Broker.message("rb_evict").put("n", n));
      }
    });
    List<String> recipients = rebalance.recipients();
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
    ObjectNode entry = rebalanceEntry();
    for (String d : rebalance.donors()) {
      Rebalance.NodeCounts start = rebalance.initial(d);
      if (d.equals(self())) {
        becomeDonor(new DonorRole(self(), refusing, start.connections(), start.sessions(), entry));
      } else {
        ObjectNode m = Broker.message("rb_donor").put("coordinator", self()).put("refusing", refusing)
            .put("initial_connected", start.connections()).put("initial_sessions", start.sessions());
        m.set("entry", entry);
        cluster().send(d, m);
      }
    }
  }

  private void endRebalance() {
    rebalanceTicks.cancel();
    for (String d : rebalance.donors()) {
      if (d.equals(self())) {
        stopBeingDonor();
      } else {
        cluster().send(d, Broker.message("rb_done").put("coordinator", self()));
      }
    }
    log.info("event=rebalance_ended node={} state={}", self(), rebalance.state().wire());
    rebalance = null;
  }

  private void becomeDonor(DonorRole role) {
    donor = role;
    updateAdmission();
  }

  private void stopBeingDonor() {
    donor = null;
    updateAdmission();
  }

  /** The counts EMQX's multicalls would read: this node's live, a peer's from its last status. */
  private List<Rebalance.NodeCounts> counts(List<String> nodes) {
    List<Rebalance.NodeCounts> out = new ArrayList<>();
    for (String n : nodes) {
      if (n.equals(self())) {
        out.add(new Rebalance.NodeCounts(n, broker.connectedCount(), broker.sessionCount(),
            broker.disconnectedSessionCount()));
      } else {
        ObjectNode s = cluster().peerStatus(n);
        out.add(s == null ? new Rebalance.NodeCounts(n, 0, 0, 0) : new Rebalance.NodeCounts(n,
            s.path("connected").asLong(), s.path("sessions").asLong(), s.path("disconnected").asLong()));
      }
    }
    return out;
  }

  /**
   * The contract's node checks: names nobody knows → "Invalid nodes"; known but down or busy →
   * "Nodes unavailable" (busy: the node's eviction agent is enabled).
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
      boolean ok = n.equals(self())
          // The node about to evacuate cannot receive its own sessions.
          ? rebalancing && available()
          : cluster().upPeers().contains(n) && !peerBusy(n);
      if (!ok) {
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
      case "rb_donor" -> becomeDonor(new DonorRole(from, msg.path("refusing").asBoolean(),
          msg.path("initial_connected").asLong(), msg.path("initial_sessions").asLong(),
          msg.path("entry").isObject() ? (ObjectNode) msg.get("entry") : null));
      case "rb_done" -> {
        if (donor != null && from.equals(donor.coordinator())) {
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
      case "rpc_reply" -> onRpcReply(msg);
      default -> log.debug("event=unknown_cluster_message node={} from={} type={}", self(), from, msg.path("type").asText());
    }
  }

  private void onRpcReply(ObjectNode msg) {
    long id = msg.get("id").asLong();
    rpcTargets.remove(id);
    CompletableFuture<ApiResult> f = rpcs.remove(id);
    if (f != null) {
      f.complete(ApiResult.fromJson(msg.get("result")));
    }
  }

  public void onPeerDown(String node) {
    if (donor != null && node.equals(donor.coordinator())) {
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

  /** This node's status for its peers (sent within 250 ms of a change, every 2 s otherwise). */
  public ObjectNode status() {
    ObjectNode s = Broker.message("status")
        .put("node", self())
        .put("connected", broker.connectedCount())
        .put("sessions", broker.sessionCount())
        .put("disconnected", broker.disconnectedSessionCount())
        .put("agent_enabled", evictionAgentEnabled());
    s.set("node_info", nodeInfo.running());
    s.set("evacuation", evacuationEntry());
    s.set("rebalance", rebalanceEntry());
    return s;
  }

  /** {@code global_status.evacuations[]} entry of this node, or null. */
  public ObjectNode evacuationEntry() {
    ObjectNode body = evacuationBody();
    if (body == null) {
      return null;
    }
    ObjectNode e = JSON.createObjectNode().put("node", self());
    e.setAll(body);
    return e;
  }

  /** EMQX's evacuation map: stats are the state machine's snapshots unless asked to be live. */
  private ObjectNode evacuationBody() {
    if (evacuation == null) {
      return null;
    }
    EvacuationParams p = evacuation.params();
    ObjectNode e = JSON.createObjectNode()
        .put("state", evacuation.state().wire())
        .put("connection_eviction_rate", p.connEvictRate())
        .put("session_eviction_rate", p.sessEvictRate())
        .put("connection_goal", 0)
        .put("session_goal", 0);
    ArrayNode recipients = e.putArray("session_recipients");
    sessionTargets().forEach(recipients::add);
    boolean live = emqx.liveEvacuationStats();
    e.putObject("stats")
        .put("initial_connected", evacuation.initialConnected())
        .put("current_connected", live ? broker.connectedCount() : evacuation.currentConnected())
        .put("initial_sessions", evacuation.initialSessions())
        .put("current_sessions", live ? broker.sessionCount() : evacuation.currentSessions());
    return e;
  }

  /**
   * {@code global_status.rebalances[]} entry of the rebalance this node coordinates, or null. Goals
   * and donor averages only once a tick computed them; no recipient averages (the goal is one).
   */
  public ObjectNode rebalanceEntry() {
    if (rebalance == null) {
      return null;
    }
    ObjectNode e = JSON.createObjectNode()
        .put("node", self())
        .put("state", rebalance.state().wire())
        .put("coordinator_node", self())
        .put("connection_eviction_rate", rebalance.params().connEvictRate());
    if (emqx.rpcTimeoutsInStatus()) {
      e.put("connection_eviction_rpc_timeout", EVICT_RPC_TIMEOUT_MILLIS);
    }
    e.put("session_eviction_rate", rebalance.params().sessEvictRate());
    if (emqx.rpcTimeoutsInStatus()) {
      e.put("session_eviction_rpc_timeout", EVICT_RPC_TIMEOUT_MILLIS);
    }
    rebalance.recipients().forEach(e.putArray("recipients")::add);
    rebalance.donors().forEach(e.putArray("donors")::add);
    putIfPresent(e, "connection_goal", rebalance.connectionGoal());
    putIfPresent(e, "disconnected_session_goal", rebalance.disconnectedSessionGoal());
    putIfPresent(e, "donor_conn_avg", rebalance.donorConnectionAverage());
    putIfPresent(e, "donor_sess_avg", rebalance.donorSessionAverage());
    return e;
  }

  private static void putIfPresent(ObjectNode e, String field, OptionalDouble value) {
    value.ifPresent(v -> e.put(field, v)); // a JSON float, as EMQX's averages are
  }

  /**
   * {@code GET /load_rebalance/status} of this node, as EMQX looks only at its own agent: an
   * evacuation's map with {@code process}; a donor's view of the rebalance (live counts); for a
   * recipient, a coordinator that is not a donor, or nothing running, {@code disabled}.
   */
  public ObjectNode localStatus() {
    ObjectNode body = evacuationBody();
    String process = "evacuation";
    if (body == null && donor != null) {
      body = donorView();
      process = "rebalance";
    }
    if (body == null) {
      return JSON.createObjectNode().put("status", "disabled");
    }
    ObjectNode s = JSON.createObjectNode().put("status", "enabled").put("process", process);
    s.setAll(body);
    return s;
  }

  /** EMQX's {@code donor_rebalance}: the coordinator's figures and this node's live counts. */
  private ObjectNode donorView() {
    ObjectNode coordinator = donor.coordinator().equals(self()) ? rebalanceEntry() : freshestCoordinatorEntry();
    if (coordinator == null) {
      return null;
    }
    ObjectNode v = JSON.createObjectNode();
    for (String field : DONOR_VIEW_FIELDS) {
      if (coordinator.has(field)) {
        v.set(field, coordinator.get(field));
      }
    }
    v.putObject("stats")
        .put("initial_connected", donor.initialConnected())
        .put("initial_sessions", donor.initialSessions())
        .put("current_connected", broker.connectedCount())
        .put("current_sessions", broker.sessionCount())
        .put("current_disconnected_sessions", broker.disconnectedSessionCount());
    return v;
  }

  private ObjectNode freshestCoordinatorEntry() {
    ObjectNode s = cluster().peerStatus(donor.coordinator());
    return s != null && s.path("rebalance").isObject() ? (ObjectNode) s.get("rebalance") : donor.coordinatorEntry();
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

  /**
   * Node descriptions for {@code GET /nodes}: this node, every up peer that has reported (EMQX leaves
   * out a running node whose call fails), and every other peer ever seen as stopped.
   */
  public List<ObjectNode> nodes() {
    List<ObjectNode> running = new ArrayList<>();
    List<String> stopped = new ArrayList<>();
    long clusterSessions = broker.sessionCount();
    long now = Broker.now();
    running.add(nodeInfo.running());
    for (String p : new TreeSet<>(cluster().knownPeers())) {
      ObjectNode s = cluster().peerStatus(p);
      if (!cluster().upPeers().contains(p)) {
        stopped.add(p);
      } else if (s != null && s.path("node_info").isObject()) {
        // EMQX asks each node when asked; a peer's last status is up to a couple of seconds old, so
        // its uptime is advanced by that age (its counts were sent when they changed).
        ObjectNode info = ((ObjectNode) s.get("node_info")).deepCopy();
        long age = Math.max(0, now - s.path(Cluster.STATUS_RECEIVED_AT).asLong(now));
        running.add(info.put("uptime", info.path("uptime").asLong() + age));
        clusterSessions += s.path("sessions").asLong();
      }
    }
    List<ObjectNode> out = new ArrayList<>();
    for (ObjectNode n : running) {
      out.add(nodeInfo.answered(n, clusterSessions));
    }
    stopped.forEach(p -> out.add(nodeInfo.stopped(p)));
    return out;
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
}
