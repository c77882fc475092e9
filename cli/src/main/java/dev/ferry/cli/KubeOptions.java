package dev.ferry.cli;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * kubectl's cluster flags, for every command that talks to a cluster: {@code --kubeconfig},
 * {@code --context}, {@code -n}. The kubeconfig is the file given, else {@code $KUBECONFIG}'s
 * files, else {@code ~/.kube/config}, else the in-cluster configuration of a pod. A kubeconfig file
 * that cannot be read and a context that no file has are errors that name them (fabric8 would fall
 * back to another context without a word).
 */
final class KubeOptions {

  @Option(names = "--kubeconfig", paramLabel = "FILE", description = "the kubeconfig file (default: $KUBECONFIG, ~/.kube/config)")
  File kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "the kubeconfig context to use (default: its current context)")
  String context;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE", description = "the namespace (default: the context's)")
  String namespace;

  /** The API server the last configuration built points at (errors name it). */
  private static volatile String server;

  static String server() {
    return server;
  }

  /** Whether any cluster flag was given (commands that read files refuse them). */
  boolean given() {
    return kubeconfig != null || context != null || namespace != null;
  }

  /**
   * The client configuration the flags select, for a command's few requests: one retry, so that a
   * server that is down fails the command in a second. A CliError names what is wrong with the flags.
   */
  Config config() {
    Config config = longRunningConfig();
    // Not fabric8's ten retries with backoff (about 20 s).
    if (Config.DEFAULT_REQUEST_RETRY_BACKOFFLIMIT.equals(config.getRequestRetryBackoffLimit())) {
      config.setRequestRetryBackoffLimit(1);
    }
    return config;
  }

  /** As {@link #config()}, with fabric8's retries kept: for the operator, which must ride out a blip. */
  Config longRunningConfig() {
    List<File> files = kubeconfigFiles();
    if (context != null) {
      requireContext(files);
    }
    if (files.isEmpty() && System.getenv("KUBERNETES_SERVICE_HOST") == null) {
      throw new CliError("no cluster: no kubeconfig file (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not in a pod");
    }
    Config config;
    try {
      config = kubeconfig != null ? Config.fromKubeconfig(context, kubeconfig) : Config.autoConfigure(context);
    } catch (RuntimeException e) {
      // Not the parser's message: it may quote a line of the file, and a kubeconfig holds credentials.
      throw new CliError("kubeconfig " + describe(files) + ": not a valid kubeconfig");
    }
    quietVersionWarnings();
    server = config.getMasterUrl().replaceFirst("/+$", "");
    return config;
  }

  /** A client on {@link #config()}; the caller closes it. */
  KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  /** {@code -n}, else the context's namespace, else {@code default}. */
  String namespace(KubernetesClient client) {
    if (namespace != null) {
      return namespace;
    }
    return client.getNamespace() == null ? "default" : client.getNamespace();
  }

  /** The kubeconfig files in use: --kubeconfig, or $KUBECONFIG's, or ~/.kube/config (those that exist). */
  private List<File> kubeconfigFiles() {
    if (kubeconfig != null) {
      if (!kubeconfig.isFile() || !kubeconfig.canRead()) {
        throw new CliError("--kubeconfig " + kubeconfig + ": no such file, or not readable");
      }
      return List.of(kubeconfig);
    }
    List<File> files = new ArrayList<>();
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      for (String f : env.split(File.pathSeparator)) {
        if (!f.isBlank() && new File(f).isFile()) {
          files.add(new File(f));
        }
      }
    } else {
      File home = new File(System.getProperty("user.home"), ".kube/config");
      if (home.isFile()) {
        files.add(home);
      }
    }
    return files;
  }

  private void requireContext(List<File> files) {
    List<String> known = new ArrayList<>();
    for (File f : files) {
      try {
        for (NamedContext c : KubeConfigUtils.parseConfig(f).getContexts()) {
          known.add(c.getName());
        }
      } catch (RuntimeException e) {
        // Not the parser's message: it may quote a line of the file, and a kubeconfig holds credentials.
        throw new CliError("kubeconfig " + f + ": not a valid kubeconfig");
      }
    }
    if (!known.contains(context)) {
      throw new CliError("--context " + context + ": no such context in " + describe(files)
          + (known.isEmpty() ? "" : " (it has " + String.join(", ", known) + ")"));
    }
  }

  private static String describe(List<File> files) {
    if (files.isEmpty()) {
      return "no kubeconfig file found";
    }
    return files.stream().map(File::getPath).reduce((a, b) -> a + ", " + b).orElseThrow();
  }

  /** fabric8 warns that ferry.dev/v1alpha1 is not a stable version: true, and no news to the user. */
  private static void quietVersionWarnings() {
    if (org.slf4j.LoggerFactory.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils")
        instanceof ch.qos.logback.classic.Logger l) {
      l.setLevel(ch.qos.logback.classic.Level.ERROR);
    }
  }
}
