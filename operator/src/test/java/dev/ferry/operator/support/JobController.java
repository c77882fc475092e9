package dev.ferry.operator.support;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Kubernetes' Job controller as far as the migration tests need it: a Job finishes as the test says,
 * through the Job's status (Complete or Failed condition), written through the API. By default a
 * Job succeeds a moment after it appears; {@link #hold} keeps it running, {@link #fail} fails it.
 */
public final class JobController implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, String> failures = new ConcurrentHashMap<>();
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  /** Every Job seen, by name and uid, in the order they appeared. */
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "job-controller");
    t.setDaemon(true);
    return t;
  });

  public JobController(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
    loop.scheduleWithFixedDelay(this::sync, 100, 100, TimeUnit.MILLISECONDS);
  }

  /** The Job stays running until {@link #release}d or failed. */
  public void hold(String job) {
    held.add(job);
  }

  public void release(String job) {
    held.remove(job);
  }

  /** The Job fails with this reason (e.g. BackoffLimitExceeded). */
  public void fail(String job, String reason) {
    failures.put(job, reason);
    held.remove(job);
  }

  /** The Job succeeds again (after a {@link #fail}). */
  public void succeed(String job) {
    failures.remove(job);
    held.remove(job);
  }

  /** "name/uid" of every Job seen, in order: a Job created twice shows twice. */
  public List<String> seen() {
    return List.copyOf(seen);
  }

  private void sync() {
    try {
      for (Job j : client.batch().v1().jobs().inNamespace(namespace).list().getItems()) {
        String name = j.getMetadata().getName();
        String id = name + "/" + j.getMetadata().getUid();
        if (!seen.contains(id)) {
          seen.add(id);
        }
        boolean finished = j.getStatus() != null && j.getStatus().getConditions() != null
            && j.getStatus().getConditions().stream().anyMatch(c -> "True".equals(c.getStatus())
                && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())));
        if (finished || held.contains(name)) {
          continue;
        }
        String failure = failures.get(name);
        String now = Instant.now().toString();
        JobStatus s = new JobStatus();
        s.setStartTime(now);
        if (failure != null) {
          s.setFailed(1);
          s.setConditions(List.of(new JobConditionBuilder().withType("Failed").withStatus("True")
              .withReason(failure).withMessage("Job has reached the specified backoff limit")
              .withLastTransitionTime(now).build()));
        } else {
          s.setSucceeded(1);
          s.setCompletionTime(now);
          s.setConditions(List.of(new JobConditionBuilder().withType("Complete").withStatus("True")
              .withLastTransitionTime(now).build()));
        }
        j.setStatus(s);
        client.batch().v1().jobs().inNamespace(namespace).resource(j).updateStatus();
      }
    } catch (RuntimeException e) {
      // a conflict or a Job deleted meanwhile: looked at again next tick
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
