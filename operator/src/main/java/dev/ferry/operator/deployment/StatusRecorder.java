package dev.ferry.operator.deployment;

import dev.ferry.api.v1alpha1.Conditions;
import dev.ferry.api.v1alpha1.DrainStatus;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.LosslessDeploymentStatus;
import dev.ferry.core.release.Action.DeletePod;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.Reason;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.Step;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds {@code status} from a plan's step: phase, revisions, counts, drain progress, and the
 * Available / Progressing / Ready conditions. A condition's lastTransitionTime changes only when its
 * status does, as Kubernetes API conventions ask.
 */
final class StatusRecorder {
  private StatusRecorder() {}

  static LosslessDeploymentPhase phase(Phase p) {
    return switch (p) {
      case Healthy -> LosslessDeploymentPhase.HEALTHY;
      case Provisioning -> LosslessDeploymentPhase.PROVISIONING;
      case AwaitingPromotion -> LosslessDeploymentPhase.AWAITING_PROMOTION;
      case Switching -> LosslessDeploymentPhase.SWITCHING;
      case Settling -> LosslessDeploymentPhase.SETTLING;
      case Draining -> LosslessDeploymentPhase.DRAINING;
      case Rolling -> LosslessDeploymentPhase.ROLLING;
      case Aborted -> LosslessDeploymentPhase.ABORTED;
      case Degraded -> LosslessDeploymentPhase.DEGRADED;
    };
  }

  static Phase phase(LosslessDeploymentPhase p) {
    return switch (p) {
      case HEALTHY -> Phase.Healthy;
      case PROVISIONING -> Phase.Provisioning;
      case AWAITING_PROMOTION -> Phase.AwaitingPromotion;
      case SWITCHING -> Phase.Switching;
      case SETTLING -> Phase.Settling;
      case DRAINING -> Phase.Draining;
      case ROLLING -> Phase.Rolling;
      case ABORTED -> Phase.Aborted;
      case DEGRADED -> Phase.Degraded;
    };
  }

  /** What the plans remember, read back from status. */
  static ReleaseStatus releaseStatus(LosslessDeploymentStatus s) {
    if (s == null || s.getPhase() == null) {
      return ReleaseStatus.initial();
    }
    Instant started = s.getPhaseStartedAt() == null ? null : Instant.parse(s.getPhaseStartedAt());
    return new ReleaseStatus(phase(s.getPhase()), s.getCurrentRevision(), s.getUpdateRevision(), started);
  }

  static LosslessDeploymentStatus record(
      LosslessDeployment ld, Step step, List<PodView> pods, Map<String, DrainView> drains, Integer collisionCount,
      String selector, Instant now) {
    LosslessDeploymentStatus old = ld.getStatus() == null ? new LosslessDeploymentStatus() : ld.getStatus();
    LosslessDeploymentStatus s = new LosslessDeploymentStatus();
    ReleaseStatus r = step.status();
    s.setObservedGeneration(ld.getMetadata().getGeneration());
    s.setPhase(phase(r.phase()));
    s.setPhaseStartedAt(r.phaseStartedAt() == null ? null : r.phaseStartedAt().toString());
    s.setCurrentRevision(r.currentRevision());
    s.setUpdateRevision(r.updateRevision());
    s.setCollisionCount(collisionCount);
    s.setSelector(selector);
    List<PodView> live = pods.stream().filter(PodView::live).toList();
    s.setReplicas(live.size());
    s.setReadyReplicas((int) live.stream().filter(PodView::serving).count());
    s.setUpdatedReplicas((int) live.stream().filter(p -> p.revision().equals(r.updateRevision())).count());
    s.setReady(s.getReadyReplicas() + "/" + ld.getSpec().getReplicas());
    s.setMessage(step.message());

    // Pods drained in this release: kept while the update revision stays the same.
    List<String> drained = new ArrayList<>();
    if (Objects.equals(old.getUpdateRevision(), r.updateRevision()) && old.getDrained() != null) {
      drained.addAll(old.getDrained());
    }
    if (step.action() instanceof DeletePod d && !drained.contains(d.pod())) {
      drained.add(d.pod());
    }
    s.setDrained(drained);
    s.setDrain(drainStatus(old.getDrain(), step, drains, now));
    s.setSchema(old.getSchema());
    s.setRebalance(old.getRebalance()); // the automatic rebalance's part of the pass replaces it when it runs
    s.setAdoption(old.getAdoption()); // the take-over, once over, is kept as it ended

    boolean releasing = r.phase().releasing();
    long serving = live.stream().filter(PodView::serving).count();
    int want = ld.getSpec().getReplicas();
    List<Condition> conditions = new ArrayList<>();
    conditions.add(condition(old, Conditions.AVAILABLE, serving >= want,
        serving >= want ? "MinimumPodsServing" : "NotEnoughPodsServing",
        serving + "/" + want + " pods serving", ld, now));
    String progressReason = step.reason().name();
    String progressMessage = releasing || r.phase() == Phase.Aborted || step.reason() == Reason.Paused
        ? step.message() : "no release in progress";
    if (r.phase() == Phase.Aborted && old.getPhase() == LosslessDeploymentPhase.ABORTED) {
      // Keep why it aborted (ProgressDeadlineExceeded, and what it waited for), as a Deployment does,
      // not the cleanup step's words.
      Condition why = old.getConditions() == null ? null : old.getConditions().stream()
          .filter(c -> Conditions.PROGRESSING.equals(c.getType()) && "False".equals(c.getStatus()))
          .findFirst().orElse(null);
      if (why != null) {
        progressReason = why.getReason();
        progressMessage = why.getMessage();
      }
    }
    boolean progressing = !step.stalled() && r.phase() != Phase.Aborted;
    conditions.add(condition(old, Conditions.PROGRESSING, progressing, progressReason, progressMessage, ld, now));
    conditions.add(condition(old, Conditions.READY, r.phase() == Phase.Healthy,
        r.phase() == Phase.Healthy ? "Healthy" : r.phase().name(), step.message(), ld, now));
    s.setConditions(conditions);
    return s;
  }

