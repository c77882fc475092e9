package dev.ferry.cli;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import picocli.CommandLine.Command;

/**
 * {@code ferry promote NAME}: lets a blue-green release that waits in AwaitingPromotion switch. The
 * annotation names the revision being promoted, so it can never promote a later release by accident.
 */
@Command(
    name = "promote",
    mixinStandardHelpOptions = true,
    description = "Promotes the release a LosslessDeployment waits on (strategy.blueGreen.autoPromote: false).")
public final class PromoteCommand extends ReleaseVerbCommands.Verb {

  @Override
  String change(LosslessDeployment ld, KubernetesClient client) {
    var status = ld.getStatus();
    if (status == null || status.getPhase() != LosslessDeploymentPhase.AWAITING_PROMOTION) {
      throw new CliError(ref(ld) + " is not awaiting promotion (phase "
          + (status == null || status.getPhase() == null ? "none" : FerryNames.jsonName(status.getPhase())) + ")");
    }
    String revision = status.getUpdateRevision();
    var a = ld.getMetadata().getAnnotations() == null ? new HashMap<String, String>()
        : new HashMap<>(ld.getMetadata().getAnnotations());
    a.put(FerryNames.PROMOTE_ANNOTATION, revision);
    ld.getMetadata().setAnnotations(a);
    return "promoted " + ref(ld) + " to revision " + revision;
  }
}
