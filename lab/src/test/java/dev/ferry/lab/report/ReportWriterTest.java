package dev.ferry.lab.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {

  static ScenarioReport ferry() {
    return new ScenarioReport("ferry", "Ferry blue-green", 100, 1, 1.0, Map.of(1, 100), 0, 2, 20, 20, 0.99, 0.97, 0.04,
        30, 28, new ScenarioReport.Timeline(new int[] {100, 99, 100}, new int[] {0, 20, 0},
            Map.of("emqx@127.0.1.1", new int[] {50, 30, -1}, "emqx@127.0.1.3", new int[] {-1, 20, 50})));
  }

  @Test
  void reportJsonHoldsWhatTheIssueAsksForPerScenario(@TempDir Path dir) throws Exception {
    ReportWriter.write(dir, "lab", Map.of("clients", 100), List.of(ferry()));
    JsonNode s = new ObjectMapper().readTree(dir.resolve("report.json").toFile()).get("scenarios").get(0);
    for (String key : List.of("clients", "maxDisconnectsPerClient", "meanDisconnectsPerClient", "messagesLost",
        "messagesDuplicated", "peakReconnectsPerSecond", "connEvictRate", "minConnectedFraction", "imbalance",
        "durationSeconds", "floorSeconds")) {
      assertThat(s.has(key)).as(key).isTrue();
    }
    assertThat(s.get("timeline").get("connectionsPerNode").get("emqx@127.0.1.3").get(0).asInt()).isEqualTo(-1);
  }

  @Test
  void theHtmlReportIsOneSelfContainedFile(@TempDir Path dir) throws Exception {
    ReportWriter.write(dir, "lab", Map.of(), List.of(ferry()));
    String html = Files.readString(dir.resolve("report.html"));
    assertThat(html).contains("uPlot").contains("id=conn0").contains("\"scenario\" : \"ferry\"");
    assertThat(html).doesNotContainPattern("(src|href)=\"https?://");
  }

  @Test
  void theTableHasARowPerScenario() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ReportWriter.table(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(ferry()));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("ferry").contains("99.0%").contains("30s/28s");
  }

  @Test
  void theOutcomeTableSaysStuckAndNodesLeftRefusing() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ScenarioReport stuck = ferry().withOutcome(new ScenarioReport.Outcome(false, "EMQX Available after 500 s", 1, 3, 2, ""));
    ReportWriter.table(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(stuck));
    String table = bytes.toString(StandardCharsets.UTF_8);
    assertThat(table).contains("refusing").contains("STUCK").contains("EMQX Available after 500 s");
    bytes.reset();
    ReportWriter.table(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(ferry()));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("refusing"); // no outcome, no table
  }

  static ScenarioReport httpFerry() {
    var service = new ScenarioReport.Path("Service", 600, 600, 0, Map.of(), 10.5, 15.0, List.of());
    var ingress = new ScenarioReport.Path("ingress", 600, 598, 2, Map.of("HTTP_5XX", 2L), 10.6, 21.0, List.of("HTTP_5XX: status 502 (x2)"));
    var requests = new ScenarioReport.Requests(200, new java.util.LinkedHashMap<>(Map.of("service", service, "ingress", ingress)),
        1, 2, new int[] {400, 400, 400}, new int[] {0, 2, 0}, "ingress", Map.of("web-2-x", new int[] {0, 20, 90}), 10);
    return new ScenarioReport("http-ferry", "Ferry Rolling", 0, 0, 0, Map.of(), -1, -1, 0, 0, 1, 1, 0, 2, 0,
        new ScenarioReport.Timeline(new int[] {400, 398, 400}, new int[] {0, 2, 0}, Map.of()), 1200L, 2L, 21.0, requests);
  }

  @Test
  void requestScenariosReportTheirRequestsAndMqttOnesLeaveThemOut(@TempDir Path dir) throws Exception {
    ReportWriter.write(dir, "lab", Map.of(), List.of(ferry(), httpFerry()));
    JsonNode scenarios = new ObjectMapper().readTree(dir.resolve("report.json").toFile()).get("scenarios");
    assertThat(scenarios.get(0).has("requestsSent")).isFalse();
    assertThat(scenarios.get(1).get("requestsSent").asLong()).isEqualTo(1200);
    assertThat(scenarios.get(1).get("requestsFailed").asLong()).isEqualTo(2);
    assertThat(scenarios.get(1).get("p99Ms").asDouble()).isEqualTo(21.0);
    assertThat(scenarios.get(1).get("requests").get("perNewPod").get("web-2-x").get(2).asInt()).isEqualTo(90);
    assertThat(Files.readString(dir.resolve("report.html"))).contains("requests per second per new pod");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ReportWriter.table(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(ferry(), httpFerry()));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("30s/28s").contains("http-ferry").contains("{HTTP_5XX=2}");
  }

  static ScenarioReport schema() {
    var rollbacks = List.of(
        new ScenarioReport.Rollback("2.1", "1.0", ScenarioReport.Rollback.MID_RELEASE, ScenarioReport.Rollback.SUCCEEDED, 0,
            6.5, "back on revision abc (1.0 alone serves)"),
        new ScenarioReport.Rollback("2.3", "2.2", ScenarioReport.Rollback.AFTER_CONTRACT, ScenarioReport.Rollback.REFUSED, 0,
            2.1, "SchemaVersionRetired: schema version 2.3 was contracted"));
    var steps = List.of(new ScenarioReport.Step("1.0", "2.1", "2.1 CONTRACTED", 0, 19.9));
    return ScenarioReport.ofSchema("schema", "expand/contract", 75, new ScenarioReport.Schema(List.of("1.0", "2.1"),
        2606, 0, Map.of(), List.of(), 1288, 0, 0, rollbacks, steps, "Database[jdbc:postgresql://127.0.0.1:5432/x, user=u]",
        new int[] {100, 100, 100}, new int[] {0, 0, 0}, List.of(new ScenarioReport.Event(1, "release 2.1"))));
  }

  @Test
  void schemaScenariosReportRequestsRowsAndRollbacks(@TempDir Path dir) throws Exception {
    ReportWriter.write(dir, "lab", Map.of(), List.of(ferry(), httpFerry(), schema()));
    JsonNode scenarios = new ObjectMapper().readTree(dir.resolve("report.json").toFile()).get("scenarios");
    assertThat(scenarios.get(0).has("schema")).isFalse();
    assertThat(scenarios.get(1).has("schema")).isFalse();
    JsonNode s = scenarios.get(2).get("schema");
    assertThat(s.get("requestsTotal").asLong()).isEqualTo(2606);
    assertThat(s.get("requestsFailed").asLong()).isZero();
    assertThat(s.get("inconsistentRows").asLong()).isZero();
    assertThat(s.get("lostRows").asLong()).isZero();
    assertThat(s.get("rollbacks").get(1).get("outcome").asText()).isEqualTo("refused");
    assertThat(s.get("rollbacks").get(0).get("when").asText()).isEqualTo("mid-release");
    assertThat(scenarios.get(2).get("requestsFailed").asLong()).isZero();
    assertThat(s.get("events").get(0).get("what").asText()).isEqualTo("release 2.1");
    assertThat(Files.readString(dir.resolve("report.html"))).contains("inconsistent rows").contains("refused")
        .contains("id=conn2").contains("release 2.1");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ReportWriter.table(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(ferry(), httpFerry(), schema()));
    String table = bytes.toString(StandardCharsets.UTF_8);
    assertThat(table).contains("30s/28s").contains("http-ferry").contains("inconsistent").contains("2.1 -> 1.0")
        .contains("succeeded").contains("after-contract");
  }
}