  static DrainStatus drainStatus(DrainStatus old, Step step, Map<String, DrainView> drains, Instant now) {
    String pod = step.drainPod();
    if (pod == null) {
      return null;
    }
    DrainView d = drains.getOrDefault(pod, DrainView.NOT_STARTED);
    boolean same = old != null && pod.equals(old.getPod());
    DrainStatus s = new DrainStatus();
    s.setPod(pod);
    s.setState(d.state() == DrainView.State.NOT_STARTED ? "starting" : d.detail());
    s.setStartedAt(same && old.getStartedAt() != null ? old.getStartedAt() : now.toString());
    s.setConnections(d.connections() < 0 ? null : (int) d.connections());
    s.setSessions(d.sessions() < 0 ? null : (int) d.sessions());
    s.setInFlight(d.inFlight() < 0 ? null : (int) d.inFlight());
    s.setInitialConnections(same && old.getInitialConnections() != null ? old.getInitialConnections() : s.getConnections());
    s.setInitialSessions(same && old.getInitialSessions() != null ? old.getInitialSessions() : s.getSessions());
    s.setNode(same ? old.getNode() : null);
    s.setLastProgressAt(same && old.getLastProgressAt() != null && sameProgress(old, d) ? old.getLastProgressAt()
        : now.toString());
    return s;
  }

  /** Whether a drain shows the state and counts status recorded for it (no progress since). */
  static boolean sameProgress(DrainStatus recorded, DrainView d) {
    String state = d.state() == DrainView.State.NOT_STARTED ? "starting" : d.detail();
    return Objects.equals(recorded.getState(), state)
        && Objects.equals(recorded.getConnections(), d.connections() < 0 ? null : (int) d.connections())
        && Objects.equals(recorded.getSessions(), d.sessions() < 0 ? null : (int) d.sessions())
        && Objects.equals(recorded.getInFlight(), d.inFlight() < 0 ? null : (int) d.inFlight());
  }

  /** A condition for invalid specs: Ready False, reason InvalidSpec, every problem listed. */
  static LosslessDeploymentStatus invalid(LosslessDeployment ld, List<SpecProblem> problems, Instant now) {
    LosslessDeploymentStatus old = ld.getStatus() == null ? new LosslessDeploymentStatus() : ld.getStatus();
    LosslessDeploymentStatus s = dev.ferry.operator.kube.Copies.copy(old, LosslessDeploymentStatus.class);
    String message = "invalid spec: " + String.join("; ", problems.stream().map(SpecProblem::toString).toList());
    s.setObservedGeneration(ld.getMetadata().getGeneration());
    s.setMessage(message);
    List<Condition> conditions = new ArrayList<>();
    if (old.getConditions() != null) {
      old.getConditions().stream().filter(c -> !Conditions.READY.equals(c.getType())).forEach(conditions::add);
    }
    conditions.add(condition(old, Conditions.READY, false, Conditions.REASON_INVALID_SPEC, message, ld, now));
    s.setConditions(conditions);
    return s;
  }

  static Condition condition(
      LosslessDeploymentStatus old, String type, boolean value, String reason, String message,
      LosslessDeployment ld, Instant now) {
    return dev.ferry.operator.kube.StatusConditions.of(
        old.getConditions(), type, value, reason, message, ld.getMetadata().getGeneration(), now);
  }
}
