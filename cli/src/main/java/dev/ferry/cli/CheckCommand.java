package dev.ferry.cli;

import dev.ferry.check.CheckOptions;
import dev.ferry.check.CheckResult;
import dev.ferry.check.Checker;
import dev.ferry.check.ClusterInput;
import dev.ferry.check.InputException;
import dev.ferry.check.Report;
import dev.ferry.check.Risk;
import dev.ferry.check.Skipped;
import dev.ferry.check.YamlInput;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry check}: lists what would make a release of a Deployment or LosslessDeployment lose
 * requests, with the fix for each, from YAML files or from a cluster's namespace. Exit 0 when clean,
 * 1 when risks are found, 2 when the input cannot be checked — so it can gate a CI pipeline.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
        "Lists what would make a release lose requests, with the fix for each: no readiness probe, no or a too "
            + "short preStop, a grace period shorter than preStop plus shutdown, externalTrafficPolicy: Local, "
            + "ingress-nginx routing to pod IPs, a registry-based (Dubbo) service without registry offline or "
            + "delayed registration.",
        "Reads a LosslessDeployment or Deployment with its Services and Ingresses from YAML files (-f, -R, as "
            + "kubectl takes them) or from a cluster's namespace (the current kubeconfig context). Each risk, why "
            + "it loses requests and the YAML that fixes it: docs/check.md.",
        ""},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:no risk found",
        "1:risks found",
        "2:the input cannot be checked (missing file, malformed YAML, nothing to check, cluster unreachable, "
            + "bad options)"})
public final class CheckCommand implements Callable<Integer> {

  @Parameters(arity = "0..*", paramLabel = "NAME|PATH",
      description = "the LosslessDeployment or Deployment to check in the cluster (default: everything in the "
          + "namespace); or, when it has a /, a file or directory to read, as with -f (e.g. deploy/)")
  List<String> arguments = new ArrayList<>();

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE",
      description = "a YAML or JSON file of one or more documents, a directory of them, or - for standard input; "
          + "repeatable. Reads files instead of a cluster.")
  List<String> files = new ArrayList<>();

  @Option(names = {"-R", "--recursive"},
      description = "read the directories given with -f, and their subdirectories, recursively (as kubectl -R); "
          + "a Helm chart's directory is skipped")
  boolean recursive;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
      description = "table (default), json or yaml")
  String output;

  @Option(names = "--propagation-seconds", paramLabel = "SECONDS",
      defaultValue = "" + CheckOptions.DEFAULT_PROPAGATION_SECONDS,
      description = "how long an endpoint change takes to reach every kube-proxy, ingress and load balancer; "
          + "a preStop hook must last at least this long (default: ${DEFAULT-VALUE})")
  int propagationSeconds;

  @Option(names = "--shutdown-seconds", paramLabel = "SECONDS",
      defaultValue = "" + CheckOptions.DEFAULT_SHUTDOWN_SECONDS,
      description = "how long an app needs after SIGTERM, for workloads that do not say (default: ${DEFAULT-VALUE})")
  int shutdownSeconds;

  @Option(names = "--ingress-nginx-class", paramLabel = "CLASS", split = ",", defaultValue = "nginx",
      description = "ingress class names served by ingress-nginx (default: ${DEFAULT-VALUE}; IngressClasses whose "
          + "controller is k8s.io/ingress-nginx count too)")
  List<String> nginxClasses;

  @Option(names = "--ignore", paramLabel = "RISK", split = ",",
      description = "risk ids not to report, e.g. registry-no-delay (also per object: the annotation "
          + Checker.IGNORE_ANNOTATION + ")")
  List<String> ignore = new ArrayList<>();

  @CommandLine.Mixin KubeOptions kube;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final InputStream stdin;

  public CheckCommand() {
    this(System.in);
  }

  CheckCommand(InputStream stdin) {
    this.stdin = stdin;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    // Exit 1 means "risks found" to a CI job: a failure to check must never look like that, so every
    // error goes to the top-level handler, which exits 2.
    try {
      CheckOptions options = options();
      if (!FORMATS.contains(output)) {
        throw new InputException("-o " + output + ": no such format; the formats are " + String.join(", ", FORMATS));
      }
      CheckResult result = check(options);
      out.print(switch (output) {
        case "json" -> Report.json(result);
        case "yaml" -> Report.yaml(result);
        default -> Report.table(result);
      });
      out.flush();
      return result.clean() ? 0 : 1;
    } catch (InputException e) {
      throw new CliError(e.getMessage(), e);
    }
  }

  static final List<String> FORMATS = List.of("table", "json", "yaml");

  private CheckResult check(CheckOptions options) throws InputException {
    // Kubernetes names never hold a /: an argument with one is a path.
    List<String> paths = new ArrayList<>(files);
    List<String> names = new ArrayList<>();
    for (String a : arguments) {
      (a.contains("/") ? paths : names).add(a);
    }
    if (names.size() > 1) {
      throw new InputException(String.join(" ", names) + ": one NAME at most (a path needs a /, e.g. ./" + names.get(1)
          + ")");
    }
    String name = names.isEmpty() ? null : names.get(0);
    if (!paths.isEmpty()) {
      if (name != null || kube.given()) {
        throw new InputException("-f reads files: NAME, -n, --context and --kubeconfig are for a cluster");
      }
      // Streamed: the checker keeps what it needs of each object as it is read, not the input.
      Checker checker = new Checker(options);
      List<Skipped> skipped = YamlInput.read(paths, recursive, stdin, checker::accept);
      return checker.result(skipped);
    }
    if (recursive) {
      throw new InputException("-R reads directories: give them with -f DIR (or as a path, e.g. deploy/)");
    }
    try (KubernetesClient client = kube.client()) {
      return Checker.check(ClusterInput.read(client, kube.namespace, name), options);
    }
  }

  private CheckOptions options() throws InputException {
    if (propagationSeconds < 0 || shutdownSeconds < 0) {
      throw new InputException("--propagation-seconds and --shutdown-seconds cannot be negative");
    }
    Set<Risk> ignored = EnumSet.noneOf(Risk.class);
    for (String id : ignore) {
      Risk r = Risk.byId(id.trim());
      if (r == null) {
        List<String> ids = new ArrayList<>();
        for (Risk k : Risk.values()) {
          ids.add(k.id());
        }
        throw new InputException("--ignore " + id + ": no such risk; the risks are " + String.join(", ", ids));
      }
      ignored.add(r);
    }
    return new CheckOptions(propagationSeconds, shutdownSeconds, new LinkedHashSet<>(nginxClasses), ignored);
  }
}
