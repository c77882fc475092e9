package dev.ferry.operator.rebalance;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.Conditions;
import dev.ferry.api.v1alpha1.DrainType;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalanceSpec;
import dev.ferry.api.v1alpha1.RebalanceStatus;
import dev.ferry.core.rebalance.RebalancePlan;
import dev.ferry.core.rebalance.RebalancePlan.Action;
import dev.ferry.core.rebalance.RebalancePlan.Observation;
import dev.ferry.core.rebalance.RebalancePlan.Phase;
import dev.ferry.core.rebalance.RebalancePlan.Step;
import dev.ferry.core.rebalance.RebalancePlan.TargetIssue;
import dev.ferry.core.rebalance.Thresholds;
import dev.ferry.operator.drain.EmqxDrainer;
import dev.ferry.operator.emqx.EmqxApi;
import dev.ferry.operator.emqx.EmqxException;
import dev.ferry.operator.emqx.EmqxModel.RebalanceEntry;
import dev.ferry.operator.emqx.EmqxModel.RebalanceRequest;
import dev.ferry.operator.kube.EventRecorder;
import dev.ferry.operator.kube.PodGates;
import dev.ferry.operator.kube.StatusWriter;
import dev.ferry.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a Rebalance: observe the target and its brokers ({@link RebalanceObserver}), ask
 * core's {@link RebalancePlan} for the next step, act, record ({@link RebalanceStatusRecorder}). The
 * finalizer makes a deletion stop the broker's rebalance and put every held pod back into the
 * Service before the resource goes.
 */
@ControllerConfiguration(name = "rebalance", finalizerName = FerryNames.REBALANCE_STOP_FINALIZER)
public final class RebalanceReconciler implements Reconciler<Rebalance>, Cleaner<Rebalance> {
  private static final Logger log = LoggerFactory.getLogger(RebalanceReconciler.class);
  static final String KIND = "Rebalance";
  private static final Duration AFTER_ERROR = Duration.ofSeconds(5);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;

