package dev.ferry.broker.evacuation;

import dev.ferry.broker.EmqxProfile;
import dev.ferry.core.pacing.EvictionPacer;
import java.util.List;

/**
 * The evacuation of one node, as EMQX's {@code emqx_node_rebalance_evacuation} runs it, flaws
 * included (docs/broker.md). Pure: time and the node's counts are passed in, actions come out; the
 * node carries them out and calls {@link #tick} again after {@link #nextTickDelay}, counted from
 * the end of the tick's work, as EMQX arms its state timeouts.
 *
 * <pre>
 * start ──► waiting_health_check   5.1 and later only (4.4 and 5.0 start at evicting_conns,
 *             │ wait_health_check    refusing at once); 5.1-5.3: still available (200) and
 *             │ elapsed              accepting; 5.4+: unavailable (503), still accepting
 *             ▼
 *           evicting_conns         new clients refused; each tick one burst of up to
 *             │ a tick finds no      conn_evict_rate, the next tick 1 s after the work ends
 *             │ client connected
 *             ▼
 *           waiting_takeover       wait_takeover seconds for clients to take their sessions over
 *             │ elapsed
 *             ▼
 *           evicting_sessions      each tick hand up to sess_evict_rate disconnected sessions to
 *             │ a tick finds no      random targets; no target available → retry in 30 s, for ever
 *             │ session
 *             ▼
 *           prohibiting            terminal: empty, refusing, 503, until stop
 * </pre>
 *
 * <p>EMQX's stats are snapshots: {@link #currentConnected()} is the count an {@code evicting_conns}
 * tick saw before its eviction (0 once the state is left), {@link #currentSessions()} the count an
 * {@code evicting_sessions} tick with targets saw (0 on entering {@code prohibiting}); both stay as
 * they were during the waits and the 30 s retries.
 *
 * <p>With more than one eviction slice (the improvement's knob) the eviction states tick that many
 * times a second and a pacer spreads the rate evenly over them.
 */
public final class Evacuation {

  /** The states, with EMQX's names; {@code disabled} is an evacuation that ended by itself. */
  public enum State {
    WAITING_HEALTH_CHECK,
    EVICTING_CONNS,
    WAITING_TAKEOVER,
    EVICTING_SESSIONS,
    PROHIBITING,
    DISABLED;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * What the node carries now.
   *
   * @param agentBusy the node's eviction agent is held by a rebalance (it became a donor)
   */
  public record Observed(int connected, int sessions, int disconnectedSessions, List<String> targets, boolean agentBusy) {
    public Observed(int connected, int sessions, int disconnectedSessions, List<String> targets) {
      this(connected, sessions, disconnectedSessions, targets, false);
    }
  }

  /** What the node does this tick. */
  public sealed interface Action {}

  public record Nothing() implements Action {}

  public record EvictConnections(int count) implements Action {}

  /** Hand {@code count} disconnected sessions to nodes picked at random among {@code targets}. */
  public record MoveSessions(int count, List<String> targets) implements Action {}

  /** {@link #nextTickDelay} of a state that never ticks again. */
  public static final long NO_MORE_TICKS = -1;
  static final long NO_TARGET_RETRY_MILLIS = 30_000;

  private final EvacuationParams params;
  private final EmqxBehaviour emqx;
  private final EvictionPacer connPacer;
  private final EvictionPacer sessPacer;
  private final int initialConnected;
  private final int initialSessions;
  private int currentConnected;
  private int currentSessions;
  private State state;
  /** No tick does anything before this time: the state's timeout, as EMQX arms it. */
  private long wakeAt;

  /** An evacuation of the default profile's EMQX. */
  public Evacuation(EvacuationParams params, long nowMillis, int initialConnected, int initialSessions) {
    this(params, nowMillis, initialConnected, initialSessions, EmqxProfile.DEFAULT);
  }

