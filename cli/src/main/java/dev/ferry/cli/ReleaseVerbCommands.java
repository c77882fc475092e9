package dev.ferry.cli;

import dev.ferry.api.FerryNames;
import dev.ferry.api.ReleaseVerbs;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry abort|retry|pause|resume|undo NAME}: each writes on the LosslessDeployment what
 * {@link ReleaseVerbs} says (an annotation or a spec field), as a patch of that change only, and the
 * operator carries it out; each says in one line what it asked, or why it does not apply (exit 2).
 */
final class ReleaseVerbCommands {
  private ReleaseVerbCommands() {}

  /** What every verb shares: the resource, the cluster flags, the output. */
  abstract static class Verb implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "the LosslessDeployment")
    String name;

    @Mixin KubeOptions kube;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** Changes the resource (as fetched just now) and returns what to tell the user. */
    abstract String change(LosslessDeployment ld, KubernetesClient client);

    @Override
    public Integer call() {
      try (KubernetesClient client = kube.client()) {
        String ns = kube.namespace(client);
        LosslessDeployment ld = client.resources(LosslessDeployment.class).inNamespace(ns).withName(name).get();
        if (ld == null) {
          throw new CliError("LosslessDeployment " + ns + "/" + name + " not found on " + KubeOptions.server());
        }
        LosslessDeployment changed = client.getKubernetesSerialization().clone(ld);
        String said;
        try {
          said = change(changed, client);
        } catch (ReleaseVerbs.Refused e) {
          throw new CliError(ns + "/" + e.getMessage());
        }
        // A patch of what changed only (an annotation, spec.paused, the template): fields this ferry
        // does not know, from a newer CRD, are left as they are.
        client.resource(ld).edit(l -> changed);
        spec.commandLine().getOut().println(said);
        spec.commandLine().getOut().flush();
        return 0;
      }
    }

    String ref(LosslessDeployment ld) {
      return ld.getMetadata().getNamespace() + "/" + ld.getMetadata().getName();
    }
  }

  @Command(name = "abort", mixinStandardHelpOptions = true,
      description = "Aborts the release in progress: the serving revision is brought back to full size and every "
          + "client of the new one moves back, the lossless way; the phase stays Aborted until the template changes "
          + "or `ferry retry`.")
  static final class Abort extends Verb {
    @Override
    String change(LosslessDeployment ld, KubernetesClient client) {
      String revision = ReleaseVerbs.abort(ld);
      String back = ld.getStatus().getCurrentRevision() == null && ld.getStatus().getAdoption() != null
          ? ld.getStatus().getAdoption().getWorkload() + " takes its clients back (the adoption rolls back)"
          : "revision " + ld.getStatus().getCurrentRevision() + " comes back";
      return "aborting the release of revision " + revision + " of " + ref(ld) + ": " + back;
    }
  }

  @Command(name = "retry", mixinStandardHelpOptions = true,
      description = "Starts an aborted release over (after `ferry abort` or a missed progress deadline), once.")
  static final class Retry extends Verb {
    @Override
    String change(LosslessDeployment ld, KubernetesClient client) {
      return "retrying the release of revision " + ReleaseVerbs.retry(ld) + " of " + ref(ld);
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Holds releases between steps (spec.paused): a drain that runs is stopped, no step starts, the "
          + "progress deadline does not run; a template changed while paused waits for `ferry resume`.")
  static final class Pause extends Verb {
    @Override
    String change(LosslessDeployment ld, KubernetesClient client) {
      boolean already = ld.getSpec().paused();
      ReleaseVerbs.pause(ld);
      return ref(ld) + (already ? " is paused already" : " paused");
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "Lets a paused LosslessDeployment go on: a stopped drain starts again, a waiting template is "
          + "released.")
  static final class Resume extends Verb {
    @Override
    String change(LosslessDeployment ld, KubernetesClient client) {
      boolean was = ld.getSpec().paused();
      ReleaseVerbs.resume(ld);
      return ref(ld) + (was ? " resumed" : " is not paused");
    }
  }

  @Command(name = "undo", mixinStandardHelpOptions = true,
      description = "Sets the pod template back to an earlier revision's, which the operator then releases (a "
          + "rollback when that revision still serves), as `kubectl rollout undo` does. `ferry get` lists the "
          + "revisions.")
  static final class Undo extends Verb {
    @Option(names = "--to-revision", paramLabel = "N", defaultValue = "0",
        description = "the revision number to go back to (default: the previous one)")
    int toRevision;

    @Override
    String change(LosslessDeployment ld, KubernetesClient client) {
      if (toRevision < 0) {
        throw new CliError("--to-revision must be 1 or more, was " + toRevision);
      }
      List<ReplicaSet> sets = client.apps().replicaSets().inNamespace(ld.getMetadata().getNamespace())
          .withLabel(FerryNames.DEPLOYMENT_LABEL, ld.getMetadata().getName()).list().getItems().stream()
          .filter(rs -> ReleaseVerbs.ownedBy(rs, ld)).toList();
      ReplicaSet chosen = ReleaseVerbs.undo(ld, sets, toRevision);
      return "rolling " + ref(ld) + " back to revision " + ReleaseVerbs.number(chosen) + " ("
          + chosen.getMetadata().getLabels().get(FerryNames.REVISION_LABEL) + ")";
    }
  }
}
