package dev.ferry.operator.rebalance;

import dev.ferry.api.v1alpha1.AutoRebalancePhase;
import dev.ferry.api.v1alpha1.AutoRebalanceSpec;
import dev.ferry.api.v1alpha1.AutoRebalanceStatus;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.LosslessDeploymentStatus;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalancePhase;
import dev.ferry.api.v1alpha1.RebalanceSpec;
import dev.ferry.api.v1alpha1.TargetReference;
import dev.ferry.core.rebalance.AutoRebalancePlan;
import dev.ferry.core.rebalance.AutoRebalancePlan.Action;
import dev.ferry.core.rebalance.AutoRebalancePlan.Decision;
import dev.ferry.core.rebalance.AutoRebalancePlan.Observation;
import dev.ferry.core.rebalance.AutoRebalancePlan.Owned;
import dev.ferry.core.rebalance.AutoRebalancePlan.Record;
import dev.ferry.core.rebalance.AutoRebalancePlan.State;
import dev.ferry.core.rebalance.NodeLoad;
import dev.ferry.core.rebalance.Thresholds;
import dev.ferry.operator.drain.EmqxDrainer;
import dev.ferry.operator.drain.EmqxPods;
import dev.ferry.operator.kube.EventRecorder;
import dev.ferry.operator.kube.PodStates;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LosslessDeployment's automatic rebalance ({@code spec.rebalance.auto}), run as a part of its
 * pass: observe (the deployment's steadiness, its pods, the Rebalance it created, others of the same
 * target), ask core's {@link AutoRebalancePlan}, act (judge the brokers' load, create a Rebalance the
 * deployment owns), record {@code status.rebalance} and an event when something happened.
 */
public final class AutoRebalancer {
  private static final Logger log = LoggerFactory.getLogger(AutoRebalancer.class);

  private final KubernetesClient client;
  private final EventRecorder events;

  public AutoRebalancer(KubernetesClient client, EventRecorder events) {
    this.client = client;
    this.events = events;
  }

  /**
   * Runs the automatic rebalance's part of a pass over {@code ld}, whose status this pass is
   * {@code next}: sets {@code next.rebalance} and says when to look again (null: when something changes).
   *
   * @param live the deployment's live pods
   * @param apis how its brokers' APIs are reached (asked only when the load is judged)
   */
  public Duration pass(LosslessDeployment ld, LosslessDeploymentStatus next, List<Pod> live,
      Supplier<EmqxDrainer.Apis> apis, Instant now) {
    AutoRebalanceStatus old = ld.getStatus() == null ? null : ld.getStatus().getRebalance();
    Record recorded = record(old);
    boolean following = recorded != null && recorded.state() == State.RUNNING;
    if (!ld.getSpec().autoRebalance() && !following) {
      next.setRebalance(null); // switched off: a Rebalance it made and that runs is still followed to its end
      return null;
    }
    try {
      Decision d = decide(ld, next, live, recorded, following, apis, now);
      record(ld, next, old, d, now);
      return d.recheck();
    } catch (KubernetesClientException | IllegalArgumentException e) {
      // The release's own pass has acted already: its status must still be written. Nothing of the
      // automatic rebalance moves on; it is decided again after a while.
      log.warn("event=auto_rebalance_failed resource={}/{} {}", ld.getMetadata().getNamespace(),
          ld.getMetadata().getName(), e.getMessage());
      next.setRebalance(old);
      return AutoRebalancePlan.RETRY;
    }
  }

  private Decision decide(LosslessDeployment ld, LosslessDeploymentStatus next, List<Pod> live, Record recorded,
      boolean following, Supplier<EmqxDrainer.Apis> apis, Instant now) {
    // The Rebalances are listed only when they matter (one of ours runs, or the load is about to be
    // judged), not on every pass of a release.
    Observation o = observe(ld, next, live, recorded, following ? rebalancesOf(ld) : List.of(), now);
    Decision d = AutoRebalancePlan.next(o);
    if (d.action() instanceof Action.Judge && !following) {
      List<Rebalance> all = rebalancesOf(ld);
      Optional<Rebalance> ours = unfinishedOwned(ld, all);
      if (ours.isPresent()) {
        // Made by an earlier pass whose status write was lost: follow it, never make a second.
        String name = ours.get().getMetadata().getName();
        return new Decision(new Action.None(), new Record(State.RUNNING, o.revision(), o.pods(), null, name,
            "Rebalance " + name + " of this deployment runs"), null, false, AutoRebalancePlan.FOLLOW);
      }
      o = observe(ld, next, live, recorded, all, now);
      d = AutoRebalancePlan.next(o);
    }
    if (d.action() instanceof Action.Judge) {
      d = judge(ld, o, d, live, apis);
    }
    if (d.action() instanceof Action.Create c) {
      d = create(ld, o, d, c.name());
    }
    if (d.action() instanceof Action.Cancel c) {
      client.resources(Rebalance.class).inNamespace(ld.getMetadata().getNamespace()).withName(c.name()).delete();
    }
    return d;
  }

