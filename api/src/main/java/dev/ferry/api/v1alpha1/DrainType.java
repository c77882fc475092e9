package dev.ferry.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How one pod is emptied before it is deleted. */
public enum DrainType {
  /** EMQX 5 node evacuation through its REST API: start, follow the global status, stop. */
  @JsonProperty("emqx")
  EMQX,

  /** Ferry's small HTTP drain protocol, which any service can implement. */
  @JsonProperty("http")
  HTTP,

  /** No drain call: take the pod out of the endpoints, wait {@code waitTakeover}, delete it. */
  @JsonProperty("none")
  NONE;

  /** The name in YAML. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
