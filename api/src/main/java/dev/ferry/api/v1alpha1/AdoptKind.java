package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The kind of workload {@code spec.adopt} takes over. */
public enum AdoptKind {
  /** Its pods are removed highest ordinal first, each by scaling the StatefulSet down by one. */
  @JsonProperty("StatefulSet")
  STATEFUL_SET,

  /** Its pods are removed one at a time by pod-deletion-cost and a scale-down by one. */
  @JsonProperty("Deployment")
  DEPLOYMENT;

  /** The kind as Kubernetes names it. */
  public String kindName() {
    return this == STATEFUL_SET ? "StatefulSet" : "Deployment";
  }
}
