package dev.ferry.api;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.LosslessDeploymentStatus;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What each verb for a release writes on a LosslessDeployment — the annotations and spec fields the
 * operator acts on — as changes to the object, so that {@code ferry} and the operator's tests write
 * exactly the same thing. Each checks first that it makes sense now and says why not otherwise
 * ({@link Refused}); none depends on the operator running.
 */
public final class ReleaseVerbs {
  private ReleaseVerbs() {}

  /** The verb does not apply to the resource as it is; the message says why, for people. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message);
    }
  }

  /**
   * {@code ferry abort}: the release under way is stopped and the serving revision brought back.
   *
   * @return the revision whose release is aborted
   */
  public static String abort(LosslessDeployment ld) {
    LosslessDeploymentStatus s = status(ld);
    String name = ld.getMetadata().getName();
    // An adoption that runs goes back to the workload it takes over (docs/adopt.md).
    boolean adopting = s.getAdoption() != null && s.getAdoption().getPhase() != null
        && s.getAdoption().getPhase().running();
    if (s.getCurrentRevision() == null && !adopting) {
      throw new Refused(name + " has no serving revision to go back to (first deployment)");
    }
    if (s.getPhase() == LosslessDeploymentPhase.ABORTED) {
      throw new Refused(name + ": the release of " + s.getUpdateRevision() + " is aborted already");
    }
    if (Objects.equals(s.getCurrentRevision(), s.getUpdateRevision())) {
      throw new Refused(name + " has no release in progress (phase " + phaseName(s) + ", revision "
          + s.getCurrentRevision() + ")");
    }
    annotations(ld).put(FerryNames.ABORT_ANNOTATION, s.getUpdateRevision());
    return s.getUpdateRevision();
  }

  /**
   * {@code ferry retry}: an aborted release starts over, once.
   *
   * @return the revision released again
   */
  public static String retry(LosslessDeployment ld) {
    LosslessDeploymentStatus s = status(ld);
    if (s.getPhase() != LosslessDeploymentPhase.ABORTED || s.getPhaseStartedAt() == null) {
      throw new Refused(ld.getMetadata().getName() + " is not aborted (phase " + phaseName(s) + ")");
    }
    Map<String, String> a = annotations(ld);
    a.remove(FerryNames.ABORT_ANNOTATION);
    a.put(FerryNames.RETRY_ANNOTATION, s.getUpdateRevision() + "@" + s.getPhaseStartedAt());
    return s.getUpdateRevision();
  }

  /** {@code ferry pause}: releases are held between steps. */
  public static void pause(LosslessDeployment ld) {
    ld.getSpec().setPaused(true);
  }

  /** {@code ferry resume}: a held release goes on. */
  public static void resume(LosslessDeployment ld) {
    ld.getSpec().setPaused(null);
  }

  /**
   * {@code ferry undo [--to-revision N]}: sets the template back to the one a revision set was made
   * from — by default the newest revision other than the template's own — which the operator then
   * releases like any template change (a rollback when that revision still serves). With schema
   * migrations, the schema version that revision needed comes back too.
   *
   * @param sets the LosslessDeployment's revision sets
   * @param toRevision the revision number to go back to, or 0 for the previous one
   * @return the revision set chosen
   */
  public static ReplicaSet undo(LosslessDeployment ld, List<ReplicaSet> sets, int toRevision) {
    ReplicaSet chosen = toRevision > 0
        ? sets.stream().filter(rs -> number(rs) == toRevision).findFirst().orElseThrow(() -> new Refused(
            ld.getMetadata().getName() + " has no revision " + toRevision + " (it has " + numbers(sets) + ")"))
        : sets.stream().filter(rs -> number(rs) > 0 && !sameTemplate(rs, ld))
            .max(Comparator.comparingInt(ReleaseVerbs::number)).orElseThrow(() -> new Refused(
                ld.getMetadata().getName() + " has no earlier revision to go back to (it has " + numbers(sets) + ")"));
    PodTemplateSpec template = sourceTemplate(chosen).orElseThrow(() -> new Refused(ld.getMetadata().getName()
        + ": revision " + number(chosen) + " (" + chosen.getMetadata().getName()
        + ") does not record the template it was made from"));
    if (sameTemplate(chosen, ld)) {
      throw new Refused(ld.getMetadata().getName() + " runs the template of revision " + number(chosen) + " already");
    }
    ld.getSpec().setTemplate(template);
    String schema = chosen.getSpec().getTemplate() == null || chosen.getSpec().getTemplate().getMetadata() == null
        || chosen.getSpec().getTemplate().getMetadata().getAnnotations() == null ? null
        : chosen.getSpec().getTemplate().getMetadata().getAnnotations().get(FerryNames.SCHEMA_VERSION_ANNOTATION);
    if (schema != null && ld.getSpec().getMigrations() != null) {
      ld.getSpec().getMigrations().setSchemaVersion(schema);
    }
    return chosen;
  }

