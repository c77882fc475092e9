package dev.ferry.core.rebalance;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * When a LosslessDeployment rebalances on its own. Long-lived connections stay where they are when
 * nodes join: after a scale-out (or a pod replaced outside a release) the new nodes sit nearly empty
 * until something moves clients to them.
 *
 * <p>The algorithm, one decision per pass:
 *
 * <ol>
 *   <li>A Rebalance the operator created and has not seen end is followed first, even while a release
 *       runs (the Rebalance gives way to the release on its own): its end is recorded once, as
 *       Completed or Failed (deleted before it ended counts as Failed).
 *   <li>The pods judged so far are the baseline. A release (another revision) starts it afresh with
 *       the new revision's pods: a release places clients itself. Pods that left are dropped from it.
 *   <li>A pod not in the baseline is new: the time is recorded, and the load is judged only once the
 *       deployment is steady (Healthy, one revision, not paused), the settle delay has passed, and no
 *       other Rebalance of this deployment runs. Never during a release, never two at once.
 *   <li>Judging asks every serving broker for its load. A silent broker means wait, not guess. Within
 *       the thresholds both ways (the busiest node near the mean, the mean near the idlest): Balanced.
 *       Otherwise a Rebalance is created, named after the revision and the pods, so that a pass
 *       repeated after a crash finds the same one instead of making a second.
 *   <li>Whatever the outcome, the judged pods become the baseline: a Rebalance that failed is not
 *       tried again until the pods change again.
 * </ol>
 */
public final class AutoRebalancePlan {

  private AutoRebalancePlan() {}

  /** Where the automatic rebalance stands (the API's {@code status.rebalance.phase}). */
  public enum State { IDLE, SETTLING, WAITING, RUNNING, COMPLETED, FAILED, BALANCED }

  /** What became of the Rebalance the record names. */
  public enum Owned { NONE, PENDING, RUNNING, COMPLETED, FAILED, GONE }

  /**
   * What status remembers.
   *
   * @param revision the revision the baseline belongs to
   * @param pods the baseline: pods already judged
   * @param podsChangedAt when new pods were first seen, or null when there are none
   * @param rebalance the last Rebalance created, or null
   */
  public record Record(State state, String revision, List<String> pods, Instant podsChangedAt, String rebalance,
      String message) {
    public Record {
      pods = pods == null ? List.of() : List.copyOf(new TreeSet<>(pods));
    }

    Record with(State s, String why) {
      return new Record(s, revision, pods, podsChangedAt, rebalance, why);
    }
  }

  /**
   * One pass's view.
   *
   * @param deployment the LosslessDeployment's name
   * @param notSteady why the deployment is not steady (a release, Degraded, paused), or null when it is
   * @param releasing a release runs (or was aborted and not yet steady): it places clients itself
   * @param revision the current revision
   * @param pods the live pods of the current revision
   * @param recorded what status remembers, or null
   * @param owned what became of {@code recorded.rebalance()}
   * @param ownedMessage that Rebalance's own message, for the record
   * @param others other Rebalances of this deployment that have not ended
   */
  public record Observation(String deployment, String notSteady, boolean releasing, String revision, List<String> pods, Record recorded, Owned owned,
      String ownedMessage, List<String> others, Duration settle, Instant now) {}

  /** What to do: nothing, judge the load (then {@link #judged}), or create the named Rebalance. */
  public sealed interface Action {
    record None() implements Action {}

    record Judge() implements Action {}

    record Create(String name) implements Action {}

    /** Delete the named Rebalance of the deployment, which has not started. */
    record Cancel(String name) implements Action {}
  }

  /**
   * The pass's outcome.
   *
   * @param event an event's reason when something worth telling happened, or null
   * @param recheck when to look again (null: when something changes)
   */
  public record Decision(Action action, Record record, String event, boolean warning, Duration recheck) {
    static Decision quiet(Record r, Duration recheck) {
      return new Decision(new Action.None(), r, null, false, recheck);
    }
  }