  private static Optional<Rebalance> unfinishedOwned(LosslessDeployment ld, List<Rebalance> rebalances) {
    return rebalances.stream().filter(rb -> dev.ferry.api.ReleaseVerbs.ownedBy(rb, ld) && !ended(rb)).findFirst();
  }

  private static boolean ended(Rebalance rb) {
    RebalancePhase phase = rb.getStatus() == null ? null : rb.getStatus().getPhase();
    return phase == RebalancePhase.COMPLETED || phase == RebalancePhase.FAILED;
  }

  /** {@code rebalances}: those of the deployment, or none when they were not listed. */
  private Observation observe(LosslessDeployment ld, LosslessDeploymentStatus next, List<Pod> live,
      Record recorded, List<Rebalance> rebalances, Instant now) {
    String revision = next.getCurrentRevision();
    List<String> pods = live.stream().filter(p -> Objects.equals(revision, PodStates.revision(p)))
        .map(p -> p.getMetadata().getName()).sorted().toList();
    Owned owned = Owned.NONE;
    String ownedMessage = null;
    List<String> others = new ArrayList<>();
    for (Rebalance rb : rebalances) {
      String name = rb.getMetadata().getName();
      RebalancePhase phase = rb.getStatus() == null ? null : rb.getStatus().getPhase();
      if (recorded != null && name.equals(recorded.rebalance())) {
        owned = owned(phase);
        ownedMessage = rb.getStatus() == null ? null : rb.getStatus().getMessage();
      } else if (phase != RebalancePhase.COMPLETED && phase != RebalancePhase.FAILED) {
        others.add(name);
      }
    }
    if (recorded != null && recorded.state() == State.RUNNING && owned == Owned.NONE) {
      owned = Owned.GONE;
    }
    AutoRebalanceSpec spec = ld.getSpec().getRebalance();
    // spec.rebalance may be gone while the Rebalance it made runs on (followed to its end): the CRD's default.
    int settle = spec == null || spec.getSettleSeconds() == null ? 30 : spec.getSettleSeconds();
    return new Observation(ld.getMetadata().getName(), notSteady(ld, next, live), releasing(next), revision, pods,
        recorded, owned, ownedMessage, others, Duration.ofSeconds(settle), now);
  }

  /**
   * Why the deployment is not steady now, or null: a release, not Healthy, paused, or a pod being
   * drained or removed in the steady state (a scale-in keeps the phase Healthy).
   */
  static String notSteady(LosslessDeployment ld, LosslessDeploymentStatus next, List<Pod> live) {
    if (next.getPhase() != LosslessDeploymentPhase.HEALTHY) {
      return "the deployment is " + (next.getPhase() == null ? "starting" : next.getPhase().name()
          .toLowerCase(Locale.ROOT)) + ", not healthy";
    }
    if (!Objects.equals(next.getCurrentRevision(), next.getUpdateRevision())) {
      return "a release of " + next.getUpdateRevision() + " runs";
    }
    if (ld.getSpec().paused()) {
      return "the deployment is paused";
    }
    if (next.getDrain() != null && next.getDrain().getPod() != null) {
      return "pod " + next.getDrain().getPod() + " is being drained";
    }
    return live.stream().filter(PodStates::markedForDeletion).map(p -> "pod " + p.getMetadata().getName()
        + " is being removed").findFirst().orElse(null);
  }

  /** A release runs, or one was aborted and has not yet come back to steady: it places clients itself. */
  static boolean releasing(LosslessDeploymentStatus next) {
    return !Objects.equals(next.getCurrentRevision(), next.getUpdateRevision())
        || (next.getPhase() != null && next.getPhase() != LosslessDeploymentPhase.HEALTHY
            && next.getPhase() != LosslessDeploymentPhase.DEGRADED);
  }