  /**
   * Whether an object (a revision set, a Rebalance it made) belongs to this LosslessDeployment: an
   * owner reference has its uid.
   */
  public static boolean ownedBy(io.fabric8.kubernetes.api.model.HasMetadata object, LosslessDeployment ld) {
    return object.getMetadata().getOwnerReferences() != null && ld.getMetadata().getUid() != null
        && object.getMetadata().getOwnerReferences().stream().anyMatch(o -> ld.getMetadata().getUid().equals(o.getUid()));
  }

  /** A revision set's number (1 for the first), or 0 when it has none. */
  public static int number(ReplicaSet rs) {
    String n = rs.getMetadata().getAnnotations() == null ? null
        : rs.getMetadata().getAnnotations().get(FerryNames.REVISION_NUMBER_ANNOTATION);
    try {
      return n == null ? 0 : Integer.parseInt(n);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The number the next revision set gets: one more than the highest so far. */
  public static int nextNumber(List<ReplicaSet> sets) {
    return sets.stream().mapToInt(ReleaseVerbs::number).max().orElse(0) + 1;
  }

  /** The template a revision set was made from, when it records one. */
  public static Optional<PodTemplateSpec> sourceTemplate(ReplicaSet rs) {
    String json = rs.getMetadata().getAnnotations() == null ? null
        : rs.getMetadata().getAnnotations().get(FerryNames.SOURCE_TEMPLATE_ANNOTATION);
    return json == null ? Optional.empty() : Optional.of(Serialization.unmarshal(json, PodTemplateSpec.class));
  }

  private static boolean sameTemplate(ReplicaSet rs, LosslessDeployment ld) {
    return sourceTemplate(rs).map(t -> t.equals(ld.getSpec().getTemplate())).orElse(false);
  }

  private static String numbers(List<ReplicaSet> sets) {
    String listed = sets.stream().mapToInt(ReleaseVerbs::number).filter(n -> n > 0).sorted()
        .mapToObj(Integer::toString).collect(Collectors.joining(", "));
    return listed.isEmpty() ? "no numbered revisions" : "revisions " + listed;
  }

  private static LosslessDeploymentStatus status(LosslessDeployment ld) {
    if (ld.getStatus() == null || ld.getStatus().getPhase() == null) {
      throw new Refused(ld.getMetadata().getName() + " has no status yet: is the operator running?");
    }
    return ld.getStatus();
  }

  private static String phaseName(LosslessDeploymentStatus s) {
    return s.getPhase() == null ? "none" : FerryNames.jsonName(s.getPhase());
  }

  private static Map<String, String> annotations(LosslessDeployment ld) {
    Map<String, String> a = ld.getMetadata().getAnnotations() == null ? new HashMap<>()
        : new HashMap<>(ld.getMetadata().getAnnotations());
    ld.getMetadata().setAnnotations(a);
    return a;
  }
}
