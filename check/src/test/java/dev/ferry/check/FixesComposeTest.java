package dev.ferry.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a user does with the output: merge every finding's patch into its object, fill in the
 * placeholders, run again. The second run must be clean: no fix may call for another (a preStop the
 * first run suggests must fit in the grace period it suggests), and none may undo another.
 */
class FixesComposeTest {

  private static final YAMLMapper YAML = new YAMLMapper();

  /** What the user puts where check left a placeholder. */
  private static final Map<String, JsonNode> FILLED = Map.of(
      PodCheck.PATH_PLACEHOLDER, TextNode.valueOf("/ready"), PodCheck.PORT_PLACEHOLDER, IntNode.valueOf(8080));

  static Stream<Arguments> riskyInputs() throws Exception {
    List<Arguments> cases = new ArrayList<>();
    for (Risk r : Risk.values()) {
      cases.add(Arguments.of(r.id() + ".yaml", Files.readString(Fixtures.path(r.id() + ".yaml"))));
    }
    cases.add(Arguments.of("ld-risky.yaml", Files.readString(Fixtures.path("ld-risky.yaml"))));
    cases.add(Arguments.of("ld-dubbo.yaml", Files.readString(Fixtures.path("ld-dubbo.yaml"))));
    CASES.forEach((name, yaml) -> cases.add(Arguments.of(name, yaml)));
    return cases.stream();
  }

  /** Cases where fixes meet: a preStop added where the grace period was just enough, Dubbo, placeholders. */
  static final Map<String, String> CASES = Map.of(
      "grace-set-no-prestop", deployment("terminationGracePeriodSeconds: 10", """
          - name: web
            image: web
            ports: [{name: http, containerPort: 8080}]
            readinessProbe: {httpGet: {path: /ready, port: http}}
          """),
      "dubbo-nothing", deployment("terminationGracePeriodSeconds: 30", """
          - name: provider
            image: provider
            env: [{name: DUBBO_SERVICE_SHUTDOWN_WAIT, value: "28000"}]
          """),
      "dubbo-short-exec", deployment("terminationGracePeriodSeconds: 12", """
          - name: provider
            image: provider
            ports: [{containerPort: 20880}]
            readinessProbe: {tcpSocket: {port: 20880}}
            lifecycle: {preStop: {exec: {command: [sh, -c, "echo bye; sleep 2"]}}}
          """),
      "direct-sleep-and-sidecar", deployment("terminationGracePeriodSeconds: 11", """
          - name: web
            image: web
            ports: [{containerPort: 80}]
            lifecycle: {preStop: {exec: {command: [sleep, "1"]}}}
          - name: log
            image: log
          """),
      "ld-no-lifecycle-grace-30", """
          apiVersion: ferry.dev/v1alpha1
          kind: LosslessDeployment
          metadata: {name: orders}
          spec:
            selector: {matchLabels: {app: orders}}
            template:
              metadata: {labels: {app: orders}}
              spec:
                terminationGracePeriodSeconds: 30
                containers:
                  - name: orders
                    image: orders
                    env: [{name: DUBBO_REGISTRY_ADDRESS, value: "nacos://nacos:8848"}]
            service: {name: orders}
          ---
          apiVersion: v1
          kind: Service
          metadata: {name: orders}
          spec: {type: NodePort, externalTrafficPolicy: Local, selector: {app: orders}}
          """);

