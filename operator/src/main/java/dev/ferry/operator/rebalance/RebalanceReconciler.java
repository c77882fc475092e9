package dev.ferry.operator.rebalance;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.Conditions;
import dev.ferry.api.v1alpha1.DrainType;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalancePhase;
import dev.ferry.api.v1alpha1.RebalanceSpec;
import dev.ferry.api.v1alpha1.RebalanceState;
import dev.ferry.api.v1alpha1.RebalanceStatus;
import dev.ferry.core.rebalance.NodeLoad;
import dev.ferry.core.rebalance.RebalancePlan;
import dev.ferry.core.rebalance.RebalancePlan.Action;
import dev.ferry.core.rebalance.RebalancePlan.Member;
import dev.ferry.core.rebalance.RebalancePlan.Observation;
import dev.ferry.core.rebalance.RebalancePlan.Phase;
import dev.ferry.core.rebalance.RebalancePlan.Step;
import dev.ferry.core.rebalance.Thresholds;
import dev.ferry.operator.emqx.EmqxCluster;
import dev.ferry.operator.emqx.EmqxClient;
import dev.ferry.operator.emqx.EmqxCredentials;
import dev.ferry.operator.emqx.EmqxException;
import dev.ferry.operator.emqx.EmqxModel.GlobalStatus;
import dev.ferry.operator.emqx.EmqxModel.Node;
import dev.ferry.operator.emqx.EmqxModel.RebalanceEntry;
import dev.ferry.operator.emqx.EmqxModel.RebalanceRequest;
import dev.ferry.operator.kube.EventRecorder;
import dev.ferry.operator.kube.PodGates;
import dev.ferry.operator.kube.PodStates;
import dev.ferry.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a Rebalance: observe the target and its brokers, ask core's {@link RebalancePlan} for
 * the next step, act. The finalizer makes a deletion stop the broker's rebalance and put the donors
 * back into the Service before the resource goes.
 */
@ControllerConfiguration(name = "rebalance", finalizerName = FerryNames.REBALANCE_STOP_FINALIZER)
public final class RebalanceReconciler implements Reconciler<Rebalance>, Cleaner<Rebalance> {
  private static final Logger log = LoggerFactory.getLogger(RebalanceReconciler.class);
  static final String KIND = "Rebalance";

  private final KubernetesClient client;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final HttpClient http = EmqxClient.newHttpClient();

