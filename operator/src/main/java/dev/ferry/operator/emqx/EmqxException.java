package dev.ferry.operator.emqx;

/**
 * An EMQX API call that failed: the HTTP status and the {@code code} and {@code message} of the
 * error body when there was one, or status 0 when the node could not be reached.
 */
public final class EmqxException extends Exception {
  private final int status;
  private final String code;

  public EmqxException(int status, String code, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code == null ? "" : code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Worth trying again: not reached, timed out, or the server said it could not serve now. */
  public boolean transientFailure() {
    return status == 0 || status >= 500 || status == 429;
  }

  /** The "already_started" answer that makes start idempotent. */
  public boolean alreadyStarted() {
    return status == 400 && getMessage() != null && getMessage().contains("already_started");
  }

  /** The "nothing_to_balance" answer of a rebalance start: the nodes are balanced already. */
  public boolean nothingToBalance() {
    return status == 400 && getMessage() != null && getMessage().contains("nothing_to_balance");
  }

  /** The "not_started" answer that makes stop idempotent. */
  public boolean notStarted() {
    return status == 400 && getMessage() != null && getMessage().contains("not_started");
  }
}
