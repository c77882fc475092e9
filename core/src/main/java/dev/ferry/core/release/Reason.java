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
  WaitingForTakeover,
  DeletingPod,
  WaitingForPodRemoval,
  DrainStopped,
  Aborting,
  Aborted,
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
  RollbackRefused
}
