package dev.ferry.broker;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which EMQX a lab broker node behaves as: its version and edition decide which load-rebalance API
 * it serves and how (shared knowledge in docs/broker.md, from EMQX's own source), and a few named
 * improvements, off by default, make it kinder than EMQX where a lab run wants to show what that
 * would change. A report always says which were on.
 *
 * <ul>
 *   <li>4.x: EMQX Enterprise 4.4's dialect ({@code /api/v4}, errors as HTTP 200 with a code in the
 *       body, no evacuation health-check wait).
 *   <li>5.x Opensource before 5.9: no node evacuation at all ({@code /api/v5/load_rebalance/*}
 *       answers 404).
 *   <li>Enterprise 5.0: evacuation without {@code wait_health_check} (the field is unknown: 400).
 *   <li>Enterprise 5.1 to 5.3: the health-check wait exists, the node stays available during it.
 *   <li>5.4 and later (one edition from 5.9, always "Enterprise"): the node turns unavailable at
 *       the start of an evacuation and still accepts clients until the wait ends.
 * </ul>
 *
 * @param version what {@code GET /nodes} reports, e.g. "5.10.4" or "4.4.24"
 * @param edition "Enterprise" or "Opensource" (5.9 and later are always "Enterprise")
 * @param evictionSlices how many ticks a second an evacuation or rebalance spreads its rate over:
 *     1 evicts a second's rate at once, as EMQX does; more is {@link Improvement#SPREAD_EVICTIONS}'s
 *     own knob (a divisor of 1000 in 1..100)
 * @param improvements behaviours kinder than EMQX's, each named
 * @param apiTls when set, the API listens with HTTPS only (EMQX's {@code dashboard.listeners.https}
 *     with http off)
 * @param viewerKeys API keys with EMQX's {@code viewer} role: they may read, and where the version
 *     has API-key roles (Enterprise 5.4 and later) any POST answers 403; elsewhere they are keys
 *     like any other, as in EMQX
 * @param keyedV4GlobalStatus 4.x only: {@code global_status} as EMQX 4.4's early builds answered it,
 *     objects keyed by node name instead of lists (the EMQX Operator cannot read it)
 */
public record EmqxProfile(
    String version, String edition, int evictionSlices, Set<Improvement> improvements, ApiTls apiTls,
    List<ApiKey> viewerKeys, boolean keyedV4GlobalStatus) {

  /** Behaviours better than EMQX's, never on unless asked for. */
  public enum Improvement {
    /**
     * A rebalance caps each donor's evictions at its excess over the mean and counts evicted
     * clients on their way, so it lands balanced (EMQX lets every donor above the recipients'
     * average evict the full rate each tick, and overshoots).
     */
    EVEN_REBALANCE,
    /**
     * {@code GET /status} answers 503 until the node holds its peers' routes (EMQX answers 200 as
     * soon as it runs, joined or not).
     */
    READY_AFTER_ROUTES,
    /** {@code redirect_to} given over REST reaches MQTT 5 clients (EMQX honours it only from its CLI). */
    REDIRECT_OVER_REST,
    /** Evacuation stats count live (EMQX reports snapshots taken before each tick's evictions). */
    LIVE_EVACUATION_STATS;

    /** The option's name on command lines and in reports: {@code even-rebalance}. */
    public String flag() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** A PEM certificate chain and its PEM private key, for the API's HTTPS listener. */
  public record ApiTls(String certificateChainPem, String privateKeyPem) {
    public ApiTls {
      Objects.requireNonNull(certificateChainPem, "certificateChainPem");
      Objects.requireNonNull(privateKeyPem, "privateKeyPem");
    }

    @Override
    public String toString() {
      return "ApiTls[certificate, key=***]";
    }
  }

  /** An API key (4.x: a management app id) and its secret; toString hides the secret. */
  public record ApiKey(String key, String secret) {
    public ApiKey {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(secret, "secret");
    }

    @Override
    public String toString() {
      return "ApiKey[" + key + ", secret=***]";
    }
  }

  /** The dialect of the REST API. */
  public enum Dialect { V4, V5 }

  /** What a lab broker is unless told otherwise: an EMQX 5.10 Enterprise node, flaws included. */
  public static final EmqxProfile DEFAULT = new EmqxProfile("5.10.4", "Enterprise", 1, Set.of(), null);

  /** EMQX Enterprise 4.4, as the EMQX Operator's v1beta4 controllers require it (4.4.14 or later). */
  public static final EmqxProfile ENTERPRISE_4_4 = new EmqxProfile("4.4.24", "Enterprise", 1, Set.of(), null);

  /** A profile with no viewer keys and 4.4's list-shaped {@code global_status}. */
  public EmqxProfile(String version, String edition, int evictionSlices, Set<Improvement> improvements, ApiTls apiTls) {
    this(version, edition, evictionSlices, improvements, apiTls, List.of(), false);
  }

  /** The version an API dialect stands for when no version is named: 4.4.24 or 5.10.4. */
  public static String defaultVersion(Dialect dialect) {
    return dialect == Dialect.V4 ? ENTERPRISE_4_4.version() : DEFAULT.version();
  }

  public EmqxProfile {
    Objects.requireNonNull(version, "version");
    viewerKeys = List.copyOf(viewerKeys);
    if (!"Enterprise".equals(edition) && !"Opensource".equals(edition)) {
      throw new IllegalArgumentException("edition must be Enterprise or Opensource, was " + edition);
    }
    if (!validEvictionSlices(evictionSlices)) {
      throw new IllegalArgumentException("evictionSlices must divide 1000 and lie in 1..100, was " + evictionSlices);
    }
    improvements = improvements.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(improvements));
    int[] v = numbers(version);
    if (v[0] != 4 && v[0] != 5 && v[0] != 6) {
      throw new IllegalArgumentException("version must be 4.4.x, 5.x or 6.x, was " + version);
    }
  }

  /** Whether {@code slices} is a valid {@link #evictionSlices()}: a divisor of 1000 in 1..100 (whole-millisecond ticks). */
  public static boolean validEvictionSlices(int slices) {
    return slices >= 1 && slices <= 100 && 1000 % slices == 0;
  }

  public boolean has(Improvement i) {
    return improvements.contains(i);
  }

  public Dialect dialect() {
    return major() == 4 ? Dialect.V4 : Dialect.V5;
  }

  /** Whether this EMQX has node evacuation and rebalance at all. */
  public boolean hasNodeEvacuation() {
    if (major() == 4) {
      return "Enterprise".equals(edition);
    }
    return "Enterprise".equals(edition) || atLeast(5, 9);
  }

  /** Whether evacuation knows {@code wait_health_check} (5.1 and later). */
  public boolean evacuationHealthCheck() {
    return major() >= 5 && atLeast(5, 1);
  }

  /**
   * Whether an evacuation turns the node unavailable (and busy for others) from its start, still
   * taking clients during the health-check wait (5.4 and later); before, only once the wait ends.
   */
  public boolean unavailableDuringHealthCheck() {
    return atLeast(5, 4);
  }

  /** Whether {@code availability_check} needs credentials (before 5.4; before 4.4.24 in 4.4). */
  public boolean availabilityCheckNeedsAuth() {
    return major() == 4 ? !atLeast(4, 4, 24) : !atLeast(5, 4);
  }

  /**
   * Whether API keys have roles, so that a viewer key's POST answers 403 {@code UNAUTHORIZED_ROLE}:
   * EMQX Enterprise from 5.4, every build from 5.9 (one edition); never 4.x, whose management apps
   * may do everything.
   */
  public boolean apiKeyRoles() {
    return major() >= 5 && atLeast(5, 4) && ("Enterprise".equals(edition) || atLeast(5, 9));
  }

  /** Whether {@code global_status} lists {@code purges} (5.2 and later). */
  public boolean globalStatusHasPurges() {
    return major() >= 5 && atLeast(5, 2);
  }

  /** Whether a rebalance start knows {@code conn_evict_rpc_timeout} and {@code sess_evict_rpc_timeout} (5.9 and later). */
  public boolean rebalanceRpcTimeouts() {
    return atLeast(5, 9);
  }

  /**
   * The 401 message for a request without (or with an unsupported) Authorization header: 6.2
   * explains at length, earlier versions say "Support authorization: basic/bearer " (the trailing
   * space is EMQX's).
   */
  public String missingAuthorizationMessage() {
    return atLeast(6, 2)
        ? "Missing authorization header. Use Basic auth with API key/secret, or Bearer token from POST /api/v5/login."
            + " API keys can be bootstrapped from config (api_key.bootstrap_file) or created via POST /api/v5/api_key"
        : "Support authorization: basic/bearer ";
  }

  /** The content type of {@code GET /status?format=json}: EMQX misspelled it up to 5.8.0. */
  public String statusJsonContentType() {
    return atLeast(5, 8, 1) ? "application/json" : "applicatin/json";
  }

  public EmqxProfile withVersion(String v, String e) {
    return new EmqxProfile(v, e, evictionSlices, improvements, apiTls, viewerKeys, keyedV4GlobalStatus);
  }

  public EmqxProfile withEvictionSlices(int slices) {
    return new EmqxProfile(version, edition, slices, improvements, apiTls, viewerKeys, keyedV4GlobalStatus);
  }

  public EmqxProfile withImprovements(Set<Improvement> set) {
    return new EmqxProfile(version, edition, evictionSlices, set, apiTls, viewerKeys, keyedV4GlobalStatus);
  }

  public EmqxProfile withApiTls(ApiTls tls) {
    return new EmqxProfile(version, edition, evictionSlices, improvements, tls, viewerKeys, keyedV4GlobalStatus);
  }

  public EmqxProfile withViewerKeys(List<ApiKey> keys) {
    return new EmqxProfile(version, edition, evictionSlices, improvements, apiTls, keys, keyedV4GlobalStatus);
  }

  public EmqxProfile withKeyedV4GlobalStatus(boolean keyed) {
    return new EmqxProfile(version, edition, evictionSlices, improvements, apiTls, viewerKeys, keyed);
  }

  private int major() {
    return numbers(version)[0];
  }

  /** Whether the version is at least major.minor(.patch). */
  public boolean atLeast(int... wanted) {
    int[] v = numbers(version);
    for (int i = 0; i < wanted.length; i++) {
      int have = i < v.length ? v[i] : 0;
      if (have != wanted[i]) {
        return have > wanted[i];
      }
    }
    return true;
  }

  private static int[] numbers(String version) {
    String[] parts = version.replaceFirst("^[ev]", "").split("[.-]");
    int[] out = new int[3];
    for (int i = 0; i < 3 && i < parts.length; i++) {
      try {
        out[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("version must look like 5.10.4, was " + version);
      }
    }
    return out;
  }
}