  /** An evacuation as the EMQX of {@code profile} runs it. */
  public Evacuation(
      EvacuationParams params, long nowMillis, int initialConnected, int initialSessions, EmqxProfile profile) {
    this.params = params;
    this.emqx = EmqxBehaviour.of(profile);
    this.connPacer = new EvictionPacer(params.connEvictRate(), emqx.evictionSlices());
    this.sessPacer = new EvictionPacer(params.sessEvictRate(), emqx.evictionSlices());
    this.initialConnected = initialConnected;
    this.initialSessions = initialSessions;
    this.currentConnected = initialConnected;
    this.currentSessions = initialSessions;
    if (emqx.evacuationWaitsForHealthCheck()) {
      state = State.WAITING_HEALTH_CHECK;
      wakeAt = nowMillis + params.waitHealthCheckSeconds() * 1000;
    } else {
      state = State.EVICTING_CONNS;
      wakeAt = nowMillis;
    }
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

  /** EMQX's {@code stats.current_connected}: a snapshot, see the class comment. */
  public int currentConnected() {
    return currentConnected;
  }

  /** EMQX's {@code stats.current_sessions}: a snapshot, see the class comment. */
  public int currentSessions() {
    return currentSessions;
  }

  /** New clients are refused once the health-check wait is over. */
  public boolean refusing() {
    return state != State.WAITING_HEALTH_CHECK && state != State.DISABLED;
  }

  /**
   * Whether the node's eviction agent is enabled: it then answers 503 to availability checks and
   * counts as busy (no target, no rebalance member). From the start in 4.4, 5.0 and 5.4 and later;
   * only once the wait is over in 5.1 to 5.3.
   */
  public boolean agentEnabled() {
    return switch (state) {
      case WAITING_HEALTH_CHECK -> emqx.evacuationUnavailableWhileWaiting();
      case DISABLED -> false;
      default -> true;
    };
  }

  /**
   * How long after this tick's work ends the next tick is due, or {@link #NO_MORE_TICKS}.
   *
   * @param nowMillis the time the tick was given
   */
  public long nextTickDelay(long nowMillis) {
    if (state == State.PROHIBITING || state == State.DISABLED) {
      return NO_MORE_TICKS;
    }
    return Math.max(0, wakeAt - nowMillis);
  }

  /** Advances the state machine and says what to do now; before the state's timeout, nothing. */
  public Action tick(long now, Observed o) {
    if (now < wakeAt || state == State.PROHIBITING || state == State.DISABLED) {
      return new Nothing();
    }
    return switch (state) {
      case WAITING_HEALTH_CHECK -> endHealthCheckWait(now, o);
      case EVICTING_CONNS -> evictConnections(now, o);
      case WAITING_TAKEOVER -> {
        enter(State.EVICTING_SESSIONS, now);
        yield evictSessions(now, o);
      }
      case EVICTING_SESSIONS -> evictSessions(now, o);
      default -> new Nothing();
    };
  }

  private Action endHealthCheckWait(long now, Observed o) {
    if (o.agentBusy()) {
      // 5.1-5.3 only (later versions refuse to become a donor while evacuating): the agent that
      // the wait's end would enable is a rebalance's now, and EMQX quietly drops the evacuation.
      enter(State.DISABLED, now);
      return new Nothing();
    }
    enter(State.EVICTING_CONNS, now);
    return evictConnections(now, o);
  }

  private Action evictConnections(long now, Observed o) {
    if (o.connected() == 0) {
      currentConnected = 0;
      enter(State.WAITING_TAKEOVER, now);
      wakeAt = now + params.waitTakeoverSeconds() * 1000;
      return new Nothing();
    }
    currentConnected = o.connected(); // before this tick's eviction: EMQX's lag of one tick
    wakeAt = now + emqx.evictIntervalMillis();
    int n = emqx.sliced() ? connPacer.take(now, o.connected()) : Math.min(params.connEvictRate(), o.connected());
    return n > 0 ? new EvictConnections(n) : new Nothing();
  }

  private Action evictSessions(long now, Observed o) {
    if (o.sessions() == 0) {
      currentSessions = 0;
      enter(State.PROHIBITING, now);
      return new Nothing();
    }
    if (o.targets().isEmpty()) {
      // EMQX logs no_nodes_to_evacuate_sessions and tries again in 30 s, for ever; stats stay.
      wakeAt = now + NO_TARGET_RETRY_MILLIS;
      return new Nothing();
    }
    currentSessions = o.sessions();
    wakeAt = now + emqx.evictIntervalMillis();
    int movable = o.disconnectedSessions();
    int n = emqx.sliced() ? sessPacer.take(now, movable) : Math.min(params.sessEvictRate(), movable);
    return n > 0 ? new MoveSessions(n, o.targets()) : new Nothing();
  }

  private void enter(State s, long now) {
    state = s;
    wakeAt = now;
  }
}
