package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What becomes of an adopted workload once it is at zero replicas. */
public enum AdoptAfterwards {
  /** Left in place at zero replicas (its annotation says what it ran at). */
  @JsonProperty("ScaleToZero")
  SCALE_TO_ZERO,

  /** Deleted. */
  @JsonProperty("Delete")
  DELETE
}