  private static Owned owned(RebalancePhase phase) {
    if (phase == null) {
      return Owned.PENDING;
    }
    return switch (phase) {
      case PENDING -> Owned.PENDING;
      case PROCESSING -> Owned.RUNNING;
      case COMPLETED -> Owned.COMPLETED;
      case FAILED -> Owned.FAILED;
    };
  }

  /** The Rebalances in the deployment's namespace that target it, whoever made them. */
  private List<Rebalance> rebalancesOf(LosslessDeployment ld) {
    String name = ld.getMetadata().getName();
    return client.resources(Rebalance.class).inNamespace(ld.getMetadata().getNamespace()).list().getItems().stream()
        .filter(rb -> rb.getSpec() != null && rb.getSpec().getTargetRef() != null
            && name.equals(rb.getSpec().getTargetRef().getName()))
        .toList();
  }

  /** Asks each serving broker its load; a pod not ready, or a broker that does not answer, is silent. */
  private Decision judge(LosslessDeployment ld, Observation o, Decision judging, List<Pod> live,
      Supplier<EmqxDrainer.Apis> apis) {
    List<Pod> ofRevision = live.stream().filter(p -> o.pods().contains(p.getMetadata().getName())).toList();
    List<String> silent = new ArrayList<>();
    List<NodeLoad> loads = new ArrayList<>();
    List<Pod> ready = new ArrayList<>();
    for (Pod p : ofRevision) {
      if (!PodStates.containersReady(p)) {
        silent.add(p.getMetadata().getName() + " (not ready)");
      } else if (!PodStates.view(p).gateTrue()) {
        silent.add(p.getMetadata().getName() + " (out of the Service)");
      } else {
        ready.add(p);
      }
    }
    EmqxDrainer.Apis connect;
    try {
      connect = apis.get();
    } catch (RuntimeException e) {
      return AutoRebalancePlan.judged(o, judging, List.of(), List.of("every pod (" + e.getMessage() + ")"),
          thresholds(ld.getSpec().getRebalance()));
    }
    for (EmqxPods.Answer a : EmqxPods.ask(ready, connect, false)) {
      if (a.problem() != null) {
        silent.add(a.pod().getMetadata().getName() + " (" + a.problem().detail() + ")");
      } else {
        loads.add(a.load());
      }
    }
    return AutoRebalancePlan.judged(o, judging, loads, silent, thresholds(ld.getSpec().getRebalance()));
  }

  /**
   * The connection thresholds (the judgement is on connections, as EMQX's start test; sessions are the
   * Rebalance's to even out). Unset fields take the CRD's defaults.
   */
  static Thresholds thresholds(AutoRebalanceSpec spec) {
    return new Thresholds(spec.getAbsConnThreshold() == null ? 1000 : spec.getAbsConnThreshold(),
        Double.parseDouble(spec.getRelConnThreshold() == null ? "1.1" : spec.getRelConnThreshold()));
  }

  /**
   * Creates the Rebalance, owned by the deployment (deleting the deployment deletes it, and its
   * finalizer puts every held pod back). One that exists already under the name is ours when the
   * deployment owns it: a pass repeated after a crash.
   */
  private Decision create(LosslessDeployment ld, Observation o, Decision d, String name) {
    // The brokers were asked in between: a Rebalance made meanwhile (ferry rebalance, kubectl) wins.
    List<String> others = rebalancesOf(ld).stream().filter(rb -> !ended(rb) && !name.equals(rb.getMetadata().getName()))
        .map(rb -> rb.getMetadata().getName()).toList();
    if (!others.isEmpty()) {
      return notCreated(o, d, "Rebalance " + String.join(", ", others) + " has not ended");
    }
    Rebalance rb = rebalance(ld, name);
    try {
      client.resource(rb).create();
    } catch (KubernetesClientException e) {
      Rebalance existing = e.getCode() == 409 ? client.resources(Rebalance.class)
          .inNamespace(ld.getMetadata().getNamespace()).withName(name).get() : null;
      if (existing != null && dev.ferry.api.ReleaseVerbs.ownedBy(existing, ld)) {
        return new Decision(new Action.None(), d.record(), null, false, d.recheck());
      }
      return notCreated(o, d, "Rebalance " + name + " could not be created: " + e.getMessage());
    }
    log.info("event=auto_rebalance_created resource={}/{} rebalance={} {}", ld.getMetadata().getNamespace(),
        ld.getMetadata().getName(), name, d.record().message());
    try {
      forgetPrevious(ld, o.recorded().rebalance(), name);
    } catch (KubernetesClientException e) {
      log.warn("event=auto_rebalance_cleanup_failed resource={}/{} rebalance={} {}", ld.getMetadata().getNamespace(),
          ld.getMetadata().getName(), o.recorded().rebalance(), e.getMessage());
    }
    return d;
  }

