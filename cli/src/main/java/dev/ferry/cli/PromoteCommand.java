package dev.ferry.cli;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry promote NAME}: lets a blue-green release that waits in AwaitingPromotion switch. The
 * annotation names the revision being promoted, so it can never promote a later release by accident.
 */
@Command(
    name = "promote",
    mixinStandardHelpOptions = true,
    description = "Promotes the release a LosslessDeployment waits on (strategy.blueGreen.autoPromote: false).")
public final class PromoteCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "NAME", description = "the LosslessDeployment")
  String name;

  @Mixin KubeOptions kube;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    try (KubernetesClient client = kube.client()) {
      String ns = kube.namespace(client);
      LosslessDeployment ld = client.resources(LosslessDeployment.class).inNamespace(ns).withName(name).get();
      if (ld == null) {
        throw new CliError("LosslessDeployment " + ns + "/" + name + " not found on " + KubeOptions.server());
      }
      var status = ld.getStatus();
      if (status == null || status.getPhase() != LosslessDeploymentPhase.AWAITING_PROMOTION) {
        throw new CliError(ns + "/" + name + " is not awaiting promotion (phase "
            + (status == null || status.getPhase() == null ? "none" : ListCommand.jsonName(status.getPhase())) + ")");
      }
      String revision = status.getUpdateRevision();
      client.resources(LosslessDeployment.class).inNamespace(ns).withName(name).edit(l -> {
        var a = l.getMetadata().getAnnotations() == null ? new HashMap<String, String>()
            : new HashMap<>(l.getMetadata().getAnnotations());
        a.put(FerryNames.PROMOTE_ANNOTATION, revision);
        l.getMetadata().setAnnotations(a);
        return l;
      });
      spec.commandLine().getOut().println("promoted " + ns + "/" + name + " to revision " + revision);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
