package dev.ferry.operator.rebalance;

import dev.ferry.api.v1alpha1.Conditions;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalancePhase;
import dev.ferry.api.v1alpha1.RebalanceState;
import dev.ferry.api.v1alpha1.RebalanceStatus;
import dev.ferry.core.rebalance.RebalancePlan;
import dev.ferry.core.rebalance.RebalancePlan.Action;
import dev.ferry.core.rebalance.RebalancePlan.Phase;
import dev.ferry.core.rebalance.RebalancePlan.Step;
import dev.ferry.operator.emqx.EmqxModel.RebalanceEntry;
import dev.ferry.operator.kube.Copies;
import dev.ferry.operator.kube.EventRecorder;
import dev.ferry.operator.kube.StatusConditions;
import dev.ferry.operator.rebalance.RebalanceReconciler.Outcome;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds a Rebalance's status after a pass, with its events: the phase, the broker's view of the
 * rebalance, the pods held out of the Service, the refused starts, and the Processing / Completed /
 * Failed conditions (a lastTransitionTime moves only when a condition flips).
 */
final class RebalanceStatusRecorder {
  private final Rebalance rb;
  private final RebalanceStatus old;
  private final EventRecorder events;
  private final Instant now;

  RebalanceStatusRecorder(Rebalance rb, RebalanceStatus old, EventRecorder events, Instant now) {
    this.rb = rb;
    this.old = old;
    this.events = events;
    this.now = now;
  }

  static Phase phase(RebalanceStatus s) {
    if (s.getPhase() == null) {
      return Phase.Pending;
    }
    return switch (s.getPhase()) {
      case PENDING -> Phase.Pending;
      case PROCESSING -> Phase.Processing;
      case COMPLETED -> Phase.Completed;
      case FAILED -> Phase.Failed;
    };
  }

  static RebalancePhase phase(Phase p) {
    return switch (p) {
      case Pending -> RebalancePhase.PENDING;
      case Processing -> RebalancePhase.PROCESSING;
      case Completed -> RebalancePhase.COMPLETED;
      case Failed -> RebalancePhase.FAILED;
    };
  }

  /**
   * The coordinator of a rebalance that may still run (Processing), or null: before it started
   * and after it ended there is nothing to ask it about.
   */
  static String coordinator(RebalanceStatus s) {
    return s.getRebalanceStates() == null || s.getRebalanceStates().isEmpty() || phase(s) != Phase.Processing
        ? null : s.getRebalanceStates().get(0).getCoordinatorNode();
  }

  /** The donors recorded when it started (empty before). */
  static List<String> donors(RebalanceStatus s) {
    return s.getRebalanceStates() == null || s.getRebalanceStates().isEmpty() ? List.of()
        : s.getRebalanceStates().get(0).getDonors();
  }

  /** Ferry's rounds so far, as status records them. */
  static RebalancePlan.Rounds rounds(dev.ferry.api.v1alpha1.RebalanceSpec spec, RebalanceStatus s) {
    int rate = spec.getConnEvictRate() == null ? 1 : spec.getConnEvictRate();
    if (s.getInitialConnections() == null || s.getRound() == null) {
      return RebalancePlan.Rounds.none(rate);
    }
    Integer roundRate = s.getRebalanceStates() == null || s.getRebalanceStates().isEmpty() ? null
        : s.getRebalanceStates().get(0).getConnectionEvictionRate();
    return new RebalancePlan.Rounds(rate, s.getInitialConnections(), s.getRound(), roundRate == null ? 0 : roundRate,
        s.getRoundEndedAt() == null ? null : Instant.parse(s.getRoundEndedAt()),
        Duration.ofSeconds(spec.getWaitTakeover() == null ? 0 : spec.getWaitTakeover()));
  }

  /**
   * The rounds' record after this step: a start begins one; a round the broker no longer runs is
   * marked ended once (its clients' landing is timed from then).
   */
  private void recordRounds(RebalanceStatus s, Step step, RebalanceObserver.Seen seen) {
    if (step.action() instanceof Action.Start st) {
      s.setInitialConnections(st.initialConnections());
      s.setRound(st.round());
      s.setRoundEndedAt(null);
      return;
    }
    s.setInitialConnections(old.getInitialConnections());
    s.setRound(old.getRound());
    // A round seen running has not ended (even if a lost status write left an older round's end).
    boolean ended = old.getRound() != null && seen.running() == RebalancePlan.Running.NO;
    s.setRoundEndedAt(seen.running() == RebalancePlan.Running.YES ? null
        : old.getRoundEndedAt() != null ? old.getRoundEndedAt() : ended ? now.toString() : null);
  }

