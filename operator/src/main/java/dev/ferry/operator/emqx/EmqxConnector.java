package dev.ferry.operator.emqx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.v1alpha1.EmqxApiVersion;
import dev.ferry.api.v1alpha1.EmqxDrain;
import dev.ferry.operator.emqx.EmqxApi.Dialect;
import dev.ferry.operator.emqx.EmqxException.Kind;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reaches the EMQX API of a pod as {@code spec.drain.emqx} says: built for each pass from those
 * settings, the credentials and the CA certificate, then {@link #connect} for each pod.
 *
 * <pre>{@code
 * EmqxConnector emqx = EmqxConnector.of(spec.getDrain().getEmqx(), credentials, caPem);
 * EmqxApi api = emqx.connect(pod.getStatus().getPodIP());   // v5 or v4, http or https
 * api.nodes();
 * }</pre>
 *
 * <ul>
 *   <li>v5: {@code /api/v5} on port 18083 unless another is set; v4: {@code /api/v4} on 8081.
 *   <li>auto: the first contact with an address asks {@code GET /api/v5/nodes} on the v5 port, then
 *       {@code GET /api/v4/nodes} on the v4 port (both on the port, when one is set), and uses the
 *       dialect that answered. The answer is remembered in memory for 10 minutes per address,
 *       port and scheme: only a cache, so a restart or a reused pod IP costs one more look.
 *   <li>https: the certificate must chain to the CA (or, without one, to the JVM's authorities)
 *       and name {@code serverName}, which is also sent as SNI; without a server name the pod's IP
 *       must be in the certificate. One HttpClient per TLS setting, shared between passes.
 * </ul>
 */
public final class EmqxConnector {

  public static final int V5_PORT = 18083;
  public static final int V4_PORT = 8081;
  static final Duration DIALECT_MEMORY = Duration.ofMinutes(10);
  private static final int MAX_REMEMBERED = 4096;
  private static final int MAX_CLIENTS = 16;

  /**
   * The settings of {@code spec.drain.emqx}.
   *
   * @param apiVersion auto, v4 or v5 (null: auto)
   * @param port the API port, or null for the dialect's (18083, 8081)
   * @param https whether to speak HTTPS
   * @param serverName with https: the name the certificate must carry, sent as SNI; or null
   * @param credentialsSecret the Secret the credentials come from, for messages; or null
   * @param timeouts connect and call timeouts
   */
  public record Settings(
      EmqxApiVersion apiVersion, Integer port, boolean https, String serverName, String credentialsSecret,
      EmqxTimeouts timeouts) {

    public Settings {
      apiVersion = apiVersion == null ? EmqxApiVersion.AUTO : apiVersion;
      Objects.requireNonNull(timeouts, "timeouts");
    }

    /** From the spec, with the default timeouts. */
    public static Settings of(EmqxDrain spec) {
      return new Settings(spec.getApiVersion(), spec.getPort(), "https".equals(spec.getScheme()), spec.getServerName(),
          spec.getApiKeySecret(), EmqxTimeouts.DEFAULT);
    }


  }

  private record Remembered(Dialect dialect, long untilNanos) {}

  private record TlsKey(boolean https, String caPem, String serverName, Duration connectTimeout) {}

  private static final Map<String, Remembered> DIALECTS = new ConcurrentHashMap<>();
  private static final Map<TlsKey, HttpClient> CLIENTS = new LinkedHashMap<>(16, 0.75f, true);

  private final Settings settings;
  private final EmqxCredentials credentials;
  private final String caPem;

  /**
   * @param caPem with https: the PEM certificate(s) of the authority to trust (the caSecret's
   *     {@code ca.crt}), or null for the JVM's
   */
  public EmqxConnector(Settings settings, EmqxCredentials credentials, String caPem) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.caPem = caPem == null || caPem.isBlank() ? null : caPem;
  }

  public static EmqxConnector of(EmqxDrain spec, EmqxCredentials credentials, String caPem) {
    return new EmqxConnector(Settings.of(spec), credentials, caPem);
  }

  public Settings settings() {
    return settings;
  }

  /**
   * The API of the EMQX node at {@code podIp} (IPv4 or IPv6), in its dialect. No network call but
   * in auto mode at the first contact with an address (then up to two calls, each bounded by the
   * call timeout). Fails with a setup problem for a bad CA, server name or address, with
   * {@link Kind#NO_API} when something answers that is neither dialect, and with
   * {@link Kind#UNREACHABLE} when nothing answers.
   */
  public EmqxApi connect(String podIp) throws EmqxException {
    if (podIp == null || podIp.isBlank()) {
      throw new EmqxException(Kind.UNREACHABLE, 0, "NO_IP", "", "the pod has no IP yet", null);
    }
    HttpClient http = httpClient();
    return switch (settings.apiVersion()) {
      case V5 -> v5(http, podIp);
      case V4 -> v4(http, podIp);
      case AUTO -> detect(http, podIp);
    };
  }

  private EmqxClient v5(HttpClient http, String host) throws EmqxException {
    return new EmqxClient(transport(http, () -> EmqxClient.baseOf(scheme(), host, port(V5_PORT))));
  }

  private EmqxV4Client v4(HttpClient http, String host) throws EmqxException {
    return new EmqxV4Client(transport(http, () -> EmqxV4Client.baseOf(scheme(), host, port(V4_PORT))));
  }

  private interface BaseSupplier {
    java.net.URI get();
  }

  private EmqxTransport transport(HttpClient http, BaseSupplier base) throws EmqxException {
    try {
      return new EmqxTransport(http, base.get(), credentials, settings.timeouts(),
          settings.credentialsSecret() == null ? null : "Secret '" + settings.credentialsSecret() + "'",
          tlsExpectation());
    } catch (IllegalArgumentException e) {
      throw new EmqxException(Kind.BAD_ADDRESS, 0, "BAD_ADDRESS", "", "cannot build the EMQX API address: "
          + e.getMessage(), e);
    }
  }

  /** What the server's certificate must be, for a TLS failure's message. */
  private String tlsExpectation() {
    String trust = caPem != null ? "the CA of caSecret" : "the JVM's authorities (no caSecret)";
    String name = settings.serverName() != null && !settings.serverName().isBlank()
        ? "name serverName '" + settings.serverName() + "' (sent as SNI; failing that, the pod IP)"
        : "name the pod IP (no serverName)";
    return "the certificate must chain to " + trust + " and " + name;
  }

  private String scheme() {
    return settings.https() ? "https" : "http";
  }

  private int port(int dialectDefault) {
    return settings.port() == null ? dialectDefault : settings.port();
  }

  // ---- auto ----------------------------------------------------------------------------------

  private EmqxApi detect(HttpClient http, String host) throws EmqxException {
    String key = scheme() + "://" + host + ":" + (settings.port() == null ? "default" : settings.port());
    Remembered r = DIALECTS.get(key);
    if (r != null && r.untilNanos() - System.nanoTime() > 0) {
      return r.dialect() == Dialect.V5 ? v5(http, host) : v4(http, host);
    }
    EmqxClient v5 = v5(http, host);
    Probe onV5 = probe(v5, EmqxConnector::looksLikeV5);
    if (onV5.found()) {
      return remember(key, v5);
    }
    EmqxV4Client v4 = v4(http, host);
    Probe onV4 = probe(v4, EmqxConnector::looksLikeV4);
    if (onV4.found()) {
      return remember(key, v4);
    }
    throw neither(host, onV5, onV4);
  }

  private static EmqxApi remember(String key, EmqxHttpApi api) {
    if (DIALECTS.size() >= MAX_REMEMBERED) {
      DIALECTS.clear(); // a cache: losing it costs one look per address
    }
    DIALECTS.put(key, new Remembered(api.dialect(), System.nanoTime() + DIALECT_MEMORY.toNanos()));
    return api;
  }

  /** What one dialect's {@code GET /nodes} said: found, something else answered, or it failed. */
  private record Probe(boolean found, String answered, EmqxException failure) {}

  private interface Recognizer {
    boolean matches(EmqxTransport.Response r, JsonNode json);
  }

  private static Probe probe(EmqxHttpApi api, Recognizer recognizer) {
    try {
      EmqxTransport.Response r = api.transport.send("GET", "/nodes", null, 1);
      JsonNode json;
      try {
        json = EmqxHttpApi.JSON.readTree(r.body());
      } catch (java.io.IOException | RuntimeException e) {
        json = null;
      }
      boolean found = recognizer.matches(r, json);
      return new Probe(found, api.base() + "/nodes answered " + r.status() + " " + EmqxHttpApi.abbreviate(r.text()), null);
    } catch (EmqxException e) {
      return new Probe(false, null, e);
    }
  }

  /** EMQX 5: a list of nodes, or its own JSON error for credentials. */
  private static boolean looksLikeV5(EmqxTransport.Response r, JsonNode json) {
    if (json == null) {
      return false;
    }
    if (r.status() == 200) {
      return json.isArray();
    }
    return (r.status() == 401 || r.status() == 403) && json.path("code").isTextual();
  }

  /** EMQX 4.4: {@code {"code":0,"data":[...]}}, or minirest's text 401. */
  private static boolean looksLikeV4(EmqxTransport.Response r, JsonNode json) {
    if (r.status() == 200) {
      return json != null && json.path("code").isNumber();
    }
    return r.status() == 401 && (json == null || !json.path("code").isTextual());
  }

  private EmqxException neither(String host, Probe onV5, Probe onV4) {
    for (Probe p : List.of(onV5, onV4)) {
      if (p.failure() != null && p.failure().setupProblem()) {
        return p.failure();
      }
    }
    if (onV5.failure() != null && onV4.failure() != null) {
      boolean timedOut = onV5.failure().kind() == Kind.TIMEOUT || onV4.failure().kind() == Kind.TIMEOUT;
      return new EmqxException(timedOut ? Kind.TIMEOUT : Kind.UNREACHABLE, 0, "UNREACHABLE", "",
          "no EMQX API answers at " + host + ": " + onV5.failure().getMessage() + "; " + onV4.failure().getMessage(),
          onV5.failure());
    }
    return new EmqxException(Kind.NO_API, 0, "NO_API", "", "neither EMQX 5's nor EMQX 4.4's API answers at " + host
        + " (" + describe(onV5) + "; " + describe(onV4) + "): set apiVersion and port in spec.drain.emqx", null);
  }

  private static String describe(Probe p) {
    return p.failure() != null ? p.failure().getMessage() : p.answered();
  }

  // ---- TLS -----------------------------------------------------------------------------------

  /** The HttpClient of this TLS setting, shared by every connector with the same one. */
  private HttpClient httpClient() throws EmqxException {
    TlsKey key = new TlsKey(settings.https(), settings.https() ? caPem : null,
        settings.https() ? settings.serverName() : null, settings.timeouts().connect());
    synchronized (CLIENTS) {
      HttpClient c = CLIENTS.get(key);
      if (c != null) {
        return c;
      }
    }
    HttpClient made = newHttpClient(key);
    synchronized (CLIENTS) {
      HttpClient raced = CLIENTS.putIfAbsent(key, made);
      if (raced != null) {
        made.shutdown();
        return raced;
      }
      if (CLIENTS.size() > MAX_CLIENTS) {
        var eldest = CLIENTS.entrySet().iterator().next();
        CLIENTS.remove(eldest.getKey());
        eldest.getValue().shutdown(); // requests under way still finish
      }
      return made;
    }
  }

  private HttpClient newHttpClient(TlsKey key) throws EmqxException {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(key.connectTimeout()).version(HttpClient.Version.HTTP_1_1);
    if (!key.https()) {
      return b.build();
    }
    SSLParameters params = new SSLParameters();
    // The JDK checks the SNI name against the certificate when it verifies an HTTPS endpoint, and
    // the client keeps the SNI it is given when the URL's host is an IP (a pod's).
    params.setEndpointIdentificationAlgorithm("HTTPS");
    if (key.serverName() != null && !key.serverName().isBlank()) {
      try {
        params.setServerNames(List.of(new SNIHostName(key.serverName())));
      } catch (IllegalArgumentException e) {
        throw new EmqxException(Kind.BAD_ADDRESS, 0, "BAD_SERVER_NAME", "", "serverName '" + key.serverName()
            + "' is not a host name: " + e.getMessage(), e);
      }
    }
    return b.sslContext(sslContext(key.caPem())).sslParameters(params).build();
  }

  private SSLContext sslContext(String pem) throws EmqxException {
    try {
      if (pem == null) {
        return SSLContext.getDefault();
      }
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
      if (certs.isEmpty()) {
        throw new GeneralSecurityException("no certificate in it");
      }
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        trust.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      return ssl;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new EmqxException(Kind.TLS, 0, "BAD_CA", "", "the CA certificate (caSecret, key ca.crt) cannot be used: "
          + e.getMessage(), e);
    }
  }

  /** A host as it goes into a URL: an IPv6 address in brackets (a zone's % escaped). */
  static String uriHost(String host) {
    if (host.contains(":") && !host.startsWith("[")) {
      return "[" + host.replace("%", "%25") + "]";
    }
    return host;
  }
}
