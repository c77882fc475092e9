package dev.ferry.api;

/**
 * Well-known names that the operator, the lab and the CLI must spell the same way: API group,
 * labels, annotations, pod conditions, finalizers, Secret keys.
 */
public final class FerryNames {

  /** The API group of the Ferry custom resources. */
  public static final String GROUP = "ferry.dev";

  /** The version of the Ferry custom resources this code speaks. */
  public static final String VERSION_V1ALPHA1 = "v1alpha1";

  /**
   * The readiness gate every Ferry pod carries, and the pod condition type the operator sets for it.
   * A pod is in its Service's endpoints only while its containers are ready and this condition is
   * {@code True}; that is how Ferry moves traffic without touching the Service's selector.
   */
  public static final String SERVING_CONDITION = "ferry.dev/serving";

  /**
   * Label on each revision's ReplicaSet and pods: the hash of the rendered pod template plus the
   * collision count. Its value is what {@code status.currentRevision} and {@code status.updateRevision}
   * hold.
   */
  public static final String REVISION_LABEL = "ferry.dev/revision";

  /**
   * Label on each revision's ReplicaSet and pods: the name of the LosslessDeployment they belong
   * to, so the operator finds them without relying on the user's selector alone.
   */
  public static final String DEPLOYMENT_LABEL = "ferry.dev/deployment";

  /**
   * Annotation on each revision's ReplicaSet: a digest of the full rendered pod template, so that two
   * templates whose short revision hashes collide are told apart (then collisionCount goes up).
   */
  public static final String TEMPLATE_DIGEST_ANNOTATION = "ferry.dev/template-digest";

  /**
   * Kubernetes' own annotation that tells a ReplicaSet which pod to remove first when it is scaled
   * down (lowest cost goes first).
   */
  public static final String POD_DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

  /**
   * The deletion cost Ferry puts on a pod it has drained, right before it scales the ReplicaSet down
   * by one, so that exactly that pod goes.
   */
  public static final String DRAINED_POD_DELETION_COST = "-99999";

  /**
   * Annotation on a LosslessDeployment that promotes a blue-green release waiting in
   * {@code AwaitingPromotion} ({@code strategy.blueGreen.autoPromote: false}). Its value is the
   * revision to promote ({@code status.updateRevision}), so an annotation left over from an earlier
   * release can never promote a later one by accident.
   */
  public static final String PROMOTE_ANNOTATION = "ferry.dev/promote";

  /**
   * Annotation on a LosslessDeployment that aborts the release of a revision ({@code ferry abort}):
   * its value is the revision ({@code status.updateRevision}), so it never aborts a later release.
   * The serving revision is brought back to full size, every client of the aborted one moves back
   * the lossless way, and the phase stays Aborted until the template changes or the release is
   * retried.
   */
  public static final String ABORT_ANNOTATION = "ferry.dev/abort";

  /**
   * Annotation on a LosslessDeployment that starts an aborted release over ({@code ferry retry}):
   * {@code REVISION@ABORTED_AT}, the revision and the time its release was aborted
   * ({@code status.phaseStartedAt}), so it retries that abort once and never a later one.
   */
  public static final String RETRY_ANNOTATION = "ferry.dev/retry";

  /**
   * Annotation on a revision set (ReplicaSet): the LosslessDeployment's {@code spec.template} it was
   * made from, as JSON, so that {@code ferry undo} can set the template back to it.
   */
  public static final String SOURCE_TEMPLATE_ANNOTATION = "ferry.dev/source-template";

  /**
   * Annotation on a revision set: its number among the LosslessDeployment's revisions, 1 for the
   * first, counting up as sets are created (as {@code deployment.kubernetes.io/revision} does), for
   * {@code ferry undo --to-revision} and {@code ferry get}.
   */
  public static final String REVISION_NUMBER_ANNOTATION = "ferry.dev/revision-number";