  /** The status after a step the plan chose and that was carried out. */
  Outcome stepped(Step step, RebalanceObserver.Seen seen, List<String> donors) {
    RebalanceStatus s = new RebalanceStatus();
    s.setObservedGeneration(old.getObservedGeneration() == null || step.phase() == Phase.Pending
        ? rb.getMetadata().getGeneration() : old.getObservedGeneration());
    if (!Objects.equals(rb.getMetadata().getGeneration(), s.getObservedGeneration())
        && !Objects.equals(old.getObservedGeneration(), s.getObservedGeneration())) {
      events.warning(rb, "SpecImmutable", "the spec changed after the rebalance started; the change is ignored");
    }
    s.setPhase(phase(step.phase()));
    s.setStartedTime(old.getStartedTime() != null ? old.getStartedTime()
        : step.phase() == Phase.Processing ? now.toString() : null);
    boolean over = step.phase() == Phase.Completed || step.phase() == Phase.Failed;
    s.setCompletedTime(old.getCompletedTime() != null ? old.getCompletedTime() : over ? now.toString() : null);
    s.setRebalanceStates(List.of(state(step, seen, donors, over)));
    s.setHeldPods(heldAfter(step, seen.held()));
    recordRounds(s, step, seen);
    boolean started = step.action() instanceof Action.Start;
    s.setStartFailures(started ? null : old.getStartFailures());
    s.setStartError(started ? null : old.getStartError());
    s.setMessage(step.message());
    s.setConditions(conditions(step.phase(), step.reason(), step.message()));
    if (step.phase() != phase(old) || !(step.action() instanceof Action.Wait)) {
      if (step.phase() == Phase.Failed) {
        events.warning(rb, step.reason(), step.message());
      } else {
        events.normal(rb, step.reason(), step.message());
      }
    }
    Duration delay = step.action() instanceof Action.Wait w ? Duration.between(now, w.recheckAt()) : Duration.ofMillis(300);
    return new Outcome(s, delay.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : delay,
        step.action() instanceof Action.Release);
  }

  /** The broker's own words while it runs; before and after, what Ferry knows. */
  private RebalanceState state(Step step, RebalanceObserver.Seen seen, List<String> donors, boolean over) {
    RebalanceState state = new RebalanceState();
    Optional<RebalanceEntry> entry = seen.entry();
    if (entry.isPresent()) {
      RebalanceEntry e = entry.get();
      state.setState(e.state());
      state.setCoordinatorNode(e.coordinatorNode());
      state.setDonors(e.donors());
      state.setRecipients(e.recipients());
      state.setConnectionEvictionRate(e.connectionEvictionRate());
      state.setSessionEvictionRate(e.sessionEvictionRate());
      return state;
    }
    state.setState(over ? "done" : step.phase() == Phase.Processing ? "starting" : "pending");
    List<String> d = step.action() instanceof Action.Start st ? st.donors() : donors;
    state.setDonors(d);
    state.setRecipients(seen.members().stream().map(m -> m.load().node()).filter(n -> !d.contains(n)).toList());
    if (step.action() instanceof Action.Start st) {
      state.setCoordinatorNode(st.coordinator());
      state.setConnectionEvictionRate(st.connRate());
    } else if (old.getRebalanceStates() != null && !old.getRebalanceStates().isEmpty()) {
      state.setCoordinatorNode(old.getRebalanceStates().get(0).getCoordinatorNode());
    }
    return state;
  }

  /** The pods held once this step is done. */
  private static List<String> heldAfter(Step step, List<String> held) {
    List<String> out = new ArrayList<>(held);
    if (step.action() instanceof Action.Hold h) {
      h.pods().stream().filter(p -> !out.contains(p)).forEach(out::add);
    }
    if (step.action() instanceof Action.Unhold u) {
      out.removeAll(u.pods());
    }
    return out.stream().sorted().toList();
  }

  /** A start the broker refused: counted, its answer kept; the phase stays. */
  Outcome refused(String message, List<String> held, Duration delay) {
    RebalanceStatus s = Copies.copy(old, RebalanceStatus.class);
    int failures = (old.getStartFailures() == null ? 0 : old.getStartFailures()) + 1;
    s.setStartFailures(failures);
    s.setStartError(message);
    s.setHeldPods(held);
    s.setPhase(phase(Phase.Pending));
    String m = "the broker refused to start the rebalance (" + failures + "): " + message;
    s.setMessage(m);
    s.setConditions(conditions(Phase.Pending, "StartRefused", m));
    events.warning(rb, "StartRefused", m);
    return new Outcome(s, delay, false);
  }

  /** The phase stays; the message and conditions say why (a Warning event when the message changes). */
  Outcome progress(Phase phase, String reason, String message, Duration delay) {
    RebalanceStatus s = Copies.copy(old, RebalanceStatus.class);
    s.setPhase(phase(phase));
    if (!Objects.equals(old.getMessage(), message)) {
      events.warning(rb, reason, message);
    }
    s.setMessage(message);
    s.setConditions(conditions(phase, reason, message));
    return new Outcome(s, delay, false);
  }

  Outcome finish(Phase phase, String reason, String message) {
    Outcome o = progress(phase, reason, message, Duration.ofMinutes(5));
    if (o.status().getCompletedTime() == null) {
      o.status().setCompletedTime(now.toString());
    }
    return o;
  }

  private List<Condition> conditions(Phase phase, String reason, String message) {
    List<Condition> out = new ArrayList<>();
    for (String type : List.of(Conditions.PROCESSING, Conditions.COMPLETED, Conditions.FAILED)) {
      boolean on = switch (type) {
        case Conditions.PROCESSING -> phase == Phase.Processing;
        case Conditions.COMPLETED -> phase == Phase.Completed;
        default -> phase == Phase.Failed;
      };
      out.add(StatusConditions.of(old.getConditions(), type, on, reason, message, rb.getMetadata().getGeneration(), now));
    }
    return out;
  }
}
