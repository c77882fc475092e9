package dev.ferry.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input as kubectl takes it, and clear errors for what cannot be checked. */
class YamlInputTest {

  @TempDir Path dir;

  private String file(String name, String text) throws Exception {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p.toString();
  }

  private static final String SERVICE = """
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec: {selector: {app: web}, ports: [{port: 80}]}
      """;

  @Test
  void malformedYamlNamesTheFileAndTheDocument() throws Exception {
    String f = file("bad.yaml", SERVICE + "---\napiVersion: v1\nkind: Service\nmetadata: {name: [oops\n");
    assertThatThrownBy(() -> YamlInput.read(List.of(f), System.in))
        .isInstanceOf(InputException.class)
        .hasMessageStartingWith(f + ": document 2 (line ")
        .hasMessageContaining("malformed YAML")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aMissingFileIsNamed() {
    assertThatThrownBy(() -> YamlInput.read(List.of("no/such.yaml"), System.in))
        .isInstanceOf(InputException.class).hasMessage("no/such.yaml: no such file");
  }

  @Test
  void unknownKindsAreSkippedAndReported() throws Exception {
    String f = file("mixed.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        ---
        apiVersion: extensions/v1beta1
        kind: Ingress
        metadata: {name: old}
        ---
        """ + SERVICE);
    CheckInput in = YamlInput.read(List.of(f), System.in);
    assertThat(in.entries()).hasSize(1);
    assertThat(in.skipped()).extracting(Skipped::display).containsExactly("ConfigMap/settings", "Ingress/old");
    assertThat(in.skipped().get(0).reason()).isEqualTo("kind not checked");
    assertThat(in.skipped().get(0).source()).isEqualTo(f + "#1");
    assertThat(in.skipped().get(1).reason()).contains("apiVersion extensions/v1beta1 is not checked",
        "networking.k8s.io/v1");
    CheckResult r = Checker.check(in, CheckOptions.defaults());
    assertThat(r.skipped()).hasSize(2);
    assertThat(Report.table(r)).contains("skipped ConfigMap/settings (" + f + "#1): kind not checked");
  }

  @Test
  void onlyUnknownKindsIsNothingToCheck() throws Exception {
    String f = file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n");
    assertThatThrownBy(() -> YamlInput.read(List.of(f), System.in))
        .isInstanceOf(InputException.class)
        .hasMessageContaining(f + ": nothing to check")
        .hasMessageContaining("skipped: ConfigMap/settings");
  }

  @Test
  void anEmptyFileIsNothingToCheck() throws Exception {
    String f = file("empty.yaml", "# nothing here\n---\n");
    assertThatThrownBy(() -> YamlInput.read(List.of(f), System.in))
        .isInstanceOf(InputException.class).hasMessageStartingWith(f + ": nothing to check");
  }

  @Test
  void aDocumentThatIsNoObjectIsAnError() throws Exception {
    String f = file("list.yaml", SERVICE + "---\n- a\n- b\n");
    assertThatThrownBy(() -> YamlInput.read(List.of(f), System.in))
        .isInstanceOf(InputException.class).hasMessageStartingWith(f + ": document 2: not a Kubernetes object");
    String g = file("nokind.yaml", "apiVersion: v1\nmetadata: {name: x}\n");
    assertThatThrownBy(() -> YamlInput.read(List.of(g), System.in))
        .isInstanceOf(InputException.class).hasMessage(g + ": document 1: not a Kubernetes object: kind is not set");
  }

  @Test
  void aFileWithoutApiVersionOrKindFoundInADirectoryIsSkippedButNamedItIsAnError() throws Exception {
    String dashboard = file("dir/dashboard.json", "{\"title\": \"Ferry\", \"panels\": []}");
    file("dir/svc.yaml", SERVICE);
    String dir = Path.of(dashboard).getParent().toString();
    CheckInput in = YamlInput.read(List.of(dir), System.in);
    assertThat(in.skipped()).singleElement().satisfies(s -> {
      assertThat(s.display()).isEqualTo("File/dashboard.json");
      assertThat(s.reason()).isEqualTo("not a Kubernetes object (no apiVersion, no kind)");
    });
    assertThatThrownBy(() -> YamlInput.read(List.of(dashboard), System.in))
        .isInstanceOf(InputException.class).hasMessage(dashboard + ": document 1: not a Kubernetes object: kind is not set");
  }

  @Test
  void aDeploymentWithoutContainersIsAnError() throws Exception {
    String f = file("d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n");
    assertThatThrownBy(() -> YamlInput.read(List.of(f), System.in))
        .isInstanceOf(InputException.class)
        .hasMessage(f + ": document 1: Deployment/web has no spec.template.spec.containers");
  }

  @Test
  void aFieldOfTheWrongTypeIsAnError() throws Exception {
    String f = file("d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
        + "spec: {template: {spec: {containers: {name: x}}}}\n");
    assertThatThrownBy(() -> YamlInput.read(List.of(f), System.in))
        .isInstanceOf(InputException.class)
        .hasMessageStartingWith(f + ": document 1: ");
  }

  @Test
  void standardInputListsAndDirectories() throws Exception {
    var stdin = new ByteArrayInputStream(("""
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Service
            metadata: {name: a}
            spec: {selector: {app: a}, ports: [{port: 80}]}
          - apiVersion: v1
            kind: Secret
            metadata: {name: s}
        """).getBytes(StandardCharsets.UTF_8));
    Path sub = Files.createDirectory(dir.resolve("manifests"));
    Files.writeString(sub.resolve("1.yaml"), SERVICE);
    Files.writeString(sub.resolve("README.md"), "not yaml: [");
    CheckInput in = YamlInput.read(List.of("-", sub.toString()), stdin);
    assertThat(in.entries()).extracting(e -> e.source())
        .containsExactly("<stdin>#1.items[0]", sub.resolve("1.yaml") + "#1");
    assertThat(in.skipped()).extracting(Skipped::source).containsExactly("<stdin>#1.items[1]");
  }

  @Test
  void aListAsKubectlPrintsItWithItemsBeforeKind() throws Exception {
    String f = file("list.yaml", """
        apiVersion: v1
        items:
          - apiVersion: v1
            kind: Service
            metadata: {name: a}
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: c}
        kind: List
        metadata: {resourceVersion: ""}
        """);
    CheckInput in = YamlInput.read(List.of(f), System.in);
    assertThat(in.entries()).extracting(CheckInput.Entry::source).containsExactly(f + "#1.items[0]");
    assertThat(in.skipped()).extracting(Skipped::source).containsExactly(f + "#1.items[1]");
  }

  @Test
  void recursiveSkipsAHelmChartsDirectoryWithTheCommandThatChecksIt() throws Exception {
    Path chart = Files.createDirectories(dir.resolve("charts").resolve("web"));
    Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: web\nversion: 1.0.0\n");
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(chart.resolve("templates").resolve("svc.yaml"), "metadata: {name: {{ .Release.Name }}}\n");
    Path hidden = Files.createDirectories(dir.resolve(".git"));
    Files.writeString(hidden.resolve("x.yaml"), "not: [a kubernetes object\n");
    Files.writeString(dir.resolve("svc.yaml"), SERVICE);
    List<Skipped> skipped = YamlInput.read(List.of(dir.toString()), true, System.in, (o, source) -> { });
    assertThat(skipped).singleElement().satisfies(s -> {
      assertThat(s.display()).isEqualTo("HelmChart/web");
      assertThat(s.source()).isEqualTo(chart.toString());
      assertThat(s.reason()).contains("helm template NAME " + chart + " | ferry check -f -");
    });
  }

  @Test
  void jsonIsYamlToo() throws Exception {
    String f = file("svc.json", "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"j\"},"
        + " \"spec\": {\"type\": \"NodePort\", \"externalTrafficPolicy\": \"Local\", \"ports\": [{\"port\": 80}]}}");
    CheckResult r = Checker.check(YamlInput.read(List.of(f), System.in), CheckOptions.defaults());
    assertThat(Fixtures.risks(r)).containsExactly(Risk.EXTERNAL_TRAFFIC_LOCAL);
  }
}
