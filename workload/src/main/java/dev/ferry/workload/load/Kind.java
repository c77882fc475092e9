package dev.ferry.workload.load;

/** How one request ended, as a client sees it. */
public enum Kind {
  /** An answer with a status below 500 (2xx, 3xx, 4xx) or a Dubbo call that returned. */
  OK,
  /** The connection was refused (nothing listens there: the pod stopped or has not started). */
  REFUSED,
  /**
   * The connection broke before the whole answer came: reset by the peer, or closed by it while
   * the request was on its way or waiting (a request written on a connection that the server had
   * closed is one of these).
   */
  RESET,
  /** An answer with a 5xx status (a proxy's 502/503/504 among them). */
  HTTP_5XX,
  /** No answer within the request timeout (connecting included). */
  TIMEOUT,
  /** The client had nowhere to send it: no endpoint (router), or Dubbo's "No provider available". */
  UNAVAILABLE,
  /** Not sent: the load generator's in-flight bound was reached (the target is too slow). */
  CLIENT_LIMIT,
  /** Anything else (a server-side exception reported by Dubbo, an unexpected I/O error...). */
  OTHER;

  public boolean ok() {
    return this == OK;
  }
}