  public static final Duration FOLLOW = Duration.ofSeconds(5);
  public static final Duration RETRY = Duration.ofSeconds(10);

  public static Decision next(Observation o) {
    Record r = o.recorded();
    if (r != null && r.state() == State.RUNNING && o.releasing() && o.owned() == Owned.PENDING) {
      // It would wait through the release, then move the clients the release has just placed.
      return new Decision(new Action.Cancel(r.rebalance()), afterRelease(r), "RebalanceCancelled", false, null);
    }
    if (r != null && r.state() == State.RUNNING) {
      Decision followed = follow(o, r);
      if (followed != null) {
        return followed;
      }
      Record ended = r.with(o.owned() == Owned.COMPLETED ? State.COMPLETED : State.FAILED, ended(o));
      return new Decision(new Action.None(), ended, o.owned() == Owned.COMPLETED ? "RebalanceCompleted" : "RebalanceFailed",
          o.owned() != Owned.COMPLETED, null);
    }
    if (o.releasing()) {
      // A release (a rollback too) places clients itself: the pods it leaves are the new baseline.
      return Decision.quiet(afterRelease(r), null);
    }
    if (r == null || !Objects.equals(r.revision(), o.revision())) {
      // A first deployment or a release: it placed the clients itself. Its pods, once steady, are the baseline.
      return o.notSteady() != null ? Decision.quiet(r, null)
          : Decision.quiet(new Record(State.IDLE, o.revision(), o.pods(), null, r == null ? null : r.rebalance(),
              "pods that join " + o.revision() + " from now on are judged"), null);
    }
    List<String> joined = o.pods().stream().filter(p -> !r.pods().contains(p)).toList();
    List<String> stay = r.pods().stream().filter(o.pods()::contains).toList();
    if (joined.isEmpty()) {
      boolean pending = r.state() == State.SETTLING || r.state() == State.WAITING;
      return Decision.quiet(new Record(pending ? State.IDLE : r.state(), r.revision(), stay, null, r.rebalance(),
          pending ? "the new pods left before they were judged" : r.message()), null);
    }
    Record base = new Record(r.state(), r.revision(), stay, r.podsChangedAt(), r.rebalance(), r.message());
    if (o.notSteady() != null) {
      // The settle delay counts from a steady deployment: while it is not, nothing is judged. New pods
      // seen while they start are the scale-out itself (quiet); a settle delay cut short is told once.
      Record unsettled = new Record(r.state(), r.revision(), stay, null, r.rebalance(), r.message());
      boolean wasDue = r.state() == State.WAITING || (r.state() == State.SETTLING && r.podsChangedAt() != null);
      if (!wasDue) {
        return Decision.quiet(unsettled.with(State.SETTLING, pendingMessage(joined, o.notSteady())), null);
      }
      return waiting(unsettled, joined, o.notSteady(), null);
    }
    if (r.podsChangedAt() == null) {
      Record settling = new Record(State.SETTLING, r.revision(), stay, o.now(), r.rebalance(),
          "new pods " + joined + ": the load is judged " + o.settle().toSeconds() + "s from now");
      return new Decision(new Action.None(), settling, "NewPods", false, o.settle());
    }
    Instant due = r.podsChangedAt().plus(o.settle());
    if (o.now().isBefore(due)) {
      return Decision.quiet(base.with(State.SETTLING, r.message()), Duration.between(o.now(), due));
    }
    if (!o.others().isEmpty()) {
      return waiting(base, joined, "Rebalance " + String.join(", ", o.others()) + " has not ended", RETRY);
    }
    return new Decision(new Action.Judge(), base, null, false, null);
  }

  /** The record while a release runs: no baseline (the next steady pass takes one), the last Rebalance kept. */
  private static Record afterRelease(Record r) {
    String cancelled = r != null && r.state() == State.RUNNING
        ? "Rebalance " + r.rebalance() + " cancelled before it started: a release began; " : "";
    return new Record(State.IDLE, null, List.of(), null, r == null ? null : r.rebalance(),
        cancelled + "a release runs: the pods it leaves are judged from then on");
  }

