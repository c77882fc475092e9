package dev.ferry.core.release;

/**
 * Why a plan chose its step. Reconcilers use these as condition reasons and event reasons, so they
 * are CamelCase words a user can search for.
 */
public enum Reason {
  ReleaseStarted,
  RollingBack,
  Retargeted,
  CreatingRevisionSet,
  WaitingForPods,
  /** The new pods are ready but the drainer does not see them in the cluster yet: no switch, no drain. */
  NotInCluster,
  ProgressDeadlineExceeded,
  AwaitingPromotion,
  Promoted,
  Switching,
  Settling,
  NewSetNotReady,
  GateClosed,
  DrainStarted,
  Draining,
  DrainTimedOut,
  DrainerUnreachable,
  /** The drain endpoint answers but cannot drain: no such API, credentials or permission refused. */
  DrainRefused,
  /** A drain stopped making progress: the same state and counts for longer than its waits explain. */
  DrainStalled,
  /** A drain has no pod to send clients to: it is not started (EMQX would retry for ever). */
  NoDrainTarget,
  WaitingForTakeover,
  DeletingPod,
  WaitingForPodRemoval,
  DrainStopped,
  Aborting,
  Aborted,
  /** An aborted release starts over (ferry retry). */
  Retrying,
  /** The release is held between steps (spec.paused): a running drain is stopped, nothing else moves. */
  Paused,
  ReleaseComplete,
  ScalingUp,
  GatesOpened,
  CollectingOldSets,
  WaitingForEndpoints,
  WaitingForDelayedOnline,
  Surging,
  Steady,
  NotEnoughPods,
  /** The new revision gets no pod yet: a schema migration (expand, or another release's Job) runs first. */
  MigratingSchema,
  /** The expand migration failed: the release is aborted before the new revision got a pod. */
  ExpandFailed,
  /** The template returns to a schema version a contract retired: the serving revision stays. */
  RollbackRefused,
  // The take-over of a running workload (spec.adopt, core.adoption.AdoptionPlan).
  /** What the adoption changes was recorded on the user's objects; Ferry's pods come next. */
  AdoptionStarted,
  /** The Service's selector gained ferry.dev/deployment: only Ferry's pods get new clients. */
  ServiceSwitched,
  /** The adopted workload is brought back to the replicas it ran at (a rollback). */
  RestoringWorkload,
  /** The Service's selector is the one recorded before the adoption again. */
  ServiceRestored,
  /** Every adopted pod was drained and removed by its controller. */
  AdoptionComplete,
  /** The adopted workload serves as before, and its objects are as they were. */
  AdoptionRolledBack
}
