package dev.ferry.operator.emqx;

/**
 * An EMQX API call that failed: what kind of failure, the HTTP status (0 when no answer came) and
 * EMQX's {@code code} and {@code message} when its body had them. The message says which call
 * (method and URL) and why; it never holds a credential.
 *
 * <p>Three families, for whoever decides what to do next:
 * <ul>
 *   <li>{@link #setupProblem()}: retrying will not help until someone changes something
 *       (credentials, the key's role, the EMQX edition, TLS, the address); a drain reports it as
 *       refused;
 *   <li>{@link #transientFailure()}: the node could not answer now (unreachable, timed out, 5xx);
 *       a drain reports it as unreachable and tries again;
 *   <li>neither: EMQX understood and refused this request ({@link Kind#REJECTED}), e.g.
 *       {@link #alreadyStarted()}, {@link #notStarted()}, {@link #nothingToBalance()}, a bad field.
 * </ul>
 */
public final class EmqxException extends Exception {

  /** Why a call failed. */
  public enum Kind {
    /** 401: the key or secret was refused. */
    CREDENTIALS(true),
    /** 403: the key may not do this (a viewer key; an EMQX 6 key without the cluster_operations scope). */
    PERMISSION(true),
    /** 404 on a load-rebalance path: this EMQX has no node evacuation (Opensource before 5.9, 4.4 without the plugin). */
    NO_NODE_EVACUATION(true),
    /** Something answered, but not the EMQX API of the expected dialect (wrong port, apiVersion or scheme). */
    NO_API(true),
    /** The TLS handshake failed: certificate not trusted, name not matching, or no TLS on that port. */
    TLS(true),
    /** The address or request could not even be built (a bad host, an invalid server name). */
    BAD_ADDRESS(true),
    /** No connection, or it broke: the node may be starting, stopping or partitioned. */
    UNREACHABLE(false),
    /** No (complete) answer within the timeout. */
    TIMEOUT(false),
    /** 5xx or 429, or EMQX reporting that an inner RPC failed. */
    SERVER_ERROR(false),
    /** The calling thread was interrupted. */
    INTERRUPTED(false),
    /** EMQX answered and refused the request itself (400 and the like; 4.4: a non-zero code). */
    REJECTED(false);

    private final boolean setup;

    Kind(boolean setup) {
      this.setup = setup;
    }
  }

  private final Kind kind;
  private final int status;
  private final String code;
  private final String serverMessage;

  public EmqxException(Kind kind, int status, String code, String serverMessage, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.status = status;
    this.code = code == null ? "" : code;
    this.serverMessage = serverMessage == null ? "" : serverMessage;
  }

  /**
   * A failure classified by its HTTP status alone: 0 (no answer) unreachable, 401 credentials, 403
   * permission, 429 and 5xx server errors, anything else rejected.
   */
  public EmqxException(int status, String code, String message, Throwable cause) {
    this(kindOf(status), status, code, message, message, cause);
  }

  private static Kind kindOf(int status) {
    if (status == 0) {
      return Kind.UNREACHABLE;
    }
    if (status == 401) {
      return Kind.CREDENTIALS;
    }
    if (status == 403) {
      return Kind.PERMISSION;
    }
    return status == 429 || status >= 500 ? Kind.SERVER_ERROR : Kind.REJECTED;
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status, 0 when no answer came (4.4 answers its errors with 200). */
  public int status() {
    return status;
  }

  /** EMQX's error code ({@code BAD_REQUEST}; 4.4: {@code 400}), or what this client calls the failure. */
  public String code() {
    return code;
  }

  /** The message in EMQX's error body, or empty. */
  public String serverMessage() {
    return serverMessage;
  }

  /** Retrying will not help until someone changes the setup: report it as refused. */
  public boolean setupProblem() {
    return kind.setup;
  }

  /** Worth trying again: not reached, timed out, or the server could not serve now. */
  public boolean transientFailure() {
    return kind == Kind.UNREACHABLE || kind == Kind.TIMEOUT || kind == Kind.SERVER_ERROR || kind == Kind.INTERRUPTED;
  }

  /** This EMQX has no node evacuation and rebalance at all. */
  public boolean noNodeEvacuation() {
    return kind == Kind.NO_NODE_EVACUATION;
  }

  /** The "already_started" answer that makes start idempotent. */
  public boolean alreadyStarted() {
    return refusedWith("already_started");
  }

  /** The "nothing_to_balance" answer of a rebalance start: the nodes are balanced already. */
  public boolean nothingToBalance() {
    return refusedWith("nothing_to_balance");
  }

  /** The "not_started" answer that makes stop idempotent. */
  public boolean notStarted() {
    return refusedWith("not_started");
  }

  private boolean refusedWith(String reason) {
    return kind == Kind.REJECTED && serverMessage.contains(reason);
  }
}
