package dev.ferry.workload.load;

import java.util.Map;

/**
 * One second of a load, counting the requests <em>sent</em> in that second (second 0 starts with
 * the load) however late they ended, so that {@code sent == ok + failed} once they all ended.
 *
 * @param second seconds since the load started
 * @param sent requests sent
 * @param ok requests that ended {@link Kind#OK}
 * @param failed requests that ended otherwise
 * @param errors the failed ones by kind (kinds with none left out)
 * @param p50Ms median latency of the OK ones, in milliseconds (0 without any)
 * @param p99Ms 99th percentile latency of the OK ones, in milliseconds
 * @param maxMs the slowest OK one
 * @param perPod requests answered by each pod (any status), by pod name
 * @param failedPerTarget failed requests by the address their connection went to ({@code
 *     host:port}; through a proxy that is the proxy), those without one left out
 */
public record SecondStats(
    long second, long sent, long ok, long failed, Map<Kind, Long> errors, double p50Ms, double p99Ms,
    double maxMs, Map<String, Long> perPod, Map<String, Long> failedPerTarget) {}
