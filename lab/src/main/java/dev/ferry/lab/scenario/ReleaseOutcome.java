package dev.ferry.lab.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.lab.cluster.EmbeddedCluster;
import dev.ferry.lab.report.ScenarioReport;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * How a release left the cluster, measured the same way whoever released it: every running
 * broker's {@code availability_check} (503: an evacuation left on, the node refuses clients), the
 * stopped nodes a serving broker's {@code /nodes} still lists, and the pods not of the serving
 * revision.
 */
final class ReleaseOutcome {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ReleaseOutcome() {}

  /**
   * How the release ended, as its driver saw it, before the cluster is measured.
   *
   * @param servingLabels labels (key and value) that mark the serving revision's pods; pods of the
   *     app without them are left over (null: none is counted)
   */
  record End(boolean finished, String end, String detail, Map<String, String> servingLabels) {}

  /** The outcome: the release's end and what the cluster shows now. */
  static ScenarioReport.Outcome measure(EmbeddedCluster c, String app, End end) {
    Map<String, String> servingLabels = end.servingLabels();
    int refusing = 0;
    int stopped = 0;
    int leftover = 0;
    for (Pod p : c.pods()) {
      if (p.getMetadata().getLabels() == null || !app.equals(p.getMetadata().getLabels().get("app"))) {
        continue;
      }
      if (servingLabels != null && !servingLabels.entrySet().stream()
          .allMatch(e -> e.getValue().equals(p.getMetadata().getLabels().get(e.getKey())))) {
        leftover++;
      }
      String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
      if (ip == null || p.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      int availability = get(c, ip, "load_rebalance/availability_check").status;
      if (availability == 503) {
        refusing++;
      }
      if (availability == 200 && stopped == 0) {
        stopped = stoppedNodes(get(c, ip, "nodes").body);
      }
    }
    return new ScenarioReport.Outcome(end.finished(), end.end(), refusing, stopped, leftover, end.detail());
  }

  private static int stoppedNodes(String nodesJson) {
    try {
      int n = 0;
      for (JsonNode node : JSON.readTree(nodesJson)) {
        if ("stopped".equals(node.path("node_status").asText())) {
          n++;
        }
      }
      return n;
    } catch (Exception e) {
      return 0;
    }
  }

  private record Reply(int status, String body) {}

  private static Reply get(EmbeddedCluster c, String ip, String path) {
    String auth = Base64.getEncoder().encodeToString((c.config().apiKey() + ":" + c.config().apiSecret())
        .getBytes(StandardCharsets.UTF_8));
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://" + ip + ":" + c.config().apiPort() + "/api/v5/" + path))
          .timeout(Duration.ofSeconds(5)).header("Authorization", "Basic " + auth).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body());
    } catch (java.io.IOException e) {
      return new Reply(-1, "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Reply(-1, "");
    }
  }
}
