package dev.ferry.workload.load;

/**
 * One request's end.
 *
 * @param kind how it ended
 * @param pod the pod that answered (header {@code X-Pod} or Dubbo's answer), or null
 * @param latencyNanos from sending (or starting to connect) to the end
 * @param detail a short reason for an error, or null
 * @param target the address the request went to ({@code host:port} of the connection), or null
 *     when unknown or none was made
 */
public record Outcome(Kind kind, String pod, long latencyNanos, String detail, String target) {
  public Outcome(Kind kind, String pod, long latencyNanos, String detail) {
    this(kind, pod, latencyNanos, detail, null);
  }

  public static Outcome of(Kind kind, String pod, long latencyNanos) {
    return new Outcome(kind, pod, latencyNanos, null);
  }
}
