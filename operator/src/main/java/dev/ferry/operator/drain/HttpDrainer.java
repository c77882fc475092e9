package dev.ferry.operator.drain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.FerryNames;
import dev.ferry.core.release.DrainView;
import dev.ferry.operator.kube.PodStates;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drains a pod through Ferry's HTTP drain protocol (docs/http-drain.md), served by the pod itself on
 * {@code http://<podIP>:<port><path>}:
 *
 * <ul>
 *   <li>{@code POST}: start draining (stop taking new work on kept-alive connections, finish what is
 *       in flight); idempotent.
 *   <li>{@code GET}: {@code {"draining": bool, "inFlight": int, "connections": int}}.
 *   <li>{@code DELETE}: stop draining (a rollback); idempotent.
 * </ul>
 *
 * A drain is FINISHED when the pod says it drains with nothing in flight and no connection open.
 * When it started is the pod's annotation {@value FerryNames#DRAIN_STARTED_AT_ANNOTATION}, which the
 * operator writes just before the POST, so that {@code drain.timeoutSeconds} (decided in core's
 * PodRemoval) counts from the real start across operator restarts. Any answer that is not a 2xx with
 * a well-formed body, or no answer, shows as UNREACHABLE for that pod, with what went wrong.
 *
 * <p>Only pods that can be draining or are about to be are asked: those with the annotation, and
 * those whose serving gate is not True. A pod that serves was never drained by this operator.
 */
public final class HttpDrainer implements Drainer {

  /** Settings from {@code spec.drain.http}. */
  public record Settings(int port, String path) {
    public Settings {
      path = path == null || path.isEmpty() ? "/drain" : path;
    }
  }

  /** What a pod answers to GET. */
  public record Status(boolean draining, long inFlight, long connections) {}

  /** Connecting to a pod on the pod network is quick or it fails. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /** A drain call only reads or flips a flag: it answers at once or something is wrong. */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final Settings settings;
  /** Drains this operator did not start itself (no annotation): counted from when it first saw them. */
  private final Map<String, Instant> firstSeen;
  private final Clock clock;

  public HttpDrainer(HttpClient http, Settings settings, Clock clock, Map<String, Instant> firstSeen) {
    this.http = http;
    this.settings = settings;
    this.clock = clock;
    this.firstSeen = firstSeen;
  }

  public static HttpClient newHttpClient() {
    return HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  public static Map<String, Instant> newStartTimes() {
    return new ConcurrentHashMap<>();
  }

  @Override
  public Observation observe(List<Pod> pods) {
    Map<String, CompletableFuture<DrainView>> asked = new LinkedHashMap<>();
    for (Pod p : pods) {
      if (!worthAsking(p)) {
        continue;
      }
      String ip = ip(p);
      if (ip == null) {
        asked.put(name(p), CompletableFuture.completedFuture(DrainView.unreachable("pod has no IP yet")));
        continue;
      }
      URI uri = uri(ip);
      asked.put(name(p), http.sendAsync(request(uri, "GET"), HttpResponse.BodyHandlers.ofString())
          .handle((response, error) -> view(p, uri, response, error)));
    }
    Map<String, DrainView> out = new LinkedHashMap<>();
    asked.forEach((pod, future) -> out.put(pod, future.join()));
    return Observation.of(out);
  }

  private DrainView view(Pod pod, URI uri, HttpResponse<String> response, Throwable error) {
    if (error != null) {
      return DrainView.unreachable("GET " + uri + ": " + describe(error));
    }
    Status s;
    try {
      s = status(uri, "GET", response);
    } catch (DrainException e) {
      return DrainView.unreachable(e.getMessage());
    }
    if (!s.draining()) {
      firstSeen.remove(key(pod));
      return DrainView.NOT_STARTED;
    }
    Instant started = startedAt(pod);
    boolean empty = s.inFlight() == 0 && s.connections() == 0;
    return new DrainView(empty ? DrainView.State.FINISHED : DrainView.State.RUNNING,
        empty ? "drained" : "draining", s.connections(), -1, started, s.inFlight());
  }

  @Override
  public void start(Pod pod, List<Pod> migrateTo, int share) throws DrainException {
    call(pod, "POST");
  }

  @Override
  public void stop(Pod pod) throws DrainException {
    if (ip(pod) == null) {
      return; // nothing runs in it that could be draining
    }
    call(pod, "DELETE");
    firstSeen.remove(key(pod));
  }

  /** POST or DELETE: a 2xx is what counts; GET, asked on the next pass, says where the drain is. */
  private void call(Pod pod, String method) throws DrainException {
    String ip = ip(pod);
    if (ip == null) {
      throw new DrainException("pod " + name(pod) + " has no IP yet", null);
    }
    URI uri = uri(ip);
    HttpResponse<String> response;
    try {
      response = http.send(request(uri, method), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new DrainException(method + " " + uri + ": " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DrainException(method + " " + uri + ": interrupted", e);
    }
    if (response.statusCode() / 100 != 2) {
      throw new DrainException(method + " " + uri + ": HTTP " + response.statusCode() + snippet(response.body()), null);
    }
  }

  /** A GET's answer, checked: 2xx, a JSON object with a boolean and two counts of 0 or more. */
  static Status status(URI uri, String method, HttpResponse<String> response) throws DrainException {
    String where = method + " " + uri;
    if (response.statusCode() / 100 != 2) {
      throw new DrainException(where + ": HTTP " + response.statusCode() + snippet(response.body()), null);
    }
    return parse(where, response.body());
  }

  static Status parse(String where, String body) throws DrainException {
    JsonNode n;
    try {
      n = body == null || body.isBlank() ? null : JSON.readTree(body);
    } catch (IOException e) {
      throw new DrainException(where + ": malformed status, not JSON" + snippet(body), null);
    }
    if (n == null || !n.isObject()) {
      throw new DrainException(where + ": malformed status, expected a JSON object with draining, inFlight "
          + "and connections" + snippet(body), null);
    }
    JsonNode draining = n.get("draining");
    if (draining == null || !draining.isBoolean()) {
      throw new DrainException(where + ": malformed status, 'draining' must be true or false" + snippet(body), null);
    }
    return new Status(draining.booleanValue(), count(where, n, "inFlight", body), count(where, n, "connections", body));
  }

  private static long count(String where, JsonNode n, String field, String body) throws DrainException {
    JsonNode v = n.get(field);
    if (v == null || !v.isIntegralNumber() || v.longValue() < 0) {
      throw new DrainException(where + ": malformed status, '" + field + "' must be a count of 0 or more"
          + snippet(body), null);
    }
    return v.longValue();
  }

  private static String snippet(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String oneLine = body.strip().replaceAll("[\\p{Cntrl}]+", " ");
    return " (body: " + (oneLine.length() > 120 ? oneLine.substring(0, 120) + "..." : oneLine) + ")";
  }

  private static String describe(Throwable e) {
    Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (t instanceof HttpTimeoutException) {
      return "no answer within " + (t.getMessage() != null && t.getMessage().contains("connect")
          ? CONNECT_TIMEOUT.toSeconds() + "s (connect)" : CALL_TIMEOUT.toSeconds() + "s");
    }
    if (t instanceof ConnectException) {
      return "connection refused";
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  private HttpRequest request(URI uri, String method) {
    return HttpRequest.newBuilder(uri).timeout(CALL_TIMEOUT).header("Accept", "application/json")
        .method(method, HttpRequest.BodyPublishers.noBody()).build();
  }

  private URI uri(String ip) {
    String host = ip.contains(":") ? "[" + ip + "]" : ip;
    return URI.create("http://" + host + ":" + settings.port() + settings.path());
  }

  /** Pods that may be draining (marked) or are on their way out (gate not True). */
  private static boolean worthAsking(Pod p) {
    return startedAnnotation(p) != null || !PodStates.view(p).gateTrue();
  }

  private Instant startedAt(Pod p) {
    String a = startedAnnotation(p);
    if (a != null) {
      try {
        return Instant.parse(a);
      } catch (DateTimeParseException e) {
        // an annotation someone edited by hand: fall back to when this operator saw the drain
      }
    }
    return firstSeen.computeIfAbsent(key(p), k -> clock.instant());
  }

  private static String startedAnnotation(Pod p) {
    var a = p.getMetadata().getAnnotations();
    return a == null ? null : a.get(FerryNames.DRAIN_STARTED_AT_ANNOTATION);
  }

  private static String ip(Pod p) {
    return p.getStatus() == null ? null : p.getStatus().getPodIP();
  }

  private static String name(Pod p) {
    return p.getMetadata().getName();
  }

  private static String key(Pod p) {
    return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName() + "/" + p.getMetadata().getUid();
  }
}
