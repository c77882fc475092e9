package dev.ferry.operator.emqx;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.operator.emqx.EmqxModel.ErrorBody;
import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import dev.ferry.operator.emqx.EmqxModel.GlobalStatus;
import dev.ferry.operator.emqx.EmqxModel.Node;
import dev.ferry.operator.emqx.EmqxModel.RebalanceRequest;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A client of one EMQX node's REST API ({@code http://host:port/api/v5}), as described in
 * shared/EMQX-API.md. Every call has a timeout; calls that only read, and start/stop (which the
 * callers make idempotent through {@code already_started} / {@code not_started}), are retried on
 * transient failures with exponential backoff. Credentials go into the Authorization header only and
 * never into an exception message or a log line.
 */
public final class EmqxClient implements EmqxApi {

  /** How long one HTTP call may take. */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  private static final int ATTEMPTS = 3;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final HttpClient http;
  private final URI base;
  private final EmqxCredentials credentials;

  public EmqxClient(HttpClient http, URI base, EmqxCredentials credentials) {
    this.http = http;
    this.base = base;
    this.credentials = credentials;
  }

  /** {@code http://host:port/api/v5} of a pod. */
  public static URI baseOf(String host, int port) {
    return URI.create("http://" + host + ":" + port + "/api/v5");
  }

  public static HttpClient newHttpClient() {
    return HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
  }

  @Override
  public Dialect dialect() {
    return Dialect.V5;
  }

  @Override
  public URI base() {
    return base;
  }

  @Override
  public EmqxModel.LocalStatus localStatus() throws EmqxException {
    return call("GET", "/load_rebalance/status", null, new TypeReference<EmqxModel.LocalStatus>() {});
  }

  @Override
  public List<Node> nodes() throws EmqxException {
    return call("GET", "/nodes", null, new TypeReference<List<Node>>() {});
  }

  @Override
  public GlobalStatus globalStatus() throws EmqxException {
    return call("GET", "/load_rebalance/global_status", null, new TypeReference<GlobalStatus>() {});
  }

  /** Starts an evacuation; one that runs already counts as started. */
  @Override
  public void startEvacuation(String node, EvacuationRequest request) throws EmqxException {
    try {
      call("POST", "/load_rebalance/" + enc(node) + "/evacuation/start", request, null);
    } catch (EmqxException e) {
      if (!e.alreadyStarted()) {
        throw e;
      }
    }
  }

  /** Stops an evacuation; one that does not run counts as stopped. */
  @Override
  public void stopEvacuation(String node) throws EmqxException {
    try {
      call("POST", "/load_rebalance/" + enc(node) + "/evacuation/stop", null, null);
    } catch (EmqxException e) {
      if (!e.notStarted()) {
        throw e;
      }
    }
  }

  /** Starts a rebalance coordinated by {@code coordinator}; one that runs already counts as started. */
  @Override
  public void startRebalance(String coordinator, RebalanceRequest request) throws EmqxException {
    try {
      call("POST", "/load_rebalance/" + enc(coordinator) + "/start", request, null);
    } catch (EmqxException e) {
      if (!e.alreadyStarted()) {
        throw e;
      }
    }
  }

  /** Stops a rebalance; one that does not run counts as stopped. */
  @Override
  public void stopRebalance(String coordinator) throws EmqxException {
    try {
      call("POST", "/load_rebalance/" + enc(coordinator) + "/stop", null, null);
    } catch (EmqxException e) {
      if (!e.notStarted()) {
        throw e;
      }
    }
  }

  private <T> T call(String method, String path, Object body, TypeReference<T> type) throws EmqxException {
    EmqxException last = null;
    Duration backoff = FIRST_BACKOFF;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        return once(method, path, body, type);
      } catch (EmqxException e) {
        if (!e.transientFailure()) {
          throw e;
        }
        last = e;
      }
      if (attempt < ATTEMPTS) {
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
        backoff = backoff.multipliedBy(2);
      }
    }
    throw last;
  }

  private <T> T once(String method, String path, Object body, TypeReference<T> type) throws EmqxException {
    String where = method + " " + base + path;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(CALL_TIMEOUT)
            .header("Authorization", credentials.basicAuthHeader())
            .header("Accept", "application/json");
    try {
      if (body != null) {
        request.header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      } else {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      int status = response.statusCode();
      if (status / 100 == 2) {
        return type == null || response.body().length == 0 ? null : JSON.readValue(response.body(), type);
      }
      ErrorBody error = parseError(response.body());
      throw new EmqxException(status, error.code(), where + " answered " + status + " " + error.code()
          + (error.message() == null ? "" : ": " + error.message()), null);
    } catch (IOException e) {
      throw new EmqxException(0, "UNREACHABLE", where + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmqxException(0, "INTERRUPTED", where + " interrupted", e);
    }
  }

  private static ErrorBody parseError(byte[] body) {
    try {
      return JSON.readValue(body, ErrorBody.class);
    } catch (IOException | RuntimeException e) {
      return new ErrorBody("", new String(body, StandardCharsets.UTF_8));
    }
  }

  private static String enc(String node) {
    return URLEncoder.encode(node, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
