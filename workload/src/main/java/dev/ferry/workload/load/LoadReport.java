package dev.ferry.workload.load;

import java.util.List;
import java.util.Map;

/**
 * A whole load, so far or at its end.
 *
 * @param requestsSent requests sent (those not sent for {@link Kind#CLIENT_LIMIT} included)
 * @param requestsOk requests that ended OK
 * @param requestsFailed requests that ended otherwise (or have not ended yet while it runs: no)
 * @param errors failed ones by kind
 * @param p50Ms median latency of the OK ones
 * @param p99Ms 99th percentile latency of the OK ones
 * @param maxMs slowest OK one
 * @param perSecond second by second
 */
public record LoadReport(
    long requestsSent, long requestsOk, long requestsFailed, Map<Kind, Long> errors, double p50Ms,
    double p99Ms, double maxMs, List<SecondStats> perSecond) {

  /** Requests that have not ended yet. */
  public long inFlight() {
    return requestsSent - requestsOk - requestsFailed;
  }
}
