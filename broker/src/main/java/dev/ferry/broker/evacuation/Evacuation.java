package dev.ferry.broker.evacuation;

import dev.ferry.core.pacing.EvictionPacer;
import java.util.List;

/**
 * The evacuation of one node, as EMQX 5's {@code emqx_node_rebalance_evacuation} runs it (see
 * shared/EMQX-API.md). Pure: time and the node's counts are passed in, actions come out; the node
 * carries them out. EMQX ticks once a second and evicts a second's rate at once; the lab broker
 * ticks {@code slicesPerSecond} times a second and spreads the rate evenly over them
 * ({@link EvictionPacer}), with 1 it behaves as EMQX does.
 *
 * <pre>
 * start ──► waiting_health_check   availability 503 at once, clients still accepted
 *             │ wait_health_check elapsed
 *             ▼
 *           evicting_conns         new clients refused; each tick evict up to conn_evict_rate
 *             │ no client connected  (never more than the rate in any one-second window: pacer)
 *             ▼
 *           waiting_takeover       wait_takeover seconds for clients to take their sessions over
 *             │ elapsed
 *             ▼
 *           evicting_sessions      each tick hand up to sess_evict_rate disconnected sessions to
 *             │ no session left      random targets; no target available → retry in 30 s
 *             ▼
 *           prohibiting            terminal: empty, refusing, 503, until stop
 * </pre>
 */
public final class Evacuation {

  /** The states, with EMQX's names. */
  public enum State {
    WAITING_HEALTH_CHECK,
    EVICTING_CONNS,
    WAITING_TAKEOVER,
    EVICTING_SESSIONS,
    PROHIBITING;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** What the node carries now. */
  public record Observed(int connected, int sessions, int disconnectedSessions, List<String> targets) {}

  /** What the node does this tick. */
  public sealed interface Action {}

  public record Nothing() implements Action {}

  public record EvictConnections(int count) implements Action {}

  /** Hand {@code count} disconnected sessions to nodes picked at random among {@code targets}. */
  public record MoveSessions(int count, List<String> targets) implements Action {}

  static final long NO_TARGET_RETRY_MILLIS = 30_000;

  private final EvacuationParams params;
  private final EvictionPacer connPacer;
  private final EvictionPacer sessPacer;
  private final int initialConnected;
  private final int initialSessions;
  private State state = State.WAITING_HEALTH_CHECK;
  private long stateSince;
  private long nextSessionAttempt;

  public Evacuation(EvacuationParams params, long nowMillis, int initialConnected, int initialSessions) {
    this(params, nowMillis, initialConnected, initialSessions, 1);
  }

  public Evacuation(
      EvacuationParams params, long nowMillis, int initialConnected, int initialSessions, int slicesPerSecond) {
    this.params = params;
    this.connPacer = new EvictionPacer(params.connEvictRate(), slicesPerSecond);
    this.sessPacer = new EvictionPacer(params.sessEvictRate(), slicesPerSecond);
    this.initialConnected = initialConnected;
    this.initialSessions = initialSessions;
    this.stateSince = nowMillis;
  }

  public State state() {
    return state;
  }

  public EvacuationParams params() {
    return params;
  }

  public int initialConnected() {
    return initialConnected;
  }

  public int initialSessions() {
    return initialSessions;
  }

  /** New clients are refused once the health-check wait is over. */
  public boolean refusing() {
    return state != State.WAITING_HEALTH_CHECK;
  }

  /** Advances the state machine and says what to do now. */
  public Action tick(long now, Observed o) {
    switch (state) {
      case WAITING_HEALTH_CHECK -> {
        if (now - stateSince < params.waitHealthCheckSeconds() * 1000) {
          return new Nothing();
        }
        enter(State.EVICTING_CONNS, now);
        return tick(now, o);
      }
      case EVICTING_CONNS -> {
        if (o.connected() == 0) {
          enter(State.WAITING_TAKEOVER, now);
          return tick(now, o);
        }
        int n = connPacer.take(now, o.connected());
        return n > 0 ? new EvictConnections(n) : new Nothing();
      }
      case WAITING_TAKEOVER -> {
        if (now - stateSince < params.waitTakeoverSeconds() * 1000) {
          return new Nothing();
        }
        enter(State.EVICTING_SESSIONS, now);
        nextSessionAttempt = now;
        return tick(now, o);
      }
      case EVICTING_SESSIONS -> {
        if (o.sessions() == 0) {
          enter(State.PROHIBITING, now);
          return new Nothing();
        }
        if (now < nextSessionAttempt || o.disconnectedSessions() == 0) {
          return new Nothing();
        }
        if (o.targets().isEmpty()) {
          nextSessionAttempt = now + NO_TARGET_RETRY_MILLIS;
          return new Nothing();
        }
        int n = sessPacer.take(now, o.disconnectedSessions());
        return n > 0 ? new MoveSessions(n, o.targets()) : new Nothing();
      }
      default -> {
        return new Nothing();
      }
    }
  }

  private void enter(State s, long now) {
    state = s;
    stateSince = now;
  }
}
