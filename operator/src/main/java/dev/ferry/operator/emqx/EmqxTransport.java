package dev.ferry.operator.emqx;

import dev.ferry.operator.emqx.EmqxException.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * HTTP to one EMQX API base ({@code http://10.0.0.5:18083/api/v5}), shared by both dialects. It
 * turns every way a call can fail into an {@link EmqxException} naming the method, the URL and the
 * cause, never a credential, and it bounds each call:
 *
 * <ul>
 *   <li>every call, its retries included, ends within {@link EmqxTimeouts#request()} (20 s by
 *       default): the answer's body counts, so a server that sends headers and then stalls cannot
 *       hold a reconcile;
 *   <li>calls that may repeat (reads, and start/stop, which {@code already_started} and
 *       {@code not_started} make idempotent) are tried up to 3 times, 200 ms then 400 ms apart, but
 *       only after a failure that came fast enough to leave a second of the budget: refused
 *       connections and 5xx answers; a timeout is never retried, it used the budget up.
 * </ul>
 */
final class EmqxTransport {

  /** An HTTP answer, whatever its status. */
  record Response(int status, String contentType, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
  /** A retry needs at least this much of the call's budget left. */
  private static final Duration MIN_ATTEMPT = Duration.ofSeconds(1);

  private final HttpClient http;
  private final URI base;
  private final EmqxCredentials credentials;
  private final EmqxTimeouts timeouts;
  private final String credentialsSource;
  private final String tlsExpectation;

  EmqxTransport(HttpClient http, URI base, EmqxCredentials credentials, EmqxTimeouts timeouts, String credentialsSource) {
    this(http, base, credentials, timeouts, credentialsSource, null);
  }

  /**
   * @param credentialsSource where the credentials come from, for the 401 message: "Secret 'emqx-api'"
   * @param tlsExpectation what the server's certificate must be, for TLS failures; or null
   */
  EmqxTransport(
      HttpClient http, URI base, EmqxCredentials credentials, EmqxTimeouts timeouts, String credentialsSource,
      String tlsExpectation) {
    this.http = http;
    this.base = base;
    this.credentials = credentials;
    this.timeouts = timeouts;
    this.credentialsSource = credentialsSource == null ? "the API key's Secret" : credentialsSource;
    this.tlsExpectation = tlsExpectation == null ? "check scheme, caSecret and serverName" : tlsExpectation;
  }

  URI base() {
    return base;
  }

  String credentialsSource() {
    return credentialsSource;
  }

  String where(String method, String path) {
    return method + " " + base + path;
  }

  /**
   * Sends one request and returns the answer, whatever its status; fails only when no answer came.
   * Up to {@code attempts} tries (see the class comment).
   */
  Response send(String method, String path, byte[] jsonBody, int attempts) throws EmqxException {
    long deadline = System.nanoTime() + timeouts.request().toNanos();
    Duration backoff = FIRST_BACKOFF;
    for (int attempt = 1; ; attempt++) {
      Response answer = null;
      EmqxException failure = null;
      try {
        answer = once(method, path, jsonBody, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (!worthRepeating(answer.status())) {
          return answer;
        }
      } catch (EmqxException e) {
        if (e.kind() != Kind.UNREACHABLE) {
          throw e;
        }
        failure = e;
      }
      long left = deadline - System.nanoTime() - backoff.toNanos();
      if (attempt >= attempts || left < MIN_ATTEMPT.toNanos()) {
        if (answer != null) {
          return answer;
        }
        throw failure;
      }
      pause(backoff, method, path);
      backoff = backoff.multipliedBy(2);
    }
  }

  private static boolean worthRepeating(int status) {
    return status == 429 || status >= 500;
  }

  private void pause(Duration d, String method, String path) throws EmqxException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(Kind.INTERRUPTED, method, path, "interrupted", e);
    }
  }

  private Response once(String method, String path, byte[] jsonBody, Duration budget) throws EmqxException {
    CompletableFuture<HttpResponse<byte[]>> call;
    try {
      call = http.sendAsync(request(method, path, jsonBody, budget), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IllegalArgumentException e) {
      throw failure(Kind.BAD_ADDRESS, method, path, "cannot build the request: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw failure(Kind.UNREACHABLE, method, path, "failed: " + describe(e), e);
    }
    try {
      // The client's own timeout ends at the headers; this one covers the body as well.
      HttpResponse<byte[]> r = call.get(budget.toMillis() + 100, TimeUnit.MILLISECONDS);
      return new Response(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
    } catch (TimeoutException e) {
      call.cancel(true);
      throw failure(Kind.TIMEOUT, method, path, "no complete answer within " + seconds(timeouts.request()), e);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw failure(Kind.INTERRUPTED, method, path, "interrupted", e);
    } catch (ExecutionException | CompletionException e) {
      throw classify(method, path, e.getCause() == null ? e : e.getCause());
    }
  }

  private HttpRequest request(String method, String path, byte[] jsonBody, Duration budget) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(budget)
        .header("Authorization", credentials.basicAuthHeader())
        .header("Accept", "application/json");
    if (jsonBody != null) {
      return b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(jsonBody))
          .build();
    }
    return b.method(method, HttpRequest.BodyPublishers.noBody()).build();
  }

  private EmqxException classify(String method, String path, Throwable t) {
    if (t instanceof HttpConnectTimeoutException) {
      return failure(Kind.TIMEOUT, method, path, "could not connect within " + seconds(timeouts.connect()), t);
    }
    if (t instanceof HttpTimeoutException) {
      return failure(Kind.TIMEOUT, method, path, "no answer within " + seconds(timeouts.request()), t);
    }
    if (tlsSetup(t)) {
      String why = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("unrecognized ssl message")
          ? "this port does not speak TLS (scheme http, or the HTTPS port?)" : tlsExpectation;
      return failure(Kind.TLS, method, path, "TLS failed (" + why + "): " + describe(t), t);
    }
    if (t instanceof ConnectException) {
      return failure(Kind.UNREACHABLE, method, path, "cannot connect (refused, or nothing listens): " + describe(t), t);
    }
    if (t instanceof IOException) {
      // An HTTPS-only listener closes a plain HTTP request without a byte; so does a node going away.
      String hint = String.valueOf(t.getMessage()).contains("received no bytes") && base.getScheme().equals("http")
          ? " (if this port speaks HTTPS, set scheme: https)" : "";
      return failure(Kind.UNREACHABLE, method, path, "failed: " + describe(t) + hint, t);
    }
    if (t instanceof IllegalArgumentException) {
      return failure(Kind.BAD_ADDRESS, method, path, "cannot build the request: " + t.getMessage(), t);
    }
    return failure(Kind.UNREACHABLE, method, path, "failed: " + describe(t), t);
  }

  /**
   * A TLS failure that needs a change of setup: a certificate not trusted or not naming the server,
   * a handshake the peer refused, or a port that does not speak TLS. A handshake that broke off
   * (the peer went away) is not one.
   */
  private static boolean tlsSetup(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof GeneralSecurityException) {
        return true;
      }
      if (c instanceof SSLException) {
        String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
        if (m.contains("unrecognized ssl message") || m.contains("plaintext") || m.contains("certificate")
            || m.contains("pkix") || m.contains("alert") || m.contains("subject alternative")) {
          return true;
        }
      }
    }
    return false;
  }

  /** The exception and, when another, its root cause: the JDK often says only "ConnectException". */
  private static String describe(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String self = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    return root == t ? self : self + " (" + root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage()) + ")";
  }

  /** A failure of this call; the text never holds the secret, whatever a cause said. */
  EmqxException failure(Kind kind, String method, String path, String detail, Throwable cause) {
    return failure(kind, 0, kind.name(), "", method, path, detail, cause);
  }

  EmqxException failure(
      Kind kind, int status, String code, String serverMessage, String method, String path, String detail,
      Throwable cause) {
    return new EmqxException(kind, status, code, scrub(serverMessage), scrub(where(method, path) + ": " + detail), cause);
  }

  private String scrub(String text) {
    String out = text.replace(credentials.basicAuthHeader(), "Basic ***");
    return credentials.secret().length() >= 3 ? out.replace(credentials.secret(), "***") : out;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
