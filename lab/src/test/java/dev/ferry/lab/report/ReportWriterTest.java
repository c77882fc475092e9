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
}
