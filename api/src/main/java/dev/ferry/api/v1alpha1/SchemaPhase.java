package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where the schema migrations of a {@link LosslessDeployment} stand; {@code status.schema.phase}. */
public enum SchemaPhase {
  /** The expand job of the new schema version runs. */
  @JsonProperty("Expanding")
  EXPANDING,

  /** Expand succeeded: old and new revisions can both run against the schema. */
  @JsonProperty("Expanded")
  EXPANDED,

  /** The contract job runs: nothing of an old revision is left and the rollback window has closed. */
  @JsonProperty("Contracting")
  CONTRACTING,

  /** Contract succeeded: the schema is that of the current revision only. */
  @JsonProperty("Contracted")
  CONTRACTED,

  /** A migration job failed; see status.message and the conditions. */
  @JsonProperty("Failed")
  FAILED
}
