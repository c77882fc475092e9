package dev.ferry.lab.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The Job controller's decision for one Job, as Kubernetes takes it for a Job of one completion
 * and parallelism one with {@code restartPolicy: Never} (what a migration Job is): pure, from the
 * Job's settings, its pods and the time.
 *
 * <ul>
 *   <li>a pod that succeeded: the Job is Complete;
 *   <li>more failed pods than {@code backoffLimit}: the Job is Failed, reason
 *       {@code BackoffLimitExceeded}, its running pods are deleted;
 *   <li>{@code activeDeadlineSeconds} passed since it started: Failed, reason {@code DeadlineExceeded};
 *   <li>no pod running: a new one, once the back-off after the last failure is over
 *       ({@code retryBase} doubled per failure, at most six minutes, as the pod failure back-off);
 *   <li>a finished Job with {@code ttlSecondsAfterFinished}: deleted once that has passed.
 * </ul>
 */
record JobProgress(Action action, int active, int succeeded, int failed, Outcome outcome, Duration retryIn) {

  /** Kubernetes' default {@code backoffLimit}. */
  static final int DEFAULT_BACKOFF_LIMIT = 6;
  static final Duration MAX_BACKOFF = Duration.ofMinutes(6);

  enum Action { NONE, CREATE_POD, WAIT_BACKOFF, FINISH, DELETE_JOB }

  /** How the Job ended (or RUNNING while it has not). */
  enum Outcome { RUNNING, COMPLETE, BACKOFF_LIMIT_EXCEEDED, DEADLINE_EXCEEDED }

  /** One of the Job's pods: running (not finished), succeeded or failed, and when it finished. */
  record PodSeen(String phase, boolean terminating, Instant finishedAt) {
    boolean succeeded() {
      return "Succeeded".equals(phase);
    }

    boolean failed() {
      return "Failed".equals(phase);
    }

    boolean active() {
      return !succeeded() && !failed() && !terminating;
    }
  }

  /**
   * @param backoffLimit {@code spec.backoffLimit} (null: 6)
   * @param activeDeadlineSeconds {@code spec.activeDeadlineSeconds} (null: none)
   * @param ttlSecondsAfterFinished {@code spec.ttlSecondsAfterFinished} (null: kept)
   * @param startTime {@code status.startTime} (null: not started)
   * @param finishedAt when its Complete or Failed condition was set (null: not finished)
   * @param finishedOutcome that condition, if any
   */
  record JobSeen(Integer backoffLimit, Long activeDeadlineSeconds, Integer ttlSecondsAfterFinished, Instant startTime,
      Instant finishedAt, Outcome finishedOutcome) {}

  static JobProgress decide(JobSeen job, List<PodSeen> pods, Instant now, Duration retryBase) {
    int active = (int) pods.stream().filter(PodSeen::active).count();
    int succeeded = (int) pods.stream().filter(PodSeen::succeeded).count();
    int failed = (int) pods.stream().filter(PodSeen::failed).count();
    if (job.finishedAt() != null) {
      // Finished is final: only the TTL is left to act on.
      Integer ttl = job.ttlSecondsAfterFinished();
      boolean expired = ttl != null && !now.isBefore(job.finishedAt().plusSeconds(ttl));
      return new JobProgress(expired ? Action.DELETE_JOB : Action.NONE, active, succeeded, failed,
          job.finishedOutcome(), null);
    }
    if (succeeded > 0) {
      return new JobProgress(Action.FINISH, active, succeeded, failed, Outcome.COMPLETE, null);
    }
    int limit = job.backoffLimit() == null ? DEFAULT_BACKOFF_LIMIT : job.backoffLimit();
    if (failed > limit) {
      return new JobProgress(Action.FINISH, active, succeeded, failed, Outcome.BACKOFF_LIMIT_EXCEEDED, null);
    }
    if (job.activeDeadlineSeconds() != null && job.startTime() != null
        && !now.isBefore(job.startTime().plusSeconds(job.activeDeadlineSeconds()))) {
      return new JobProgress(Action.FINISH, active, succeeded, failed, Outcome.DEADLINE_EXCEEDED, null);
    }
    if (active > 0 || pods.stream().anyMatch(PodSeen::terminating)) {
      return new JobProgress(Action.NONE, active, succeeded, failed, Outcome.RUNNING, null);
    }
    if (failed > 0) {
      Instant lastFailure = pods.stream().filter(PodSeen::failed).map(PodSeen::finishedAt)
          .filter(java.util.Objects::nonNull).max(Instant::compareTo).orElse(now);
      Duration wait = backoff(retryBase, failed);
      Duration left = Duration.between(now, lastFailure.plus(wait));
      if (left.isPositive()) {
        return new JobProgress(Action.WAIT_BACKOFF, active, succeeded, failed, Outcome.RUNNING, left);
      }
    }
    return new JobProgress(Action.CREATE_POD, active, succeeded, failed, Outcome.RUNNING, null);
  }

  /** The wait before the next pod after {@code failures} failed ones: base, doubled per failure, capped. */
  static Duration backoff(Duration base, int failures) {
    Duration d = base;
    for (int i = 1; i < failures && d.compareTo(MAX_BACKOFF) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }
}
