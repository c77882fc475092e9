package dev.ferry.lab.cluster;

import dev.ferry.api.crd.FerryCrds;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lab's Kubernetes API: fabric8's mock server in CRUD mode (what {@code
 * @EnableKubernetesMockClient(crud = true)} builds, started here without JUnit) on a loopback
 * address, plain HTTP, with Ferry's CRDs applied so that status is a subresource of the Ferry
 * resources, as on a real API server. Clients reach it as they would a real cluster, through
 * {@link #newClient()}: an ordinary fabric8 client on fabric8's JDK HTTP client.
 *
 * <p>What it is not: no server-side apply (415; run the operator with {@code serverSideApply=false}),
 * no garbage collector (the lab's controllers delete what owner references would), no admission,
 * no generateName. A request the mock server fails on (a JSON Patch whose path is missing) is
 * answered 422 as a real server would, instead of never. DELETE removes an object at once unless it has finalizers; then it only sets
 * {@code metadata.deletionTimestamp} (as a local time without zone), and a later update that
 * leaves no finalizer removes it. Watches (informers) work.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  /** The mock server logs every request at INFO through java.util.logging; a strong reference keeps the level. */
  private static final java.util.logging.Logger QUIET_REQUEST_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  /**
   * The CRUD dispatcher, answering when it throws. A JSON Patch whose path is missing, for one,
   * throws inside the mock server, which then never answers, and the client waits for its timeout;
   * a real API server answers 422 at once (and 500 for anything else), so the caller retries soon.
   */
  static final class AnsweringDispatcher extends KubernetesMixedDispatcher {
    AnsweringDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses) {
      super(responses);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      try {
        return super.dispatch(request);
      } catch (Exception e) { // thrown from inside the mock server's handlers
        boolean patch = e.getClass().getName().contains("JsonPatch");
        int code = patch ? 422 : 500;
        log.warn("event=api_request_failed method={} path={} code={} error={}", request.getMethod(), request.getPath(), code, e.toString());
        String message = String.valueOf(e.getMessage()).replace("\\", "\\\\").replace("\"", "'");
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
            .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\""
                + message + "\",\"reason\":\"" + (patch ? "Invalid" : "InternalError") + "\",\"code\":" + code + "}");
      }
    }
  }

  private final KubernetesMockServer server;
  private final String host;
  private final String defaultNamespace;

  private ApiServer(KubernetesMockServer server, String host, String defaultNamespace) {
    this.server = server;
    this.host = host;
    this.defaultNamespace = defaultNamespace;
  }

  /**
   * Starts the server on {@code host} and {@code port} (0: any free port) and applies Ferry's CRDs.
   *
   * @param defaultNamespace the namespace of clients made by {@link #newClient()}
   */
  public static ApiServer start(String host, int port, String defaultNamespace) {
    QUIET_REQUEST_LOG.setLevel(Level.WARNING);
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server = new KubernetesMockServer(
        new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
        new AnsweringDispatcher(responses), false);
    try {
      server.init(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an address: " + host, e);
    }
    ApiServer api = new ApiServer(server, host, defaultNamespace);
    try (KubernetesClient client = api.newClient()) {
      FerryCrds.apply(client, null); // the mock serves a CRD at once
    } catch (RuntimeException e) {
      server.destroy();
      throw e;
    }
    log.info("event=api_server_started url={}", api.url());
    return api;
  }

  /** The API server's URL, e.g. {@code http://127.0.21.1:41234}. */
  public String url() {
    return "http://" + host + ":" + server.getPort();
  }

  /** How a client reaches this server: the URL, a namespace, no TLS, no kubeconfig read. */
  public Config config() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withNamespace(defaultNamespace)
        .withTrustCerts(true)
        .withHttp2Disable(true)
        .withRequestTimeout(10_000)
        .withConnectionTimeout(5_000)
        .build();
  }

  /** A new ordinary client on this server; the caller closes it. */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(config()).withHttpClientFactory(new JdkHttpClientFactory()).build();
  }

  @Override
  public void close() {
    server.destroy();
    log.info("event=api_server_stopped url={}", url());
  }
}
