package dev.ferry.workload.http;

/**
 * The body of every answer of Ferry's HTTP drain protocol:
 * {@code {"draining":true,"inFlight":N,"connections":M}}.
 *
 * @param draining whether a drain runs
 * @param inFlight requests received and not yet answered (the drain request itself not counted)
 * @param connections open client connections (the drain request's own connection not counted)
 */
public record DrainStatus(boolean draining, int inFlight, int connections) {
  public String toJson() {
    return "{\"draining\":" + draining + ",\"inFlight\":" + inFlight + ",\"connections\":"
        + connections + "}";
  }
}
