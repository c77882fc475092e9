package dev.ferry.cli;

import dev.ferry.operator.FerryOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry operator}: runs the operator against the cluster of the usual kubeconfig
 * ({@code $KUBECONFIG}, {@code ~/.kube/config}) or, inside a pod, the in-cluster configuration.
 */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description = "Runs the Ferry operator against the current Kubernetes context (or in-cluster).")
public final class OperatorCommand implements Callable<Integer> {

  @Option(names = "--namespaces", defaultValue = "${env:FERRY_NAMESPACES:-}", split = ",",
      description = "namespaces to watch, comma-separated; empty watches all (env FERRY_NAMESPACES)")
  String[] namespaces = {};

  @Option(names = "--metrics-address", defaultValue = "${env:FERRY_METRICS_ADDRESS:-0.0.0.0:8080}",
      description = "host:port for /metrics and /healthz (env FERRY_METRICS_ADDRESS, default ${DEFAULT-VALUE})")
  String metricsAddress;

  @Option(names = "--leader-election", negatable = true, defaultValue = "${env:FERRY_LEADER_ELECTION:-true}",
      fallbackValue = "true",
      description = "hold the ferry-operator Lease while reconciling (env FERRY_LEADER_ELECTION, default ${DEFAULT-VALUE})")
  boolean leaderElection;

  @Option(names = "--no-server-side-apply",
      description = "patch status with JSON merge patches (for API servers without server-side apply)")
  boolean noServerSideApply;

  @picocli.CommandLine.Mixin KubeOptions kube;

  @Override
  public Integer call() throws Exception {
    Set<String> watched = Arrays.stream(namespaces).map(String::trim).filter(s -> !s.isEmpty())
        .collect(Collectors.toCollection(java.util.TreeSet::new));
    if (kube.namespace != null) {
      throw new CliError("-n is not for the operator: --namespaces chooses what it watches");
    }
    InetSocketAddress metrics = metricsAddress();
    KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(kube.longRunningConfig()).build();
    // Fail now, with the server's name, rather than in the operator's first reconcile.
    try {
      client.getKubernetesVersion();
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    FerryOperator operator;
    try {
      operator = FerryOperator.start(client, new FerryOperator.Options(watched, !noServerSideApply, metrics, leaderElection));
    } catch (java.net.BindException e) {
      client.close();
      throw new CliError("--metrics-address " + metricsAddress + ": " + e.getMessage(), e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      operator.close();
      client.close();
      stopped.countDown();
    }, "ferry-operator-shutdown"));
    System.err.println("ferry operator: watching " + (watched.isEmpty() ? "all namespaces" : watched)
        + " on " + client.getMasterUrl());
    stopped.await();
    return 0;
  }

  private InetSocketAddress metricsAddress() {
    int colon = metricsAddress.lastIndexOf(':');
    int port;
    try {
      port = colon <= 0 ? -1 : Integer.parseInt(metricsAddress.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new CliError("--metrics-address must be host:port, was " + metricsAddress);
    }
    return new InetSocketAddress(metricsAddress.substring(0, colon), port);
  }
}