  /** Waits with why; the warning is told when the wait begins, not on every pass. */
  private static Decision notCreated(Observation o, Decision d, String why) {
    Record was = o.recorded();
    Record r = new Record(State.WAITING, was.revision(), was.pods(), was.podsChangedAt(), was.rebalance(), why);
    boolean told = was.state() == State.WAITING && why.equals(was.message());
    return new Decision(new Action.None(), r, told ? null : "RebalanceNotCreated", true, AutoRebalancePlan.RETRY);
  }

  /**
   * The previous automatic Rebalance, ended, is deleted once a new one is made: one per scale-out
   * would pile up. Its outcome stays in the events; one made by hand is never touched.
   */
  private void forgetPrevious(LosslessDeployment ld, String previous, String name) {
    if (previous == null || previous.equals(name)) {
      return;
    }
    var resource = client.resources(Rebalance.class).inNamespace(ld.getMetadata().getNamespace()).withName(previous);
    Rebalance rb = resource.get();
    if (rb != null && dev.ferry.api.ReleaseVerbs.ownedBy(rb, ld) && ended(rb)) {
      resource.delete();
    }
  }

  /** The Rebalance {@code spec.rebalance} asks for, named {@code name}, owned by the deployment and labelled with it. */
  public static Rebalance rebalance(LosslessDeployment ld, String name) {
    AutoRebalanceSpec auto = ld.getSpec().getRebalance();
    RebalanceSpec spec = auto.copyTo(new RebalanceSpec());
    TargetReference target = new TargetReference();
    target.setName(ld.getMetadata().getName());
    spec.setTargetRef(target);
    spec.setConnEvictRate(auto.getConnEvictRate() != null ? auto.getConnEvictRate()
        : ld.getSpec().drainOrDefaults().getConnEvictRate());
    Rebalance rb = new Rebalance();
    rb.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ld.getMetadata().getNamespace())
        .withLabels(Map.of(dev.ferry.api.FerryNames.DEPLOYMENT_LABEL, ld.getMetadata().getName()))
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(ld.getApiVersion()).withKind(ld.getKind())
            .withName(ld.getMetadata().getName()).withUid(ld.getMetadata().getUid()).withController(true)
            .withBlockOwnerDeletion(true).build())
        .build());
    rb.setSpec(spec);
    return rb;
  }

  private void record(LosslessDeployment ld, LosslessDeploymentStatus next, AutoRebalanceStatus old, Decision d,
      Instant now) {
    Record r = d.record();
    if (r == null) {
      next.setRebalance(old);
      return;
    }
    if (d.event() != null) {
      if (d.warning()) {
        events.warning(ld, d.event(), r.message());
      } else {
        events.normal(ld, d.event(), r.message());
      }
      log.info("event={} resource={}/{} {}", d.event(), ld.getMetadata().getNamespace(), ld.getMetadata().getName(),
          r.message());
    }
    AutoRebalanceStatus s = new AutoRebalanceStatus();
    s.setPhase(AutoRebalancePhase.valueOf(r.state().name()));
    s.setRevision(r.revision());
    s.setPods(r.pods());
    s.setPodsChangedAt(r.podsChangedAt() == null ? null : r.podsChangedAt().toString());
    s.setRebalance(r.rebalance());
    s.setMessage(r.message());
    s.setLastTransitionTime(old != null && old.getPhase() == s.getPhase() && old.getLastTransitionTime() != null
        ? old.getLastTransitionTime() : now.toString());
    next.setRebalance(s);
  }

  /** What status remembers, as the plan reads it; null when it remembers nothing. */
  static Record record(AutoRebalanceStatus s) {
    if (s == null || s.getPhase() == null) {
      return null;
    }
    return new Record(State.valueOf(s.getPhase().name()), s.getRevision(), s.getPods(),
        s.getPodsChangedAt() == null ? null : Instant.parse(s.getPodsChangedAt()), s.getRebalance(), s.getMessage());
  }
}
