package dev.ferry.api.v1alpha1;

/**
 * Condition types and reasons in the status of the Ferry resources, shared by the operator that
 * writes them and the tools that read them.
 */
public final class Conditions {

  /** LosslessDeployment: at least {@code spec.replicas} pods serve. */
  public static final String AVAILABLE = "Available";

  /** LosslessDeployment: a release is under way (or, with status False, stopped and why). */
  public static final String PROGRESSING = "Progressing";

  /** LosslessDeployment: the release is complete and the resource is Healthy. */
  public static final String READY = "Ready";

  /** Rebalance: connections and sessions are being moved. */
  public static final String PROCESSING = "Processing";

  /** Rebalance: finished, the load is within the thresholds. */
  public static final String COMPLETED = "Completed";

  /** Rebalance: gave up; the message says why. */
  public static final String FAILED = "Failed";

  /** Reason for a spec the schema accepts but the operator cannot act on; the message says what. */
  public static final String REASON_INVALID_SPEC = "InvalidSpec";

  private Conditions() {}
}
