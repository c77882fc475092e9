package dev.ferry.cli;

/**
 * A user's or a cluster's error, said in one line: a flag, a file or a server and what is wrong with
 * it. The top-level handler ({@link Ferry}) prints {@code ferry <command>: error: <message>} and
 * exits 2; no stack trace unless {@code -v}.
 */
final class CliError extends RuntimeException {
  CliError(String message) {
    super(message);
  }

  CliError(String message, Throwable cause) {
    super(message, cause);
  }
}