  public RebalanceReconciler(KubernetesClient client, OperatorMetrics metrics, Clock clock) {
    this.client = client;
    this.events = new EventRecorder(client, "ferry-operator", clock);
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public UpdateControl<Rebalance> reconcile(Rebalance rb, Context<Rebalance> context) {
    long t0 = System.nanoTime();
    try {
      Rebalance fresh = client.resource(rb).get(); // the informer's copy may lag behind our last write
      if (fresh == null) {
        return UpdateControl.noUpdate();
      }
      Outcome o = pass(fresh, false);
      write(fresh, o.status());
      return UpdateControl.<Rebalance>noUpdate().rescheduleAfter(o.delay());
    } finally {
      metrics.reconciled(KIND, Duration.ofNanos(System.nanoTime() - t0), false);
    }
  }

  @Override
  public DeleteControl cleanup(Rebalance rb, Context<Rebalance> context) {
    Rebalance fresh = client.resource(rb).get();
    Outcome o = pass(fresh == null ? rb : fresh, true);
    if (o.released()) {
      return DeleteControl.defaultDelete();
    }
    if (fresh != null) {
      write(fresh, o.status());
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(o.delay());
  }

  private void write(Rebalance fresh, RebalanceStatus s) {
    if (!Objects.equals(fresh.getStatus(), s)) {
      fresh.setStatus(s);
      StatusWriter.replace(client, fresh);
    }
  }

  record Outcome(RebalanceStatus status, Duration delay, boolean released) {}

  /** What one pass saw: the spec's settings, the target, and what its brokers said. */
  private record Pass(Rebalance rb, RebalanceStatus old, boolean deleting, Thresholds conns, Thresholds sessions,
      LosslessDeployment target, List<Pod> pods, RebalanceObserver.Seen seen, Instant now) {}

  private Outcome pass(Rebalance rb, boolean deleting) {
    Instant now = clock.instant();
    RebalanceStatus old = rb.getStatus() == null ? new RebalanceStatus() : rb.getStatus();
    RebalanceStatusRecorder record = new RebalanceStatusRecorder(rb, old, events, now);
    Thresholds conns;
    Thresholds sessions;
    try {
      conns = thresholds(rb.getSpec(), true);
      sessions = thresholds(rb.getSpec(), false);
    } catch (RuntimeException e) {
      return cannotRun(rb, record, deleting, Phase.Failed, Conditions.REASON_INVALID_SPEC, "invalid spec: " + e.getMessage());
    }
    String ns = rb.getMetadata().getNamespace();
    String targetName = rb.getSpec().getTargetRef() == null ? null : rb.getSpec().getTargetRef().getName();
    LosslessDeployment target = targetName == null ? null
        : client.resources(LosslessDeployment.class).inNamespace(ns).withName(targetName).get();
    if (target == null) {
      return cannotRun(rb, record, deleting, RebalanceStatusRecorder.phase(old), "TargetNotFound",
          "LosslessDeployment '" + targetName + "' not found");
    }
    List<Pod> pods = client.pods().inNamespace(ns).withLabel(FerryNames.DEPLOYMENT_LABEL, targetName).list().getItems();
    if (target.getSpec().drainOrDefaults().getType() != DrainType.EMQX || target.getSpec().getDrain().getEmqx() == null) {
      return cannotRun(rb, record, deleting, Phase.Failed, "NotEmqx", "target " + targetName + " does not use the emqx drainer");
    }
    EmqxDrainer.Apis apis;
    try {
      apis = apis(target);
    } catch (RuntimeException e) {
      // Without credentials the broker cannot be asked, nor its rebalance stopped: a deletion still
      // lets every held pod go (their LosslessDeployment serves from them again) and says so.
      return deleting ? cannotRun(rb, record, true, Phase.Failed, "NoCredentials",
          "the broker's rebalance could not be stopped: " + e.getMessage())
          : record.progress(RebalanceStatusRecorder.phase(old), "NoCredentials", e.getMessage(), Duration.ofSeconds(10));
    }
    String coordinator = RebalanceStatusRecorder.coordinator(old);
    RebalanceObserver.Seen seen = new RebalanceObserver(apis)
        .observe(rb, pods, RebalanceObserver.serving(target, pods), coordinator);
    return decideActRecord(new Pass(rb, old, deleting, conns, sessions, target, pods, seen, now), record);
  }

  private Outcome decideActRecord(Pass p, RebalanceStatusRecorder record) {
    RebalanceObserver.Seen seen = p.seen();
    TargetIssue issue = issue(p.target());
    String silent = seen.unanswered().isEmpty() ? null : seen.unanswered().toString();
    List<String> donors = seen.entry().map(RebalanceEntry::donors)
        .orElseGet(() -> RebalanceStatusRecorder.donors(p.old()));
    Step step = RebalancePlan.next(new Observation(RebalanceStatusRecorder.phase(p.old()), p.deleting(), issue,
        seen.members(), silent, seen.held(),
        seen.entry().map(RebalanceEntry::coordinatorNode).orElse(RebalanceStatusRecorder.coordinator(p.old())),
        seen.running(),
        donors == null ? List.of() : donors, RebalanceObserver.refusal(p.old()), p.conns(), p.sessions(),
        RebalanceStatusRecorder.rounds(p.rb().getSpec(), p.old()), service(p), p.now()));
    Optional<EmqxException> refused;
    try {
      refused = act(p, step);
    } catch (EmqxException | KubernetesClientException | IllegalStateException e) {
      metrics.error(KIND, "ActionFailed");
      events.warning(p.rb(), "ActionFailed", step.reason() + ": " + e.getMessage());
      return record.progress(RebalanceStatusRecorder.phase(p.old()), "ActionFailed", e.getMessage(), AFTER_ERROR);
    }
    if (!(step.action() instanceof Action.Wait)) {
      metrics.action(KIND, step.action().getClass().getSimpleName());
    }
    if (refused.isPresent()) {
      EmqxException e = refused.get();
      // The broker's own word, kept in status, is what the plan reads next pass.
      return record.refused((e.nothingToBalance() && !e.getMessage().contains("nothing_to_balance")
          ? "nothing_to_balance: " : "") + e.getMessage(), seen.held(), AFTER_ERROR);
    }
    Outcome o = record.stepped(step, seen, donors);
    if (step.phase() != RebalanceStatusRecorder.phase(p.old()) || !(step.action() instanceof Action.Wait)) {
      log.info("{}/{} {} {}: {}", p.rb().getMetadata().getNamespace(), p.rb().getMetadata().getName(), step.phase(),
          step.reason(), step.message());
    }
    return o;
  }

  /**
   * Carries out the step. A start the broker refuses is returned (the plan decides, next pass,
   * whether to try again); every other failure throws.
   */
  private Optional<EmqxException> act(Pass p, Step step) throws EmqxException {
    String ns = p.rb().getMetadata().getNamespace();
    switch (step.action()) {
      case Action.Hold h -> hold(ns, RebalanceObserver.holder(p.rb()), h.pods());
      case Action.Unhold u -> unhold(ns, u.pods());
      case Action.Start s -> {
        try {
          apiOf(p, s.coordinator()).startRebalance(s.coordinator(), request(p.rb().getSpec(), s.connRate(), p.conns(),
              p.sessions(), s.nodes()));
        } catch (EmqxException e) {
          // Refused, unreachable or timed out: counted either way, so that held donors wait a
          // bounded time for a start that may never come.
          return Optional.of(e);
        }
      }
      case Action.Stop s -> apiOf(p, s.coordinator()).stopRebalance(s.coordinator());
      case Action.Release r -> { }
      case Action.Wait w -> { }
    }
    return Optional.empty();
  }

  /**
   * What the target's Service's proxies may still know: the pods its EndpointSlices list, when each
   * pod's gate closed, and the target's propagation time.
   */
  private RebalancePlan.ServiceView service(Pass p) {
    java.util.Map<String, Instant> closed = new java.util.HashMap<>();
    for (Pod pod : p.pods()) {
      var v = dev.ferry.operator.kube.PodStates.view(pod);
      if (v.gateFalse() && v.gateChangedAt() != null) {
        closed.put(pod.getMetadata().getName(), v.gateChangedAt());
      }
    }
    Integer seconds = p.target().getSpec().lifecycleOrDefaults().getPropagationSeconds();
    return new RebalancePlan.ServiceView(dev.ferry.operator.kube.Endpoints.serving(client, p.target()), closed,
        Duration.ofSeconds(seconds == null ? 0 : seconds));
  }

  /** Hold first, then close: the LosslessDeployment never sees a closed gate nobody holds, and never fights it. */
  private void hold(String ns, String holder, List<String> pods) {
    for (String pod : pods) {
      PodGates.holdOut(client, ns, pod, holder);
      PodGates.set(client, ns, pod, false, clock.instant());
    }
  }

  /** Lets go: the pods' LosslessDeployment opens their gates again (or keeps them shut for its release). */
  private void unhold(String ns, List<String> pods) {
    for (String pod : pods) {
      PodGates.holdOut(client, ns, pod, null);
    }
  }

  /** The API to call about {@code node}: its own pod's, or (when it does not answer) any member's. */
  private static EmqxApi apiOf(Pass p, String node) throws EmqxException {
    EmqxApi api = p.seen().apis().get(node);
    if (api == null) {
      api = p.seen().apis().values().stream().findFirst()
          .orElseThrow(() -> new EmqxException(0, "UNREACHABLE", "no broker of the target answers", null));
    }
    return api;
  }

  /**
   * A Rebalance that cannot run (invalid, its target gone or not an EMQX, no credentials while
   * deleted): every pod it holds is let go first; then it ends (Failed, or released when deleted),
   * or waits with the reason.
   */
  private Outcome cannotRun(Rebalance rb, RebalanceStatusRecorder record, boolean deleting, Phase phase, String reason,
      String message) {
    String ns = rb.getMetadata().getNamespace();
    List<String> held = RebalanceObserver.held(rb, client.pods().inNamespace(ns).list().getItems());
    unhold(ns, held);
    if (deleting) {
      if (!held.isEmpty() || reason.equals("NoCredentials")) {
        events.warning(rb, reason, message + (held.isEmpty() ? "" : "; let go of " + held));
      }
      return new Outcome(rb.getStatus(), Duration.ZERO, true);
    }
    return phase == Phase.Failed ? record.finish(phase, reason, message)
        : record.progress(phase, reason, message, Duration.ofSeconds(10));
  }

  private EmqxDrainer.Apis apis(LosslessDeployment target) {
    return dev.ferry.operator.deployment.LosslessDeploymentReconciler.emqxApis(
        client, target.getMetadata().getNamespace(), target.getSpec().getDrain().getEmqx())::connect;
  }

  /** What the broker is asked: this round's per-donor rate (chosen by the plan), the rest as the spec says. */
  private static RebalanceRequest request(RebalanceSpec spec, int connRate, Thresholds conns, Thresholds sessions,
      List<String> nodes) {
    return new RebalanceRequest(connRate, spec.getSessEvictRate(), spec.getWaitTakeover(),
        spec.getWaitHealthCheck(), spec.getAbsConnThreshold(), conns.relative(), spec.getAbsSessThreshold(),
        sessions.relative(), nodes);
  }

  private static Thresholds thresholds(RebalanceSpec spec, boolean connections) {
    if (spec.getConnEvictRate() == null || spec.getConnEvictRate() < 1) {
      throw new IllegalArgumentException("spec.connEvictRate must be at least 1");
    }
    return connections
        ? new Thresholds(spec.getAbsConnThreshold(), Double.parseDouble(spec.getRelConnThreshold()))
        : new Thresholds(spec.getAbsSessThreshold(), Double.parseDouble(spec.getRelSessThreshold()));
  }

  /**
   * Why the target cannot be rebalanced now, or null. Only Degraded (short of serving pods, which
   * putting held pods back causes for a moment) is a mere health issue; any other phase than
   * Healthy, or two revisions, is a release under way or aborted: the target changed.
   */
  static TargetIssue issue(LosslessDeployment target) {
    var st = target.getStatus();
    String name = target.getMetadata().getName();
    if (st == null || st.getPhase() == null) {
      return TargetIssue.unhealthy("target " + name + " has no status yet");
    }
    if (st.getPhase() == LosslessDeploymentPhase.DEGRADED) {
      return TargetIssue.unhealthy("target " + name + " is not healthy (phase " + st.getPhase() + ")");
    }
    if (st.getPhase() != LosslessDeploymentPhase.HEALTHY) {
      return TargetIssue.releasing("target " + name + " is "
          + (LosslessDeploymentPhase.ABORTED == st.getPhase() ? "not healthy" : "releasing") + " (phase "
          + st.getPhase() + ")");
    }
    if (!Objects.equals(st.getCurrentRevision(), st.getUpdateRevision())) {
      return TargetIssue.releasing("target " + name + " is releasing");
    }
    return null;
  }
}
