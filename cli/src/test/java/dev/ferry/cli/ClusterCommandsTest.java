package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The commands that talk to a cluster, as kubectl's users expect them: {@code --kubeconfig},
 * {@code --context}, {@code -n}; an error is one line naming the flag, the file or the server, exit 2;
 * a bad flag says where the help is; {@code --version} is the build's.
 */
class ClusterCommandsTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Ferry.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  Path kubeconfig(String server) throws Exception {
    Path f = dir.resolve("kubeconfig");
    Files.writeString(f, """
        apiVersion: v1
        kind: Config
        clusters: [{name: down, cluster: {server: "%s"}}]
        users: [{name: u, user: {token: not-a-real-token}}]
        contexts: [{name: down, context: {cluster: down, user: u, namespace: shop}}]
        current-context: down
        """.formatted(server));
    return f;
  }

  @Test
  void promoteOnAnUnreachableServerIsOneLineNamingIt() throws Exception {
    Run r = run("promote", "web", "--kubeconfig", kubeconfig("https://127.0.0.1:1").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("ferry promote: error: cannot reach the API server https://127.0.0.1:1")
        .doesNotContain("\tat ", "not-a-real-token");
    assertThat(r.err().lines().filter(l -> l.contains("error:")).count()).isEqualTo(1);
  }

  @Test
  void anUnknownContextOrKubeconfigIsAnError() throws Exception {
    Path k = kubeconfig("https://127.0.0.1:1");
    Run context = run("promote", "web", "--kubeconfig", k.toString(), "--context", "prod");
    assertThat(context.code()).isEqualTo(2);
    assertThat(context.err()).isEqualTo("ferry promote: error: --context prod: no such context in " + k + " (it has down)\n");
    Run file = run("operator", "--kubeconfig", dir.resolve("missing").toString());
    assertThat(file.code()).isEqualTo(2);
    assertThat(file.err()).isEqualTo("ferry operator: error: --kubeconfig " + dir.resolve("missing")
        + ": no such file, or not readable\n");
  }

  @Test
  void aKubeconfigThatIsNotOneIsNamedButNeverQuoted() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad"), "users: [{name: u, user: {token: s3cr3t-t0ken}}\n  - : [\n");
    for (String[] args : List.of(new String[] {"promote", "web", "--kubeconfig", bad.toString()},
        new String[] {"promote", "web", "--kubeconfig", bad.toString(), "--context", "x"})) {
      Run r = run(args);
      assertThat(r.code()).isEqualTo(2);
      assertThat(r.err()).isEqualTo("ferry promote: error: kubeconfig " + bad + ": not a valid kubeconfig\n");
    }
  }

  @Test
  void aBadFlagNamesItAndWhereTheHelpIs() {
    Run r = run("promote", "web", "--no-such-flag");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("ferry promote: error: Unknown option: '--no-such-flag'\nSee 'ferry promote --help'.\n");
    Run metrics = run("operator", "--metrics-address", "8080");
    assertThat(metrics.code()).isEqualTo(2);
    assertThat(metrics.err()).isEqualTo("ferry operator: error: --metrics-address must be host:port, was 8080\n");
  }

  @Test
  void verboseIsTakenBeforeOrAfterTheSubcommand() {
    for (String[] args : List.of(new String[] {"-v", "lab", "compare"}, new String[] {"lab", "compare", "-v"})) {
      CommandLine cl = Ferry.commandLine();
      cl.parseArgs(args);
      assertThat(((Ferry) cl.getCommand()).verbose).as(String.join(" ", args)).isTrue();
    }
  }

  @Test
  void theVersionIsTheBuildsNotDev() {
    Run r = run("--version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).matches("ferry \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?( \\(commit [0-9a-f]{7,}(-dirty)?\\))?\\n");
  }
}
