package dev.ferry.core.sim;

import dev.ferry.core.bluegreen.BlueGreenObservation;
import dev.ferry.core.bluegreen.BlueGreenPlan;
import dev.ferry.core.bluegreen.BlueGreenSpec;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.ReleaseControl;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiConsumer;

/**
 * Runs the blue-green plan against a {@link SimulatedCluster} the way the reconciler runs it against
 * Kubernetes: observe, decide, act, record the status, and come back when the step says (or after a
 * second, whichever is sooner, as watch events would wake it).
 */
public final class BlueGreenWalk {

  private final SimulatedCluster cluster;
  private BlueGreenSpec spec;
  private String template;
  private String promoted;
  private ReleaseControl.Requests requests = ReleaseControl.Requests.NONE;
  private ReleaseStatus status = ReleaseStatus.initial();
  private boolean operatorUp = true;
  private BiConsumer<BlueGreenObservation, Step> observer = (o, s) -> {};
  private Step last;

  public BlueGreenWalk(SimulatedCluster cluster, BlueGreenSpec spec, String template) {
    this.cluster = cluster;
    this.spec = spec;
    this.template = template;
  }

  /** Sees every decision before it is acted on (for invariants and printing). */
  public BlueGreenWalk onStep(BiConsumer<BlueGreenObservation, Step> observer) {
    this.observer = observer;
    return this;
  }

  public void changeTemplate(String revision) {
    this.template = revision;
  }

  public void changeSpec(BlueGreenSpec spec) {
    this.spec = spec;
  }

  public void promote(String revision) {
    this.promoted = revision;
  }

  /** What people ask of the release (abort, retry, pause), as the reconciler reads it from the resource. */
  public void request(ReleaseControl.Requests requests) {
    this.requests = requests;
  }

  /** While down, no decision is made; the cluster goes on. Status survives, as it lives in the API. */
  public void operatorUp(boolean up) {
    this.operatorUp = up;
  }

  public ReleaseStatus status() {
    return status;
  }

  public Step lastStep() {
    return last;
  }

  public String template() {
    return template;
  }

  public SimulatedCluster cluster() {
    return cluster;
  }

  /** Runs for {@code duration} of virtual time. */
  public void run(Duration duration) {
    Instant end = cluster.now().plus(duration);
    while (cluster.now().isBefore(end)) {
      Instant wakeAt = cluster.now().plusSeconds(1);
      if (operatorUp) {
        // A few decisions may happen at one instant (phase changes that need no waiting).
        for (int i = 0; i < 20; i++) {
          BlueGreenObservation o = observe();
          Step step = ReleaseControl.gate(BlueGreenPlan.next(o), requests, template, status, o.drains(), o.now());
          observer.accept(o, step);
          cluster.apply(step.action());
          status = step.status();
          last = step;
          if (step.action() instanceof Wait w) {
            if (w.recheckAt().isAfter(cluster.now())) {
              wakeAt = w.recheckAt().isBefore(wakeAt) ? w.recheckAt() : wakeAt;
              break;
            }
          }
        }
      }
      Duration step = Duration.between(cluster.now(), wakeAt);
      cluster.advance(step.isNegative() || step.isZero() ? Duration.ofSeconds(1) : step);
    }
  }

  /** What the plan is given: the template's revision and the status, as {@link ReleaseControl} turns them. */
  public BlueGreenObservation observe() {
    return new BlueGreenObservation(
        spec, ReleaseControl.planTarget(requests, template, status), promoted,
        ReleaseControl.planStatus(requests, template, status), cluster.revisionSets(), cluster.pods(), cluster.drains(),
        cluster.now());
  }
}
