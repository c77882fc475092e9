package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ferry check} through picocli: exit codes, output formats, error messages. */
class CheckCommandTest {

  /** The fixtures of the check module's tests: a pair per risk. */
  static final Path FIXTURES = Path.of("..", "check", "src", "test", "resources", "fixtures");

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    return run(null, args);
  }

  static Run run(InputStream stdin, String... args) {
    CommandLine cl = stdin == null ? Ferry.commandLine() : Ferry.handling(new CommandLine(new CheckCommand(stdin)));
    String[] full = args;
    if (stdin == null) {
      full = new String[args.length + 1];
      full[0] = "check";
      System.arraycopy(args, 0, full, 1, args.length);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(full);
    return new Run(code, out.toString(), err.toString());
  }

  static String fixture(String name) {
    return FIXTURES.resolve(name).toString();
  }

  @Test
  void cleanIsZero() {
    Run r = run("-f", fixture("clean.yaml"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("No traffic-loss risk found in 1 object: Deployment/web");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void risksAreOneAndShownAsATable() {
    Run r = run("-f", fixture("no-prestop.yaml"), "-f", fixture("nginx-no-service-upstream.yaml"));
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.out()).startsWith("RISK").contains("OBJECT", "WHAT", "FIX")
        .contains("no-prestop", "Deployment/web", "nginx-no-service-upstream", "Ingress/web")
        .contains("2 risks in 2 objects (4 checked)")
        .contains("docs/check.md");
  }

  @Test
  void jsonForMachines() throws Exception {
    Run r = run("-f", fixture("registry-no-offline.yaml"), "-o", "json");
    assertThat(r.code()).isEqualTo(1);
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("clean").asBoolean()).isFalse();
    assertThat(json.get("findings")).hasSize(1);
    JsonNode f = json.get("findings").get(0);
    assertThat(f.get("risk").asText()).isEqualTo("registry-no-offline");
    assertThat(f.get("object").get("kind").asText()).isEqualTo("Deployment");
    assertThat(f.get("object").get("name").asText()).isEqualTo("provider");
    assertThat(f.get("container").asText()).isEqualTo("provider");
    assertThat(f.get("fix").asText()).contains("22222/offline");
    assertThat(json.get("assumptions").get("propagationSeconds").asInt()).isEqualTo(5);

    Run clean = run("-f", fixture("registry-no-offline-fixed.yaml"), "-o", "json");
    assertThat(clean.code()).isZero();
    assertThat(new ObjectMapper().readTree(clean.out()).get("findings")).isEmpty();
  }

  @Test
  void optionsChangeTheVerdict() {
    assertThat(run("-f", fixture("no-prestop-fixed.yaml"), "--propagation-seconds", "15").code()).isEqualTo(1);
    assertThat(run("-f", fixture("no-prestop.yaml"), "--ignore", "no-prestop").code()).isZero();
    assertThat(run("-f", fixture("grace-too-short-fixed.yaml"), "--shutdown-seconds", "20").code()).isEqualTo(1);
  }

  @Test
  void standardInput() {
    var stdin = new ByteArrayInputStream(("""
        apiVersion: v1
        kind: Service
        metadata: {name: lb}
        spec: {type: LoadBalancer, externalTrafficPolicy: Local, ports: [{port: 80}]}
        """).getBytes(StandardCharsets.UTF_8));
    Run r = run(stdin, "-f", "-");
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.out()).contains("external-traffic-local", "Service/lb");
  }

  @Test
  void malformedYamlIsTwoAndNamesTheDocument() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, Files.readString(FIXTURES.resolve("clean.yaml")) + "---\nkind: [\n");
    Run r = run("-f", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("ferry check: error: " + f + ": document 2 (line ").contains("malformed YAML");
  }

  @Test
  void missingFileUnknownKindAndEmptyInputAreTwo() throws Exception {
    Run missing = run("-f", "no-such.yaml");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).isEqualTo("ferry check: error: no-such.yaml: no such file" + System.lineSeparator());

    Path cm = dir.resolve("cm.yaml");
    Files.writeString(cm, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n");
    Run unknown = run("-f", cm.toString());
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("nothing to check", "skipped: ConfigMap/settings");

    Path empty = dir.resolve("empty.yaml");
    Files.writeString(empty, "");
    assertThat(run("-f", empty.toString()).code()).isEqualTo(2);
  }

  @Test
  void anUnknownKindBesideACheckableOneIsReportedAsSkipped() throws Exception {
    Path f = dir.resolve("mixed.yaml");
    Files.writeString(f, Files.readString(FIXTURES.resolve("clean.yaml"))
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n");
    Run r = run("-f", f.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("skipped ConfigMap/settings (" + f + "#2): kind not checked");
    Run json = run("-f", f.toString(), "-o", "json");
    assertThat(json.out()).contains("\"reason\" : \"kind not checked\"");
  }

  @Test
  void theProjectsOwnManifestsPass() {
    // What CI runs: `ferry check -R deploy/`. The Helm chart's directory is skipped, not misread.
    Run r = run("-R", Path.of("..", "deploy") + "/");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("LosslessDeployment/mqtt", "LosslessDeployment/orders", "Deployment/ferry-operator",
        "Service/ferry-operator-metrics").contains("skipped HelmChart/ferry");
  }

  @Test
  void recursiveReadsSubdirectoriesAndAPathNeedsNoDashF() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("apps").resolve("web"));
    Files.copy(FIXTURES.resolve("no-prestop.yaml"), sub.resolve("web.yaml"));
    Run flat = run("-f", dir.resolve("apps").toString());
    assertThat(flat.code()).isEqualTo(2);
    assertThat(flat.err()).contains("no .yaml, .yml or .json file in this directory", "-R");
    Run deep = run("-R", dir.resolve("apps") + "/");
    assertThat(deep.code()).as(deep.err()).isEqualTo(1);
    assertThat(deep.out()).contains("no-prestop", "Deployment/web");
    assertThat(run("-R").code()).isEqualTo(2);
  }

  @Test
  void yamlForMachinesCarriesThePatchToMerge() throws Exception {
    Run r = run("-f", fixture("no-prestop.yaml"), "-o", "yaml");
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    JsonNode yaml = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(r.out());
    JsonNode f = yaml.get("findings").get(0);
    assertThat(f.get("risk").asText()).isEqualTo("no-prestop");
    assertThat(f.at("/patch/spec/template/spec/containers/0/name").asText()).isEqualTo("web");
    assertThat(f.at("/patch/spec/template/spec/containers/0/lifecycle/preStop/sleep/seconds").asInt()).isEqualTo(5);
  }

  @Test
  void anUnknownFormatIsOneLineNamingTheFlag() {
    Run r = run("-f", fixture("clean.yaml"), "-o", "xml");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("ferry check: error: -o xml: no such format; the formats are table, json, yaml"
        + System.lineSeparator());
  }

  @Test
  void badOptionsAreTwo() {
    Run ignore = run("-f", fixture("clean.yaml"), "--ignore", "no-such-risk");
    assertThat(ignore.code()).isEqualTo(2);
    assertThat(ignore.err()).contains("no such risk", "no-readiness-probe");
    assertThat(run("-f", fixture("clean.yaml"), "web").code()).isEqualTo(2);
    assertThat(run("-f", fixture("clean.yaml"), "--propagation-seconds", "-1").code()).isEqualTo(2);
    assertThat(run("--no-such-option").code()).isEqualTo(2);
  }

  @Test
  void anUnreachableClusterIsTwo() throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: down, cluster: {server: "http://127.0.0.1:1"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: down, context: {cluster: down, user: u, namespace: shop}}]
        current-context: down
        """);
    Run r = run("--kubeconfig", kubeconfig.toString(), "web");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("ferry check: error: cannot read namespace shop from http://127.0.0.1:1")
        .hasLineCount(1);
    Run unknown = run("--kubeconfig", kubeconfig.toString(), "--context", "up", "web");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).isEqualTo("ferry check: error: --context up: no such context in " + kubeconfig
        + " (it has down)\n");
    Run missing = run("--kubeconfig", dir.resolve("nope").toString(), "web");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).isEqualTo("ferry check: error: --kubeconfig " + dir.resolve("nope") + ": no such file, or not readable\n");
  }
}
