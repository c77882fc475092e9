package dev.ferry.workload.people;

import java.time.Duration;
import java.util.Objects;

/**
 * A people load.
 *
 * @param ratePerSecond requests per second (open model: they leave on schedule whatever the answers)
 * @param duration how long to send
 * @param people person ids 1..people the load writes and reads
 * @param writeShare the share of writes among the requests, in [0, 1]
 * @param requestTimeout how long a request may take, connecting included
 * @param inDoubtQuarantine after a write whose outcome is unknown (no answer, 5xx), how long its
 *     person gets no write: the failed write may still commit (a request still running on a pod),
 *     and a later write committing before it would then be overwritten by it
 * @param maxInFlight requests in flight at most (more count CLIENT_LIMIT)
 * @param maxIdleConnections kept-alive connections the client keeps idle at most; 0 opens a new
 *     connection for every request, so that a Service's per-connection routing spreads every
 *     request (with keep-alive a new pod gets only the connections opened after it is ready)
 */
public record PeopleLoadConfig(double ratePerSecond, Duration duration, int people, double writeShare,
    Duration requestTimeout, Duration inDoubtQuarantine, int maxInFlight, int maxIdleConnections) {

  public PeopleLoadConfig {
    if (!(ratePerSecond > 0) || ratePerSecond > 10_000) {
      throw new IllegalArgumentException("ratePerSecond must be in (0, 10000]: " + ratePerSecond);
    }
    Objects.requireNonNull(duration, "duration");
    if (duration.isZero() || duration.isNegative() || duration.compareTo(Duration.ofHours(2)) > 0) {
      throw new IllegalArgumentException("duration must be in (0, 2 h]: " + duration);
    }
    if (people < 1 || people > 1_000_000) {
      throw new IllegalArgumentException("people must be in [1, 1000000]: " + people);
    }
    if (!(writeShare >= 0 && writeShare <= 1)) {
      throw new IllegalArgumentException("writeShare must be in [0, 1]: " + writeShare);
    }
    if (requestTimeout.isZero() || requestTimeout.isNegative()) {
      throw new IllegalArgumentException("requestTimeout must be positive");
    }
    Objects.requireNonNull(inDoubtQuarantine, "inDoubtQuarantine");
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1");
    }
    if (maxIdleConnections < 0) {
      throw new IllegalArgumentException("maxIdleConnections must not be negative");
    }
  }

  /** Keeps up to 1,000 connections alive. */
  public PeopleLoadConfig(double ratePerSecond, Duration duration, int people, double writeShare,
      Duration requestTimeout, Duration inDoubtQuarantine, int maxInFlight) {
    this(ratePerSecond, duration, people, writeShare, requestTimeout, inDoubtQuarantine, maxInFlight, 1000);
  }

  /** Half writes, 5 s request timeout, 10 s quarantine, at most 500 in flight, keep-alive. */
  public static PeopleLoadConfig of(double ratePerSecond, Duration duration, int people) {
    return new PeopleLoadConfig(ratePerSecond, duration, people, 0.5, Duration.ofSeconds(5), Duration.ofSeconds(10), 500);
  }

  public PeopleLoadConfig withWriteShare(double share) {
    return new PeopleLoadConfig(ratePerSecond, duration, people, share, requestTimeout, inDoubtQuarantine, maxInFlight, maxIdleConnections);
  }

  public PeopleLoadConfig withRequestTimeout(Duration d) {
    return new PeopleLoadConfig(ratePerSecond, duration, people, writeShare, d, inDoubtQuarantine, maxInFlight, maxIdleConnections);
  }

  public PeopleLoadConfig withInDoubtQuarantine(Duration d) {
    return new PeopleLoadConfig(ratePerSecond, duration, people, writeShare, requestTimeout, d, maxInFlight, maxIdleConnections);
  }

  public PeopleLoadConfig withMaxInFlight(int n) {
    return new PeopleLoadConfig(ratePerSecond, duration, people, writeShare, requestTimeout, inDoubtQuarantine, n, maxIdleConnections);
  }

  public PeopleLoadConfig withMaxIdleConnections(int n) {
    return new PeopleLoadConfig(ratePerSecond, duration, people, writeShare, requestTimeout, inDoubtQuarantine, maxInFlight, n);
  }
}