  /**
   * Pod annotation: the time (RFC 3339) the pod started to serve, i.e. the start of its warmup.
   * Weight-aware proxies and client libraries read it together with {@link #WARMUP_SECONDS_ANNOTATION}.
   */
  public static final String READY_AT_ANNOTATION = "ferry.dev/ready-at";

  /**
   * Pod annotation: over how many seconds after {@link #READY_AT_ANNOTATION} the pod's share of
   * traffic should grow to a full share ({@code spec.lifecycle.warmupSeconds}).
   */
  public static final String WARMUP_SECONDS_ANNOTATION = "ferry.dev/warmup-seconds";

  /**
   * Finalizer on a running Rebalance, so that deleting it first stops the rebalance in the broker and
   * puts the donors back into the endpoints.
   */
  public static final String REBALANCE_STOP_FINALIZER = "ferry.dev/rebalance-stop";

  /**
   * Pod annotation set by a running Rebalance on the donors it took out of the Service (value:
   * {@code Rebalance/<name>}). While it is there the LosslessDeployment leaves the pod's gate closed.
   */
  public static final String HELD_OUT_ANNOTATION = "ferry.dev/held-out-by";

  /**
   * Pod annotation: when (RFC 3339) the operator started to drain the pod. Written just before the
   * drain call and removed when a drain is stopped, so that a pod that may be draining is always
   * marked, and {@code drain.timeoutSeconds} counts from the real start across operator restarts.
   */
  public static final String DRAIN_STARTED_AT_ANNOTATION = "ferry.dev/drain-started-at";

  /**
   * Pod annotation: when (RFC 3339) the operator first saw the Service's EndpointSlice without the
   * pod after its gate closed (rolling). {@code lifecycle.propagationSeconds} counts from it.
   */
  public static final String ENDPOINTS_LEFT_AT_ANNOTATION = "ferry.dev/endpoints-left-at";

  /** Key, in the Secret named by {@code spec.drain.emqx.apiKeySecret}, of the EMQX API key. */
  public static final String EMQX_API_KEY_SECRET_KEY = "key";

  /** Key, in the Secret named by {@code spec.drain.emqx.apiKeySecret}, of the EMQX API key's secret. */
  public static final String EMQX_API_SECRET_SECRET_KEY = "secret";

  /** Data key of the PEM CA certificates in {@code spec.drain.emqx.caSecret} (as cert-manager writes it). */
  public static final String CA_CERT_SECRET_KEY = "ca.crt";

  /**
   * Annotation on the rendered pod template (so on every revision's ReplicaSet template and pod):
   * {@code spec.migrations.schemaVersion}, the schema version that revision needs. Being part of the
   * template it is part of the revision hash, so a revision and its schema version are tied one to
   * one. The lab and other tools read it; the operator counts pods of other versions by it.
   */
  public static final String SCHEMA_VERSION_ANNOTATION = "ferry.dev/schema-version";

  /** Label on each migration Job: the name of the LosslessDeployment that runs it. */
  public static final String MIGRATION_OWNER_LABEL = "ferry.dev/owner";

  /** Label on each migration Job: {@code expand} or {@code contract}. */
  public static final String MIGRATION_STEP_LABEL = "ferry.dev/migration-step";

  /** Label on each migration Job: the schema version it migrates to. */
  public static final String SCHEMA_VERSION_LABEL = "ferry.dev/schema-version";

  /** Keys, in the Secret named by {@code spec.migrations.sessionCheck.postgres.secretName}. */
  public static final String SESSION_CHECK_URL_KEY = "url";

  public static final String SESSION_CHECK_USERNAME_KEY = "username";

  public static final String SESSION_CHECK_PASSWORD_KEY = "password";

  private FerryNames() {}

  /** The name an enum value has in the API (its {@code @JsonProperty}), e.g. {@code AwaitingPromotion}. */
  public static String jsonName(Enum<?> e) {
    try {
      com.fasterxml.jackson.annotation.JsonProperty p =
          e.getDeclaringClass().getField(e.name()).getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
      return p == null ? e.name() : p.value();
    } catch (NoSuchFieldException x) {
      return e.name();
    }
  }
}
