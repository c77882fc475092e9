package dev.ferry.cli;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.HashMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
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

  @Parameters(index = "0", description = "the LosslessDeployment")
  String name;

  @Option(names = {"-n", "--namespace"}, description = "its namespace (default: the current context's)")
  String namespace;

  @Override
  public Integer call() {
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      String ns = namespace != null ? namespace : client.getNamespace();
      LosslessDeployment ld = client.resources(LosslessDeployment.class).inNamespace(ns).withName(name).get();
      if (ld == null) {
        System.err.println("ferry promote: LosslessDeployment " + ns + "/" + name + " not found");
        return 1;
      }
      var status = ld.getStatus();
      if (status == null || status.getPhase() != LosslessDeploymentPhase.AWAITING_PROMOTION) {
        System.err.println("ferry promote: " + ns + "/" + name + " is not awaiting promotion (phase "
            + (status == null ? "none" : status.getPhase()) + ")");
        return 1;
      }
      String revision = status.getUpdateRevision();
      client.resources(LosslessDeployment.class).inNamespace(ns).withName(name).edit(l -> {
        var a = l.getMetadata().getAnnotations() == null ? new HashMap<String, String>()
            : new HashMap<>(l.getMetadata().getAnnotations());
        a.put(FerryNames.PROMOTE_ANNOTATION, revision);
        l.getMetadata().setAnnotations(a);
        return l;
      });
      System.out.println("promoted " + ns + "/" + name + " to revision " + revision);
      return 0;
    }
  }
}
