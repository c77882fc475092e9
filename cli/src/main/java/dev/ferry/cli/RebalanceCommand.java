package dev.ferry.cli;

import dev.ferry.api.v1alpha1.DrainSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalancePhase;
import dev.ferry.api.v1alpha1.RebalanceSpec;
import dev.ferry.api.v1alpha1.TargetReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry rebalance NAME}: creates a Rebalance of a LosslessDeployment, at the rates of its own
 * drain unless told otherwise. Refused while another Rebalance of it is pending or in progress.
 */
@Command(
    name = "rebalance",
    mixinStandardHelpOptions = true,
    description = "Creates a Rebalance that moves clients from a LosslessDeployment's overloaded pods to its "
        + "underloaded ones, at a controlled rate (the rates of its spec.drain unless given).")
public final class RebalanceCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "NAME", description = "the LosslessDeployment")
  String name;

  @Mixin KubeOptions kube;

  @Option(names = "--conn-evict-rate", paramLabel = "N", description = "connections evicted per second (default: its drain's)")
  Integer connEvictRate;

  @Option(names = "--sess-evict-rate", paramLabel = "N", description = "sessions evicted per second (default: its drain's)")
  Integer sessEvictRate;

  @Option(names = "--wait-takeover", paramLabel = "SECONDS", description = "wait for takeover (default: its drain's)")
  Integer waitTakeover;

  @Option(names = "--wait-health-check", paramLabel = "SECONDS", description = "wait for health checks (default: its drain's)")
  Integer waitHealthCheck;

  @Option(names = "--rel-conn-threshold", paramLabel = "RATIO", description = "balanced below this ratio to the average (default 1.1)")
  String relConnThreshold;

  @Option(names = "--abs-conn-threshold", paramLabel = "N", description = "balanced below this many connections over the average (default 1000)")
  Integer absConnThreshold;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    requirePositive("--conn-evict-rate", connEvictRate, 1);
    requirePositive("--sess-evict-rate", sessEvictRate, 1);
    requirePositive("--wait-takeover", waitTakeover, 0);
    requirePositive("--wait-health-check", waitHealthCheck, 0);
    requirePositive("--abs-conn-threshold", absConnThreshold, 1);
    if (relConnThreshold != null && !relConnThreshold.matches("\\d+(\\.\\d+)?")) {
      throw new CliError("--rel-conn-threshold must be a ratio such as 1.1, was " + relConnThreshold);
    }
    try (KubernetesClient client = kube.client()) {
      String ns = kube.namespace(client);
      LosslessDeployment ld = client.resources(LosslessDeployment.class).inNamespace(ns).withName(name).get();
      if (ld == null) {
        throw new CliError("LosslessDeployment " + ns + "/" + name + " not found on " + KubeOptions.server());
      }
      List<String> running = client.resources(Rebalance.class).inNamespace(ns).list().getItems().stream()
          .filter(r -> r.getSpec() != null && r.getSpec().getTargetRef() != null && name.equals(r.getSpec().getTargetRef().getName()))
          .filter(r -> r.getStatus() == null || r.getStatus().getPhase() == null
              || r.getStatus().getPhase() == RebalancePhase.PENDING || r.getStatus().getPhase() == RebalancePhase.PROCESSING)
          .map(r -> r.getMetadata().getName()).toList();
      if (!running.isEmpty()) {
        throw new CliError("a Rebalance of " + ns + "/" + name + " is already pending or in progress: " + String.join(", ", running));
      }
      Rebalance created = client.resources(Rebalance.class).inNamespace(ns).resource(rebalance(ld)).create();
      spec.commandLine().getOut().println("rebalance.ferry.dev/" + created.getMetadata().getName() + " created");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  private Rebalance rebalance(LosslessDeployment ld) {
    DrainSpec drain = ld.getSpec() == null ? null : ld.getSpec().getDrain();
    RebalanceSpec s = new RebalanceSpec();
    TargetReference target = new TargetReference();
    target.setName(name);
    s.setTargetRef(target);
    s.setConnEvictRate(first(connEvictRate, drain == null ? null : drain.getConnEvictRate(), 500));
    s.setSessEvictRate(first(sessEvictRate, drain == null ? null : drain.getSessEvictRate(), s.getSessEvictRate()));
    s.setWaitTakeover(first(waitTakeover, drain == null ? null : drain.getWaitTakeover(), s.getWaitTakeover()));
    s.setWaitHealthCheck(first(waitHealthCheck, drain == null ? null : drain.getWaitHealthCheck(), s.getWaitHealthCheck()));
    if (relConnThreshold != null) {
      s.setRelConnThreshold(relConnThreshold);
    }
    if (absConnThreshold != null) {
      s.setAbsConnThreshold(absConnThreshold);
    }
    Rebalance r = new Rebalance();
    r.setMetadata(new ObjectMetaBuilder().withGenerateName(name + "-").build());
    r.setSpec(s);
    return r;
  }

  private static Integer first(Integer given, Integer fromDrain, Integer otherwise) {
    return given != null ? given : fromDrain != null ? fromDrain : otherwise;
  }

  private static void requirePositive(String flag, Integer value, int least) {
    if (value != null && value < least) {
      throw new CliError(flag + " must be at least " + least + ", was " + value);
    }
  }
}