  public RebalanceReconciler(KubernetesClient client, OperatorMetrics metrics, Clock clock) {
    this.client = client;
    this.events = new EventRecorder(client, "ferry-operator");
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
      return pass(fresh, false).map(s -> {
        Rebalance target = fresh;
        if (!Objects.equals(target.getStatus(), s.status())) {
          target.setStatus(s.status());
          dev.ferry.operator.kube.StatusWriter.replace(client, target);
        }
        return UpdateControl.<Rebalance>noUpdate().rescheduleAfter(s.delay());
      }).orElseGet(UpdateControl::noUpdate);
    } finally {
      metrics.reconciled(KIND, Duration.ofNanos(System.nanoTime() - t0), false);
    }
  }

  @Override
  public DeleteControl cleanup(Rebalance rb, Context<Rebalance> context) {
    Rebalance fresh = client.resource(rb).get();
    Optional<Outcome> o = pass(fresh == null ? rb : fresh, true);
    if (o.isPresent() && fresh != null && !o.get().released() && !Objects.equals(fresh.getStatus(), o.get().status())) {
      fresh.setStatus(o.get().status());
      dev.ferry.operator.kube.StatusWriter.replace(client, fresh);
    }
    if (o.isPresent() && !o.get().released()) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(o.get().delay());
    }
    return DeleteControl.defaultDelete();
  }

  record Outcome(RebalanceStatus status, Duration delay, boolean released) {}

  private Optional<Outcome> pass(Rebalance rb, boolean deleting) {
    Instant now = clock.instant();
    String ns = rb.getMetadata().getNamespace();
    RebalanceStatus old = rb.getStatus() == null ? new RebalanceStatus() : rb.getStatus();
    Phase phase = old.getPhase() == null ? Phase.Pending : Phase.valueOf(camel(old.getPhase()));
    RebalanceSpec spec = rb.getSpec();

    Thresholds conns;
    Thresholds sessions;
    try {
      conns = new Thresholds(spec.getAbsConnThreshold(), Double.parseDouble(spec.getRelConnThreshold()));
      sessions = new Thresholds(spec.getAbsSessThreshold(), Double.parseDouble(spec.getRelSessThreshold()));
      if (spec.getConnEvictRate() == null || spec.getConnEvictRate() < 1) {
        throw new IllegalArgumentException("spec.connEvictRate must be at least 1");
      }
    } catch (RuntimeException e) {
      if (deleting) {
        return Optional.of(new Outcome(old, Duration.ZERO, true));
      }
      return Optional.of(finish(rb, old, Phase.Failed, Conditions.REASON_INVALID_SPEC,
          "invalid spec: " + e.getMessage(), now));
    }

    // The target and its brokers.
    String targetName = spec.getTargetRef() == null ? null : spec.getTargetRef().getName();
    LosslessDeployment target = targetName == null ? null
        : client.resources(LosslessDeployment.class).inNamespace(ns).withName(targetName).get();
    if (target == null) {
      if (deleting) {
        return Optional.of(new Outcome(old, Duration.ZERO, true));
      }
      return Optional.of(progress(rb, old, Phase.Pending, "TargetNotFound",
          "LosslessDeployment '" + targetName + "' not found", now, Duration.ofSeconds(10)));
    }
    if (target.getSpec().drainOrDefaults().getType() != DrainType.EMQX || target.getSpec().getDrain().getEmqx() == null) {
      return Optional.of(deleting ? new Outcome(old, Duration.ZERO, true)
          : finish(rb, old, Phase.Failed, "NotEmqx", "target " + targetName + " does not use the emqx drainer", now));
    }
    String targetIssue = issue(target);
    String revision = target.getStatus() == null ? null : target.getStatus().getCurrentRevision();
    List<Pod> pods = client.pods().inNamespace(ns).withLabel(FerryNames.DEPLOYMENT_LABEL, targetName).list().getItems()
        .stream().filter(p -> !PodStates.terminating(p) && PodStates.containersReady(p))
        .filter(p -> revision == null || revision.equals(PodStates.revision(p))).toList();

    EmqxCredentials credentials;
    try {
      credentials = dev.ferry.operator.kube.Secrets.emqx(client, ns, target.getSpec().getDrain().getEmqx().getApiKeySecret());
    } catch (RuntimeException e) {
      return Optional.of(progress(rb, old, phase, "NoCredentials", e.getMessage(), now, Duration.ofSeconds(10)));
    }
    Integer configured = target.getSpec().getDrain().getEmqx().getPort();
    int port = configured == null ? 18083 : configured;

    if (pods.isEmpty()) {
      return Optional.of(progress(rb, old, phase, "BrokersUnreachable", "no ready pod of " + targetName, now,
          Duration.ofSeconds(5)));
    }
    EmqxCluster cluster;
    try {
      cluster = EmqxCluster.read(http, pods, port, credentials);
    } catch (EmqxException e) {
      return Optional.of(progress(rb, old, phase, "BrokersUnreachable", e.getMessage(), now, Duration.ofSeconds(5)));
    }
    EmqxClient api = cluster.client();
    GlobalStatus global = cluster.status();
    List<Member> members = new ArrayList<>();
    for (Pod p : pods) {
      Optional<Node> n = cluster.nodeOf(p);
      n.ifPresent(node -> members.add(new Member(p.getMetadata().getName(),
          new NodeLoad(node.node(), node.liveConnections(), node.connections()),
          PodStates.view(p).gateTrue())));
    }
    List<String> memberNodes = members.stream().map(m -> m.load().node()).toList();
    Optional<RebalanceEntry> entry = global.rebalances().stream()
        .filter(r -> memberNodes.contains(r.coordinatorNode()) || memberNodes.contains(r.node())).findFirst();
    List<String> donors = entry.map(RebalanceEntry::donors).orElseGet(() ->
        old.getRebalanceStates() == null || old.getRebalanceStates().isEmpty() ? List.of()
            : old.getRebalanceStates().get(0).getDonors());

    Step step = RebalancePlan.next(new Observation(phase, deleting, targetIssue, members, donors,
        entry.isPresent(), conns, sessions, now));

    // Act.
    try {
      switch (step.action()) {
        case Action.SetGates g -> {
          // Hold first, then close; open first, then release the hold: the LosslessDeployment
          // never sees a closed gate that nobody holds, so it never fights the rebalance.
          String holder = "Rebalance/" + rb.getMetadata().getName();
          g.gates().entrySet().stream().sorted((a, b) -> Boolean.compare(b.getValue(), a.getValue()))
              .forEach(e -> {
                if (e.getValue()) {
                  PodGates.set(client, ns, e.getKey(), true);
                  PodGates.holdOut(client, ns, e.getKey(), null);
                } else {
                  PodGates.holdOut(client, ns, e.getKey(), holder);
                  PodGates.set(client, ns, e.getKey(), false);
                }
              });
        }
        case Action.Start s -> api.startRebalance(s.coordinator(), new RebalanceRequest(
            spec.getConnEvictRate(), spec.getSessEvictRate(), spec.getWaitTakeover(), spec.getWaitHealthCheck(),
            spec.getAbsConnThreshold(), conns.relative(), spec.getAbsSessThreshold(), sessions.relative(), s.nodes()));
        case Action.Stop s -> api.stopRebalance(entry.map(RebalanceEntry::coordinatorNode).orElse(s.coordinator()));
        case Action.Release r -> { }
        case Action.Wait w -> { }
      }
    } catch (EmqxException | KubernetesClientException | IllegalStateException e) {
      metrics.error(KIND, "ActionFailed");
      events.warning(rb, "ActionFailed", step.reason() + ": " + e.getMessage());
      return Optional.of(progress(rb, old, phase, "ActionFailed", e.getMessage(), now, Duration.ofSeconds(5)));
    }
    if (!(step.action() instanceof Action.Wait)) {
      metrics.action(KIND, step.action().getClass().getSimpleName());
    }

    RebalanceStatus s = status(rb, old, step, entry, donors, members, now);
    if (step.phase() != phase || !(step.action() instanceof Action.Wait)) {
      if (step.phase() == Phase.Failed) {
        events.warning(rb, step.reason(), step.message());
      } else {
        events.normal(rb, step.reason(), step.message());
      }
      log.info("{}/{} {} {}: {}", ns, rb.getMetadata().getName(), step.phase(), step.reason(), step.message());
    }
    Duration delay = step.action() instanceof Action.Wait w ? Duration.between(now, w.recheckAt()) : Duration.ofMillis(300);
    if (delay.toMillis() < 100) {
      delay = Duration.ofMillis(100);
    }
    return Optional.of(new Outcome(s, delay, step.action() instanceof Action.Release));
  }

  /** Why the target cannot be rebalanced now, or null. */
  static String issue(LosslessDeployment target) {
    var st = target.getStatus();
    if (st == null || st.getPhase() == null) {
      return "target " + target.getMetadata().getName() + " has no status yet";
    }
    if (st.getPhase() != LosslessDeploymentPhase.HEALTHY) {
      return "target " + target.getMetadata().getName() + " is "
          + (LosslessDeploymentPhase.DEGRADED == st.getPhase() || LosslessDeploymentPhase.ABORTED == st.getPhase()
              ? "not healthy" : "releasing") + " (phase " + st.getPhase() + ")";
    }
    if (!Objects.equals(st.getCurrentRevision(), st.getUpdateRevision())) {
      return "target " + target.getMetadata().getName() + " is releasing";
    }
    return null;
  }

  private RebalanceStatus status(Rebalance rb, RebalanceStatus old, Step step, Optional<RebalanceEntry> entry,
      List<String> donors, List<Member> members, Instant now) {
    RebalanceStatus s = new RebalanceStatus();
    s.setObservedGeneration(old.getObservedGeneration() == null || step.phase() == Phase.Pending
        ? rb.getMetadata().getGeneration() : old.getObservedGeneration());
    if (!Objects.equals(rb.getMetadata().getGeneration(), s.getObservedGeneration())) {
      events.warning(rb, "SpecImmutable", "the spec changed after the rebalance started; the change is ignored");
    }
    s.setPhase(phase(step.phase()));
    s.setStartedTime(old.getStartedTime() != null ? old.getStartedTime()
        : step.phase() == Phase.Processing ? now.toString() : null);
    boolean over = step.phase() == Phase.Completed || step.phase() == Phase.Failed;
    s.setCompletedTime(old.getCompletedTime() != null ? old.getCompletedTime() : over ? now.toString() : null);
    RebalanceState state = new RebalanceState();
    if (entry.isPresent()) {
      RebalanceEntry e = entry.get();
      state.setState(e.state());
      state.setCoordinatorNode(e.coordinatorNode());
      state.setDonors(e.donors());
      state.setRecipients(e.recipients());
      state.setConnectionEvictionRate(e.connectionEvictionRate());
      state.setSessionEvictionRate(e.sessionEvictionRate());
    } else {
      state.setState(over ? "done" : step.phase() == Phase.Processing ? "starting" : "pending");
      state.setDonors(step.action() instanceof Action.Start st ? st.donors() : donors);
      state.setRecipients(members.stream().map(m -> m.load().node()).filter(n -> !state.getDonors().contains(n)).toList());
      if (step.action() instanceof Action.Start st) {
        state.setCoordinatorNode(st.coordinator());
      } else if (old.getRebalanceStates() != null && !old.getRebalanceStates().isEmpty()) {
        state.setCoordinatorNode(old.getRebalanceStates().get(0).getCoordinatorNode());
      }
    }
    s.setRebalanceStates(List.of(state));
    s.setMessage(step.message());
    s.setConditions(conditions(old, rb, step.phase(), step.reason(), step.message(), now));
    return s;
  }

  private Outcome progress(Rebalance rb, RebalanceStatus old, Phase phase, String reason, String message,
      Instant now, Duration delay) {
    RebalanceStatus s = dev.ferry.operator.kube.Copies.copy(old, RebalanceStatus.class);
    s.setPhase(phase(phase));
    if (!Objects.equals(old.getMessage(), message)) {
      events.warning(rb, reason, message);
    }
    s.setMessage(message);
    s.setConditions(conditions(old, rb, phase, reason, message, now));
    return new Outcome(s, delay, false);
  }

  private Outcome finish(Rebalance rb, RebalanceStatus old, Phase phase, String reason, String message, Instant now) {
    Outcome o = progress(rb, old, phase, reason, message, now, Duration.ofMinutes(5));
    if (o.status().getCompletedTime() == null) {
      o.status().setCompletedTime(now.toString());
    }
    return o;
  }

  private static List<Condition> conditions(RebalanceStatus old, Rebalance rb, Phase phase, String reason,
      String message, Instant now) {
    List<Condition> out = new ArrayList<>();
    for (String type : List.of(Conditions.PROCESSING, Conditions.COMPLETED, Conditions.FAILED)) {
      boolean on = switch (type) {
        case Conditions.PROCESSING -> phase == Phase.Processing;
        case Conditions.COMPLETED -> phase == Phase.Completed;
        default -> phase == Phase.Failed;
      };
      out.add(dev.ferry.operator.kube.StatusConditions.of(
          old.getConditions(), type, on, reason, message, rb.getMetadata().getGeneration(), now));
    }
    return out;
  }

  static RebalancePhase phase(Phase p) {
    return switch (p) {
      case Pending -> RebalancePhase.PENDING;
      case Processing -> RebalancePhase.PROCESSING;
      case Completed -> RebalancePhase.COMPLETED;
      case Failed -> RebalancePhase.FAILED;
    };
  }

  private static String camel(RebalancePhase p) {
    String n = p.name().toLowerCase();
    return Character.toUpperCase(n.charAt(0)) + n.substring(1);
  }
}
