package dev.ferry.lab.emqxoperator;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The EMQX Operator's Rebalance controller ({@code controllers/apps/v2beta1/rebalance_controller.go})
 * for one Rebalance resource, imitated: it fails at once unless the EMQX resource is Ready and its
 * first core node is Enterprise; the first pass posts {@code /load_rebalance/{first node}/start}
 * with the strategy and every node of the status, and any answer but 200 makes the resource Failed
 * ("Failed to start rebalance: ..."); then every 5 s it reads {@code global_status} and is Completed
 * when no rebalance is listed. It never checks the balance itself, so EMQX's {@code nothing_to_balance}
 * (a 400 on a cluster already balanced) ends it Failed.
 */
public final class RebalanceJob {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The Rebalance's spec.rebalanceStrategy; the defaults are the CRD's. */
  public record Strategy(int connEvictRate, int sessEvictRate, int waitTakeover, int waitHealthCheck,
      int absConnThreshold, String relConnThreshold, int absSessThreshold, String relSessThreshold) {
    public static Strategy defaults(int connEvictRate) {
      return new Strategy(connEvictRate, 500, 60, 60, 1000, "1.1", 1000, "1.1");
    }
  }

  /** Where the resource ended: its phase and the message of its last condition. */
  public record Result(String phase, String message, String requestBody) {}

  private RebalanceJob() {}

  /** Runs the resource to Completed or Failed, or until {@code bound} passes (then still Processing). */
  public static Result run(EmqxOperator emqx, Strategy strategy, Duration bound) {
    if (!emqx.ready()) {
      return new Result("Failed", "EMQX " + emqx.cr().spec.name + " is not ready", null);
    }
    List<EmqxCr.CoreNode> nodes = emqx.coreNodes();
    if (nodes.isEmpty() || !"Enterprise".equals(nodes.get(0).edition())) {
      return new Result("Failed", "Only enterprise edition can be rebalanced", null);
    }
    EmqxApi r = emqx.requesterForRebalance();
    String body;
    try {
      body = JSON.writeValueAsString(body(strategy, nodes.stream().map(EmqxCr.CoreNode::node).toList()));
      EmqxApi.Reply reply = r.post("load_rebalance/" + nodes.get(0).node() + "/start", body);
      if (reply.status() != 200) {
        return new Result("Failed", "Failed to start rebalance: request api failed: " + reply.status() + " "
            + reason(reply.status()), body);
      }
    } catch (IOException e) {
      return new Result("Failed", "Failed to start rebalance: " + e.getMessage(), null);
    }
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      sleep(Duration.ofSeconds(5));
      try {
        if (r.rebalances() == 0) {
          return new Result("Completed", "", body);
        }
      } catch (IOException e) {
        return new Result("Failed", "Failed to get rebalance status: " + e.getMessage(), body);
      }
    }
    return new Result("Processing", "still processing after " + bound.toSeconds() + " s", body);
  }

  /** getRequestBytes: every field of the strategy, both relative thresholds as numbers, and the nodes. */
  static Map<String, Object> body(Strategy s, List<String> nodes) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("conn_evict_rate", s.connEvictRate());
    b.put("sess_evict_rate", s.sessEvictRate());
    b.put("wait_takeover", s.waitTakeover());
    b.put("wait_health_check", s.waitHealthCheck());
    b.put("abs_conn_threshold", s.absConnThreshold());
    b.put("abs_sess_threshold", s.absSessThreshold());
    b.put("nodes", nodes);
    b.put("rel_conn_threshold", Double.parseDouble(s.relConnThreshold()));
    b.put("rel_sess_threshold", Double.parseDouble(s.relSessThreshold()));
    return b;
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 503 -> "Service Unavailable";
      default -> "";
    };
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
