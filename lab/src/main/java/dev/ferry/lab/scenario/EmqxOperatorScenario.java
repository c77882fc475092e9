package dev.ferry.lab.scenario;

import dev.ferry.lab.cluster.EmbeddedCluster;
import dev.ferry.lab.cluster.Workloads;
import dev.ferry.lab.emqxoperator.EmqxOperator;
import dev.ferry.lab.emqxoperator.RebalanceJob;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The {@code emqx-operator} scenarios: the same cluster released the way the EMQX Operator does it
 * ({@link EmqxOperator}, cores only, its defaults but for the rates and waits, which are the lab's,
 * as Ferry gets them), on the happy path or under a {@link ReleaseFault}.
 */
final class EmqxOperatorScenario implements AutoCloseable {
  /** The EMQX Operator leaves wait_health_check out: EMQX waits its default before each node's evictions. */
  static final int EMQX_DEFAULT_WAIT_HEALTH_CHECK = 60;

  private final EmbeddedCluster cluster;
  private final String app;
  private final EmqxOperator operator;
  /** Where the operator's steps go: nowhere while deploying, the release's marks after. */
  private final AtomicReference<Consumer<String>> steps;

  private EmqxOperatorScenario(EmbeddedCluster cluster, String app, EmqxOperator operator,
      AtomicReference<Consumer<String>> steps) {
    this.cluster = cluster;
    this.app = app;
    this.operator = operator;
    this.steps = steps;
  }

  /**
   * The most an EMQX Operator release may take before the run calls it stuck: every node's drain
   * twice over (a rollback drains two sets), each with EMQX's 60 s health-check wait, plus two minutes.
   */
  static Duration bound(LabSettings s) {
    long perNode = EMQX_DEFAULT_WAIT_HEALTH_CHECK + (long) Math.ceil((double) s.clients() / s.nodes() / s.connEvictRate())
        + s.waitTakeover().toSeconds() + s.podStartup().toSeconds();
    return Duration.ofSeconds(Math.max(s.timeout().toSeconds(), 2 * s.nodes() * perNode + 120));
  }

  /** The settings with a timeout long enough for {@link #bound}: the fleet publishes that long. */
  static LabSettings settings(LabSettings s) {
    return new LabSettings(s.nodes(), s.clients(), s.protocol(), s.publishRatePerSecond(), s.reconnectBackoff(),
        s.connEvictRate(), s.podStartup(), s.initialDelay(), s.waitTakeover(), s.propagation(), bound(s), s.emqx(),
        s.fleetProcesses(), s.brokerProcesses(), s.drainParallel(), s.kube());
  }

  /** The Service, then the EMQX resource; returns once the EMQX Operator says Ready. */
  static EmqxOperatorScenario deploy(EmbeddedCluster c, LabSettings s, String app, String image) {
    c.create(Workloads.mqttService(app, Map.of("app", app)));
    AtomicReference<Consumer<String>> steps = new AtomicReference<>(w -> { });
    EmqxOperator operator = new EmqxOperator(c.newClient(), c.namespace(), c.config().apiPort(), c.config().apiKey(),
        c.config().apiSecret(), new EmqxOperator.Spec(app, s.nodes(), image, (int) s.initialDelay().toSeconds(),
            (int) s.waitTakeover().toSeconds(), s.connEvictRate(), s.connEvictRate()), w -> steps.get().accept(w));
    if (!EmbeddedCluster.await(operator::ready, s.timeout())) {
      operator.close();
      throw new IllegalStateException("the EMQX resource is not Ready after " + s.timeout() + ": " + operator.state());
    }
    return new EmqxOperatorScenario(c, app, operator, steps);
  }

  /** The release (or the Rebalance) under {@code fault}, bounded; how it ended. */
  ReleaseOutcome.End release(ReleaseFault fault, String v1, String v2, ReleaseSteps marks, LabSettings s) {
    steps.set(marks::mark);
    Duration bound = bound(s);
    if (fault == ReleaseFault.REBALANCE_BALANCED) {
      return rebalance(s, marks);
    }
    String before = operator.currentRevision();
    operator.setImage(fault.firstImage(v2));
    switch (fault) {
      case ROLLBACK_MID_DRAIN -> {
        if (EmbeddedCluster.await(() -> !operator.evacuationCalls().isEmpty(), bound)) {
          operator.setImage(v1);
          marks.mark("rollback");
        }
      }
      case BAD_IMAGE -> {
        ScenarioRunner.sleep(ReleaseFault.BAD_IMAGE_FIXED_AFTER);
        operator.setImage(v2);
        marks.mark("image fixed");
      }
      case BAD_IMAGE_REVERTED -> {
        ScenarioRunner.sleep(ReleaseFault.BAD_IMAGE_FIXED_AFTER);
        operator.setImage(v1);
        marks.mark("image reverted");
      }
      default -> { }
    }
    // Done: Ready on one revision; a new one with the old pods gone, unless the user went back.
    boolean finished = EmbeddedCluster.await(() -> operator.ready()
        && operator.currentRevision().equals(operator.updateRevision())
        && (fault == ReleaseFault.BAD_IMAGE_REVERTED || !operator.currentRevision().equals(before) && oldPodsGone(before)),
        bound);
    long sets = operator.events().stream().filter(e -> e.startsWith("CreateNewStatefulSet")).count();
    String detail = operator.evacuationCalls().stream().map(EmqxOperator.EvacuationCall::node).distinct().count()
        + " evacuations, " + operator.scaledDown().size() + " scale-downs, " + sets + " StatefulSets made (the first deploy's included)";
    return new ReleaseOutcome.End(finished,
        "EMQX " + operator.state() + (finished ? "" : " after " + bound.toSeconds() + " s"), detail,
        Map.of(EmqxOperator.HASH_LABEL, operator.updateRevision()));
  }

  private boolean oldPodsGone(String revision) {
    return cluster.pods().stream().noneMatch(p -> p.getMetadata().getLabels() != null
        && revision.equals(p.getMetadata().getLabels().get(EmqxOperator.HASH_LABEL)));
  }

  /** A Rebalance resource with the CRD's defaults but the lab's rate, on the balanced cluster. */
  private ReleaseOutcome.End rebalance(LabSettings s, ReleaseSteps marks) {
    marks.mark("rebalance");
    RebalanceJob.Result r = RebalanceJob.run(operator, RebalanceJob.Strategy.defaults(s.connEvictRate()),
        Duration.ofSeconds(90));
    boolean ended = !"Processing".equals(r.phase());
    return new ReleaseOutcome.End(ended,
        "Rebalance " + r.phase() + (r.message().isEmpty() ? "" : ": " + r.message()), "", null);
  }

  EmqxOperator operator() {
    return operator;
  }

  @Override
  public void close() {
    operator.close();
  }
}
