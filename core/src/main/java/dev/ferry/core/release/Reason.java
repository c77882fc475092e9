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
  NotEnoughPods
}
