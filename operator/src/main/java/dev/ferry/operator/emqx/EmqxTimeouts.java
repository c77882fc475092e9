package dev.ferry.operator.emqx;

import java.time.Duration;
import java.util.Objects;

/**
 * How long an EMQX API call may take.
 *
 * @param connect to open a connection (a pod that is gone never answers: fail fast)
 * @param request for a whole call, its answer's body and any retries included; above EMQX's own
 *     15 s inner RPC timeout, since a healthy cluster with one slow node can take that long
 */
public record EmqxTimeouts(Duration connect, Duration request) {

  /** 5 s to connect, 20 s for a call. */
  public static final EmqxTimeouts DEFAULT = new EmqxTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(20));

  public EmqxTimeouts {
    Objects.requireNonNull(connect, "connect");
    Objects.requireNonNull(request, "request");
    if (connect.isNegative() || connect.isZero() || request.isNegative() || request.isZero()) {
      throw new IllegalArgumentException("EMQX timeouts must be positive");
    }
  }
}
