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

  /**
   * LosslessDeployment with {@code spec.migrations}: True when the schema needs nothing more for the
   * template's version (expanded and, if there is a contract, contracted); False while a migration
   * runs, waits (the reason lists each unmet contract condition) or failed.
   */
  public static final String SCHEMA_MIGRATED = "SchemaMigrated";

  /**
   * LosslessDeployment: present (True) while the template returns to a schema version a contract
   * retired; the serving revision stays as it is.
   */
  public static final String ROLLBACK_REFUSED = "RollbackRefused";

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
