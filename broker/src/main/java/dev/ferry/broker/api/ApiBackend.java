package dev.ferry.broker.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.broker.Broker;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.broker.evacuation.LoadRebalanceAgent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What both dialects ask of the node: the load-rebalance agent's answers and the node's state, each
 * taken on the broker thread (the only thread that may touch them), so the event loop never waits.
 */
final class ApiBackend {

  /** How a node named in a path stands, as EMQX's API checks it before an RPC. */
  enum NodeState {
    /** This node, or a peer that runs. */
    RUNNING,
    /** A peer seen once and down now (EMQX 5: not in {@code mria:running_nodes()}). */
    DOWN,
    /** A name no node of the cluster ever had (EMQX: no such atom). */
    UNKNOWN
  }

  private final Broker broker;
  private final LoadRebalanceAgent agent;

  ApiBackend(Broker broker, LoadRebalanceAgent agent) {
    this.broker = broker;
    this.agent = agent;
  }

  EmqxProfile profile() {
    return broker.config().emqx();
  }

  String self() {
    return broker.name();
  }

  LoadRebalanceAgent agent() {
    return agent;
  }

  <T> CompletableFuture<T> onBroker(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, broker.executor());
  }

  /** Broker thread only. */
  NodeState nodeState(String node) {
    if (node.equals(self()) || broker.cluster().upPeers().contains(node)) {
      return NodeState.RUNNING;
    }
    return broker.cluster().knownPeers().contains(node) ? NodeState.DOWN : NodeState.UNKNOWN;
  }

  /**
   * An operation of the load-rebalance agent for {@code node}, unless {@code precheck} (given the
   * node's state, on the broker thread) answers first.
   */
  CompletableFuture<ApiResult> call(
      String node, String operation, JsonNode body, Function<NodeState, ApiResult> precheck) {
    CompletableFuture<ApiResult> out = new CompletableFuture<>();
    broker.executor().execute(() -> {
      try {
        ApiResult early = precheck.apply(nodeState(node));
        if (early != null) {
          out.complete(early);
          return;
        }
        agent.call(node, operation, body).whenComplete((r, e) -> {
          if (e != null) {
            out.completeExceptionally(e);
          } else {
            out.complete(r);
          }
        });
      } catch (RuntimeException e) {
        out.completeExceptionally(e);
      }
    });
    return out;
  }

  /**
   * {@code GET /status}: EMQX answers 200 as soon as its {@code emqx} application runs, whether or
   * not the node has joined anyone (this server runs only while the node does). With
   * {@code READY_AFTER_ROUTES} the lab waits for its peers' routes first.
   */
  CompletableFuture<HttpReply> status(boolean json) {
    boolean waitForRoutes = profile().has(EmqxProfile.Improvement.READY_AFTER_ROUTES);
    return onBroker(() -> waitForRoutes ? broker.cluster().waitingFor() : List.<String>of()).thenApply(waiting -> {
      int code = waiting.isEmpty() ? 200 : 503;
      HttpReply r = json ? statusJson(waiting.isEmpty()) : HttpReply.text(code, statusText(waiting));
      return new HttpReply(code, r.contentType(), r.body(), r.headers()).withHeader("retry-after", "15");
    });
  }

  private String statusText(List<String> waiting) {
    return "Node " + self() + " is started\n" + (waiting.isEmpty() ? "emqx is running"
        : "emqx is not_running (lab: waiting for the routes of " + String.join(", ", waiting) + ")");
  }

  private HttpReply statusJson(boolean running) {
    var body = ApiResult.JSON.createObjectNode().put("node_name", self());
    EmqxProfile p = profile();
    if (!p.atLeast(6, 2)) {
      body.put("rel_vsn", p.version());
    }
    if (p.atLeast(5, 9)) {
      body.put("cluster", "emqxcl");
    }
    body.put("broker_status", "started").put("app_status", running ? "running" : "not_running");
    return HttpReply.json(running ? 200 : 503, body).withContentType(p.statusJsonContentType());
  }
}
