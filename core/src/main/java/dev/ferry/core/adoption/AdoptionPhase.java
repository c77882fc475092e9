package dev.ferry.core.adoption;

/** Where the take-over of a running workload stands (docs/adopt.md). */
public enum AdoptionPhase {
  /** Ferry's set is created beside the adopted pods, gates closed, and must join the cluster. */
  Provisioning,
  /** Ferry's gates open, then the Service's selector gains Ferry's label. */
  Switching,
  /** After the switch, before the first drain: proxies catch up. */
  Settling,
  /** The adopted pods are drained one at a time, each removed by its own controller. */
  Draining,
  /** The workload is at zero (or deleted); Ferry's set serves and releases go on as usual. */
  Completed,
  /** Clients go back to the adopted pods; the user's objects are restored. */
  RollingBack,
  /** Everything is as it was before the adoption. */
  RolledBack
}
