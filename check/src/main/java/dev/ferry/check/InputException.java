package dev.ferry.check;

/** The input cannot be checked: a missing file, malformed YAML, an unreachable cluster, nothing to check. */
public final class InputException extends Exception {
  private static final long serialVersionUID = 1L;

  public InputException(String message) {
    super(message);
  }

  public InputException(String message, Throwable cause) {
    super(message, cause);
  }
}
