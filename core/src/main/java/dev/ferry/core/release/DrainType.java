package dev.ferry.core.release;

/** How a pod is emptied before it is deleted. */
public enum DrainType {
  /** EMQX 5 evacuation through its REST API, at a controlled rate. */
  EMQX,
  /** Ferry's small HTTP drain protocol, which any service can implement. */
  HTTP,
  /** No drain: wait {@code waitTakeover} after the pod left the Service, then delete it. */
  NONE
}
