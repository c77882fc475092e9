package dev.ferry.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/ferry-dashboard.json asks only for metrics the operator serves, under the names
 * Prometheus gets them by, and can be imported into any Grafana: a renamed or dropped metric fails
 * here instead of leaving an empty panel.
 */
class DashboardTest {
  private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "ferry-dashboard.json");
  private static final Pattern METRIC = Pattern.compile("\\bferry_[a-z_]+");

  /** The names /metrics serves once every kind of metric was recorded. */
  static List<String> servedNames() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OperatorMetrics m = new OperatorMetrics(registry);
    m.reconciled("LosslessDeployment", Duration.ofMillis(5), false);
    PassLaps laps = new PassLaps();
    laps.lap("brokers");
    m.steps("LosslessDeployment", laps);
    m.error("LosslessDeployment", "ActionFailed");
    m.action("LosslessDeployment", "StartDrain");
    m.phase("LosslessDeployment", "ns", "mqtt", "Draining", List.of("Healthy", "Draining"));
    m.drain("ns", "mqtt", 10, 10);
    m.migrationJob("ns", "mqtt", "expand", "started");
    m.schema("ns", "mqtt", "Expanded", List.of("Expanded"), 0);
    List<String> names = new ArrayList<>();
    for (String line : registry.scrape().split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  @Test
  void everyMetricAQueryAsksForIsOneTheOperatorServes() throws Exception {
    Set<String> asked = new TreeSet<>();
    for (String expr : expressions(dashboard())) {
      Matcher m = METRIC.matcher(expr);
      while (m.find()) {
        asked.add(m.group());
      }
    }

    assertThat(asked).isNotEmpty().isSubsetOf(servedNames());
    assertThat(asked).as("the issue's panels: phase, drain progress, evictions, errors")
        .contains("ferry_phase", "ferry_drain_connections", "ferry_drain_evictions_total",
            "ferry_reconcile_errors_total");
  }

  @Test
  void itTakesItsPrometheusAtImportAndFiltersByNamespaceAndRelease() throws Exception {
    JsonNode d = dashboard();

    assertThat(d.at("/__inputs/0/name").asText()).isEqualTo("DS_PROMETHEUS");
    List<String> variables = new ArrayList<>();
    d.at("/templating/list").forEach(v -> variables.add(v.get("name").asText()));
    assertThat(variables).containsExactly("namespace", "release");
    for (JsonNode panel : d.get("panels")) {
      if (!panel.get("type").asText().equals("row")) {
        assertThat(panel.at("/datasource/uid").asText()).as(panel.get("title").asText()).isEqualTo("${DS_PROMETHEUS}");
      }
    }
    assertThat(d.get("schemaVersion").asInt()).isGreaterThanOrEqualTo(36); // Grafana 9.x/10+
  }

  private static JsonNode dashboard() throws Exception {
    return new ObjectMapper().readTree(DASHBOARD.toFile());
  }

  /** The PromQL of every panel and of every templating variable. */
  private static List<String> expressions(JsonNode d) {
    List<String> exprs = new ArrayList<>();
    d.get("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.get("expr").asText())));
    d.at("/templating/list").forEach(v -> exprs.add(v.at("/query/query").asText()));
    return exprs;
  }
}