  private static String pendingMessage(List<String> joined, String why) {
    return "new pods " + joined + ": the load is judged once the deployment is steady (" + why + ")";
  }

  /** Waits with the reason in status; the event is told once, when the wait begins. */
  private static Decision waiting(Record r, List<String> joined, String why, Duration recheck) {
    String message = "new pods " + joined + " wait: " + why;
    return new Decision(new Action.None(), r.with(State.WAITING, message),
        r.state() == State.WAITING ? null : "RebalanceWaiting", false, recheck);
  }

  /** Still running: keep following. Ended: null. */
  private static Decision follow(Observation o, Record r) {
    return switch (o.owned()) {
      case PENDING, RUNNING -> Decision.quiet(r.with(State.RUNNING, "Rebalance " + r.rebalance() + " runs"), FOLLOW);
      case COMPLETED, FAILED, GONE, NONE -> null;
    };
  }

  private static String ended(Observation o) {
    String name = o.recorded().rebalance();
    return switch (o.owned()) {
      case COMPLETED -> "Rebalance " + name + " completed" + suffix(o.ownedMessage());
      case FAILED -> "Rebalance " + name + " failed" + suffix(o.ownedMessage())
          + "; not tried again until the pods change";
      default -> "Rebalance " + name + " was deleted before it ended; not tried again until the pods change";
    };
  }

  private static String suffix(String m) {
    return m == null || m.isBlank() ? "" : ": " + m;
  }

  /**
   * After {@link Action.Judge}: {@code loads} of every pod's broker, {@code silent} naming the pods
   * whose broker did not answer (empty when all did).
   */
  public static Decision judged(Observation o, Decision judging, List<NodeLoad> loads, List<String> silent,
      Thresholds thresholds) {
    Record r = judging.record();
    if (!silent.isEmpty()) {
      String why = "the brokers of " + silent + " did not answer; the load is judged when they do";
      return new Decision(new Action.None(), r.with(State.WAITING, why),
          r.state() == State.WAITING ? null : "RebalanceWaiting", true, RETRY);
    }
    Record judgedAll = new Record(State.BALANCED, r.revision(), o.pods(), null, r.rebalance(), null);
    String counts = counts(loads);
    if (RebalanceMath.balancedBothWays(loads, thresholds)) {
      return new Decision(new Action.None(), judgedAll.with(State.BALANCED, "within the thresholds both ways: " + counts),
          "AlreadyBalanced", false, null);
    }
    String name = name(o.deployment(), o.revision(), o.pods());
    Record running = new Record(State.RUNNING, r.revision(), o.pods(), null, name,
        "Rebalance " + name + " created: " + counts);
    return new Decision(new Action.Create(name), running, "RebalanceCreated", false, FOLLOW);
  }

  /** Connections per node, for messages: {@code emqx@a 700, emqx@b 0}. */
  static String counts(List<NodeLoad> loads) {
    return String.join(", ", loads.stream().map(l -> l.node() + " " + l.connections()).toList());
  }

  /**
   * The Rebalance's name: the same pods of the same revision give the same name, so a pass repeated
   * after a crash between create and status write finds the one it made.
   */
  public static String name(String deployment, String revision, List<String> pods) {
    long h = 0xcbf29ce484222325L; // FNV-1a
    for (String s : concat(revision, pods)) {
      for (byte b : (s + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
        h = (h ^ (b & 0xff)) * 0x100000001b3L;
      }
    }
    return deployment + "-rebalance-" + String.format("%08x", h & 0xffffffffL);
  }

  private static List<String> concat(String revision, List<String> pods) {
    List<String> all = new java.util.ArrayList<>();
    all.add(revision);
    all.addAll(new TreeSet<>(pods));
    return all;
  }
}