  private static String deployment(String grace, String containers) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app}
        spec:
          selector: {matchLabels: {app: app}}
          template:
            metadata: {labels: {app: app}}
            spec:
              %s
              containers:
        %s""".formatted(grace, containers.indent(8));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("riskyInputs")
  void oneRunOfFixesMakesTheNextRunClean(String name, String yaml) throws Exception {
    for (CheckOptions options : List.of(CheckOptions.defaults(),
        new CheckOptions(15, 25, Set.of("nginx"), Set.of()))) {
      CheckResult first = Checker.check(Fixtures.parse(name, yaml), options);
      assertThat(first.findings()).as(name + ": risky to begin with").isNotEmpty();

      String fixed = applied(yaml, first.findings());
      CheckResult second = Checker.check(Fixtures.parse(name, fixed), options);
      assertThat(second.findings()).as(name + " with the fixes of the first run:\n" + fixed).isEmpty();
    }
  }

  @Test
  void theGracePeriodSuggestedCoversThePreStopSuggestedWithIt() throws Exception {
    CheckResult r = Checker.check(Fixtures.parse("g.yaml", CASES.get("grace-set-no-prestop")),
        CheckOptions.defaults());
    assertThat(Fixtures.risks(r)).containsExactly(Risk.NO_PRESTOP, Risk.GRACE_TOO_SHORT);
    assertThat(r.findings().get(0).patch().at("/spec/template/spec/containers/0/lifecycle/preStop/sleep/seconds")
        .asInt()).isEqualTo(5);
    // 5 s of the preStop it suggests + 10 s of shutdown: 10 s is not enough once the hook is there.
    assertThat(r.findings().get(1).patch().at("/spec/template/spec/terminationGracePeriodSeconds").asInt())
        .isEqualTo(15);
    assertThat(r.findings().get(1).what()).contains("preStop 5s (with the fixes above) + shutdown 10s");
    assertThat(r.findings().get(1).fix()).isEqualTo("set spec.template.spec.terminationGracePeriodSeconds: 15");
  }

  @Test
  void findingsAboutOneHookCarryTheSameHook() throws Exception {
    CheckResult r = Checker.check(Fixtures.parse("d.yaml", CASES.get("dubbo-short-exec")), CheckOptions.defaults());
    List<Finding> hook = r.findings().stream()
        .filter(f -> f.risk() == Risk.PRESTOP_TOO_SHORT || f.risk() == Risk.REGISTRY_NO_OFFLINE).toList();
    assertThat(hook).hasSize(2);
    assertThat(hook.get(0).patch()).isEqualTo(hook.get(1).patch());
    // The hook's own commands are kept; the offline call comes first, the sleep is lengthened to 5 s.
    assertThat(hook.get(0).patch().at("/spec/template/spec/containers/0/lifecycle/preStop/exec/command/2").asText())
        .isEqualTo("curl -s http://127.0.0.1:22222/offline || wget -qO- http://127.0.0.1:22222/offline; "
            + "echo bye; sleep 5");
  }

  @Test
  void anIgnoredFixIsNotAssumed() throws Exception {
    // With no-prestop ignored, no hook is added: 10 s of grace covers 0 s of preStop + 10 s of shutdown.
    CheckResult r = Checker.check(Fixtures.parse("g.yaml", CASES.get("grace-set-no-prestop")),
        new CheckOptions(5, 10, Set.of("nginx"), Set.of(Risk.NO_PRESTOP)));
    assertThat(r.findings()).isEmpty();
    assertThat(r.ignored()).extracting(Finding::risk).containsExactly(Risk.NO_PRESTOP);
  }

  /** The documents of {@code yaml} with each finding's patch merged into its object and the placeholders filled. */
  static String applied(String yaml, List<Finding> findings) throws Exception {
    List<ObjectNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(ObjectNode.class).<ObjectNode>readValues(yaml)) {
      it.forEachRemaining(docs::add);
    }
    for (Finding f : findings) {
      ObjectNode doc = docs.stream().filter(d -> d.path("kind").asText().equals(f.object().kind())
          && d.path("metadata").path("name").asText().equals(f.object().name())).findFirst().orElseThrow();
      Patch.merge(doc, f.patch());
    }
    StringBuilder out = new StringBuilder();
    for (ObjectNode d : docs) {
      out.append(YAML.writeValueAsString(fill(d)));
    }
    return out.toString();
  }

  private static JsonNode fill(JsonNode n) {
    if (n instanceof ObjectNode o) {
      o.fields().forEachRemaining(f -> f.setValue(fill(f.getValue())));
    } else if (n instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        a.set(i, fill(a.get(i)));
      }
    } else if (n.isTextual() && Patch.isPlaceholder(n.asText())) {
      return FILLED.get(n.asText());
    }
    return n;
  }
}
