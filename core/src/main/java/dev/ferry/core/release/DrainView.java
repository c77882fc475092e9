package dev.ferry.core.release;

import java.time.Instant;

/**
 * What the drainer reports for one pod.
 *
 * @param state the coarse state the plans decide on
 * @param detail the drainer's own word for it (EMQX: waiting_health_check, evicting_conns, ...)
 * @param connections connected clients left (-1 when unknown)
 * @param sessions sessions left (-1 when unknown)
 * @param startedAt when the drain started, as far as known (null if not running)
 * @param inFlight requests still being answered (-1 when unknown; the http drainer reports it)
 * @param progressAt when the drain's state or counts last changed, as far as known (null: unknown,
 *     then it is never judged stalled)
 */
public record DrainView(
    State state, String detail, long connections, long sessions, Instant startedAt, long inFlight,
    Instant progressAt) {

  /** A drain whose progress is not followed. */
  public DrainView(
      State state, String detail, long connections, long sessions, Instant startedAt, long inFlight) {
    this(state, detail, connections, sessions, startedAt, inFlight, null);
  }

  /** A drain of a drainer that knows nothing about requests in flight (EMQX). */
  public DrainView(State state, String detail, long connections, long sessions, Instant startedAt) {
    this(state, detail, connections, sessions, startedAt, -1);
  }

  /** The same drain, started and last progressing at the given times. */
  public DrainView withTimes(Instant started, Instant progressed) {
    return new DrainView(state, detail, connections, sessions, started, inFlight, progressed);
  }

  public enum State {
    /** No drain runs on this pod. */
    NOT_STARTED,
    /** A drain runs and has not finished. */
    RUNNING,
    /**
     * The pod is empty (EMQX: prohibiting, or no connections and no sessions left; http: draining
     * with nothing in flight and no connection open).
     */
    FINISHED,
    /** The pod's drain endpoint cannot be reached. */
    UNREACHABLE,
    /**
     * The pod's drain endpoint answers but cannot drain it: no such API (an EMQX without node
     * evacuation), credentials refused, a permission missing. Nothing changes until someone fixes
     * the setup, so it is reported as such rather than as a network problem.
     */
    REFUSED
  }

  public static final DrainView NOT_STARTED = new DrainView(State.NOT_STARTED, "", -1, -1, null);

  public static DrainView refused(String why) {
    return new DrainView(State.REFUSED, why, -1, -1, null);
  }

  /** The drainer cannot drain this pod now: unreachable or refused. */
  public boolean blocked() {
    return state == State.UNREACHABLE || state == State.REFUSED;
  }

  public static DrainView unreachable(String why) {
    return new DrainView(State.UNREACHABLE, why, -1, -1, null);
  }

  public boolean active() {
    return state == State.RUNNING || state == State.FINISHED;
  }

  /** EMQX's state after its last eviction of a connection, while the clients take their sessions over elsewhere. */
  public static final String WAITING_TAKEOVER = "waiting_takeover";

  /**
   * EMQX waits for the takeovers after its last burst, and the node holds no connection and no
   * session any more: every client it sent away took its session over elsewhere (or had none to
   * take), so nothing is left for the wait to protect and the node can go now. A client that has
   * not come back keeps its session there and the node in its wait, until EMQX hands the session
   * on ({@code evicting_sessions}). The session count must be the node's own, live: EMQX's
   * evacuation stats keep the count of the drain's start until it evicts sessions.
   */
  public boolean everyClientTookItsSessionOver() {
    return state == State.RUNNING && WAITING_TAKEOVER.equals(detail) && connections == 0 && sessions == 0;
  }

  /**
   * A drain that sends no client away any more and will end on its own: finished, or (EMQX) waiting
   * for the takeovers after its last burst. EMQX enters {@code waiting_takeover} on the tick after
   * its last burst, so a drain started now lands its first burst at least a second after this one's
   * last: the next node may start while this one waits, and clients still come back at the rate,
   * never two bursts in a second. Not {@code evicting_sessions}: EMQX is there only when sessions
   * were left after the wait, and durable sessions never move, so such a drain may never end.
   */
  public boolean clientsSentAway() {
    return state == State.FINISHED || (state == State.RUNNING && connections == 0 && WAITING_TAKEOVER.equals(detail));
  }
}
