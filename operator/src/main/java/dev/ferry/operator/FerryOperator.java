package dev.ferry.operator;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.operator.deployment.LosslessDeploymentReconciler;
import dev.ferry.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ferry operator: its reconcilers registered with the Java Operator SDK on a Kubernetes client,
 * and a small HTTP endpoint for Prometheus ({@code /metrics}) and probes ({@code /healthz}).
 */
public final class FerryOperator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FerryOperator.class);

  /**
   * @param namespaces namespaces to watch; empty means all
   * @param serverSideApply patch the status with server-side apply (a real API server); fabric8's
   *     mock server does not support it
   * @param metricsAddress where to serve /metrics and /healthz; null for none
   * @param leaderElection take the {@code ferry-operator} Lease before reconciling, so that a second
   *     replica (or an old pod still terminating) never acts at the same time
   */
  public record Options(
      Set<String> namespaces, boolean serverSideApply, InetSocketAddress metricsAddress, boolean leaderElection) {

    public Options(Set<String> namespaces, boolean serverSideApply, InetSocketAddress metricsAddress) {
      this(namespaces, serverSideApply, metricsAddress, false);
    }
  }

  /** Running reconciles get this long to finish on shutdown (the pod's grace period is 30 s). */
  static final java.time.Duration TERMINATION_TIMEOUT = java.time.Duration.ofSeconds(20);

  private final Operator operator;
  private final HttpServer http;
  private final PrometheusMeterRegistry registry;

  private FerryOperator(Operator operator, HttpServer http, PrometheusMeterRegistry registry) {
    this.operator = operator;
    this.http = http;
    this.registry = registry;
  }

  public static FerryOperator start(KubernetesClient client, Options options) throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OperatorMetrics metrics = new OperatorMetrics(registry);
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .withReconciliationTerminationTimeout(TERMINATION_TIMEOUT)
          .withUseSSAToPatchPrimaryResource(options.serverSideApply())
          .withSSABasedCreateUpdateMatchForDependentResources(options.serverSideApply());
      if (options.leaderElection()) {
        // The Lease lives in the operator's own namespace (taken from the in-cluster config).
        o.withLeaderElectionConfiguration(
            new io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration("ferry-operator"));
      }
    });
    operator.register(new LosslessDeploymentReconciler(client, metrics, Clock.systemUTC()), c -> {
      if (options.namespaces().isEmpty()) {
        c.watchingAllNamespaces();
      } else {
        c.settingNamespaces(options.namespaces());
      }
    });
    operator.register(new dev.ferry.operator.rebalance.RebalanceReconciler(client, metrics, Clock.systemUTC()), c -> {
      if (options.namespaces().isEmpty()) {
        c.watchingAllNamespaces();
      } else {
        c.settingNamespaces(options.namespaces());
      }
    });
    HttpServer http = null;
    if (options.metricsAddress() != null) {
      http = HttpServer.create(options.metricsAddress(), 0);
      http.createContext("/metrics", ex -> reply(ex, 200, registry.scrape(), "text/plain; version=0.0.4"));
      // Healthy once started and every informer is connected; 503 with what is wrong otherwise.
      http.createContext("/healthz", ex -> {
        var info = operator.getRuntimeInfo();
        if (info.isStarted() && info.allEventSourcesAreHealthy()) {
          reply(ex, 200, "ok\n", "text/plain");
        } else {
          reply(ex, 503, info.isStarted() ? "unhealthy: " + info.unhealthyEventSources() + "\n" : "starting\n",
              "text/plain");
        }
      });
      http.start();
      log.info("metrics on http://{}:{}/metrics", options.metricsAddress().getHostString(), http.getAddress().getPort());
    }
    operator.start();
    return new FerryOperator(operator, http, registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The port /metrics is served on, or -1. */
  public int metricsPort() {
    return http == null ? -1 : http.getAddress().getPort();
  }

  private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body, String type) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    operator.stop();
    if (http != null) {
      http.stop(0);
    }
  }
}
