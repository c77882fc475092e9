package dev.ferry.lab.cluster;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Job controller ({@code batch/v1}), for Jobs of one completion run by pods with
 * {@code restartPolicy: Never}, such as migration Jobs. Every pass, for each Job of the namespace,
 * {@link JobProgress} decides from its pods: create the pod (named {@code <job>-<5 characters>},
 * owned by the Job, labelled {@code job-name} and {@code controller-uid} as Kubernetes labels them),
 * wait out the back-off after a failure, or finish the Job — condition {@code Complete}, or
 * {@code Failed} with reason {@code BackoffLimitExceeded} (or {@code DeadlineExceeded}) and its
 * running pods deleted. The status counts active, succeeded and failed pods, with {@code startTime}
 * and {@code completionTime}. A finished Job with {@code ttlSecondsAfterFinished} is deleted once
 * that has passed; pods whose Job is gone are deleted (the garbage collector's part).
 *
 * <p>Why a migration failed is where Kubernetes puts it: the Job's Failed condition says the
 * back-off limit was reached; each failed pod's container status is {@code terminated} with the exit
 * code and the message the container left (its termination message).
 */
final class JobController {

  private static final Logger log = LoggerFactory.getLogger(JobController.class);
  static final String KIND = "Job";
  static final String JOB_NAME_LABEL = "job-name";
  static final String CONTROLLER_UID_LABEL = "controller-uid";
  static final String BATCH_JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
  static final String BATCH_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";

  private final KubernetesClient client;
  private final String namespace;
  private final Duration retryBase;

  /** {@code retryBase}: the wait before the pod after the first failure (Kubernetes: 10 s), doubled per failure. */
  JobController(KubernetesClient client, String namespace, Duration retryBase) {
    this.client = client;
    this.namespace = namespace;
    this.retryBase = retryBase;
  }

  void sync() {
    List<Job> jobs = client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
    Instant now = Instant.now();
    for (Job job : jobs) {
      String uid = job.getMetadata().getUid();
      List<Pod> owned = pods.stream().filter(p -> Pods.controllerUid(p, KIND).filter(uid::equals).isPresent()).toList();
      reconcile(job, owned, now);
    }
    Set<String> live = jobs.stream().map(j -> j.getMetadata().getUid()).collect(Collectors.toSet());
    for (Pod p : pods) {
      var owner = Pods.controllerUid(p, KIND);
      if (owner.isPresent() && !live.contains(owner.get()) && !Pods.terminating(p)) {
        deletePod(p, "its Job is gone");
      }
    }
  }

  private void reconcile(Job job, List<Pod> owned, Instant now) {
    JobProgress p = JobProgress.decide(seen(job), owned.stream().map(JobController::seen).toList(), now, retryBase);
    switch (p.action()) {
      case CREATE_POD -> createPod(job);
      case FINISH -> {
        if (p.outcome() != JobProgress.Outcome.COMPLETE) {
          owned.stream().filter(pod -> seen(pod).active())
              .forEach(pod -> deletePod(pod, "Job " + Pods.name(job) + " failed: " + p.outcome()));
        }
      }
      case DELETE_JOB -> {
        client.batch().v1().jobs().inNamespace(namespace).withName(Pods.name(job)).delete();
        log.info("event=job_deleted job={} reason=ttlSecondsAfterFinished", Pods.name(job));
        return;
      }
      case NONE, WAIT_BACKOFF -> { }
    }
    int active = p.active() + (p.action() == JobProgress.Action.CREATE_POD ? 1 : 0);
    if (p.action() == JobProgress.Action.FINISH) {
      active = 0;
    }
    writeStatus(job, active, p, now);
  }

  static JobProgress.JobSeen seen(Job job) {
    var spec = job.getSpec();
    JobStatus st = job.getStatus();
    Instant start = st == null || st.getStartTime() == null ? null : Instant.parse(st.getStartTime());
    Instant finished = null;
    JobProgress.Outcome outcome = null;
    if (st != null && st.getConditions() != null) {
      for (JobCondition c : st.getConditions()) {
        if ("True".equals(c.getStatus()) && ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))) {
          finished = c.getLastTransitionTime() == null ? Instant.EPOCH : Instant.parse(c.getLastTransitionTime());
          outcome = "Complete".equals(c.getType()) ? JobProgress.Outcome.COMPLETE
              : "DeadlineExceeded".equals(c.getReason()) ? JobProgress.Outcome.DEADLINE_EXCEEDED
              : JobProgress.Outcome.BACKOFF_LIMIT_EXCEEDED;
        }
      }
    }
    return new JobProgress.JobSeen(spec.getBackoffLimit(), spec.getActiveDeadlineSeconds(),
        spec.getTtlSecondsAfterFinished(), start, finished, outcome);
  }

  static JobProgress.PodSeen seen(Pod pod) {
    Instant finishedAt = null;
    if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
      for (var cs : pod.getStatus().getContainerStatuses()) {
        if (cs.getState() != null && cs.getState().getTerminated() != null
            && cs.getState().getTerminated().getFinishedAt() != null) {
          finishedAt = Instant.parse(cs.getState().getTerminated().getFinishedAt());
        }
      }
    }
    return new JobProgress.PodSeen(Pods.phase(pod), Pods.terminating(pod), finishedAt);
  }

  private void createPod(Job job) {
    var template = Serialization.clone(job.getSpec().getTemplate());
    ObjectMeta meta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    Map<String, String> labels = meta.getLabels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(meta.getLabels());
    String uid = job.getMetadata().getUid();
    labels.put(JOB_NAME_LABEL, Pods.name(job));
    labels.put(CONTROLLER_UID_LABEL, uid);
    labels.put(BATCH_JOB_NAME_LABEL, Pods.name(job));
    labels.put(BATCH_CONTROLLER_UID_LABEL, uid);
    String name = Pods.name(job) + "-" + Pods.generatedSuffix();
    Pod pod = new PodBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(namespace)
          .withLabels(labels)
          .withAnnotations(meta.getAnnotations() == null ? new LinkedHashMap<>() : meta.getAnnotations())
          .withFinalizers(Pods.GRACEFUL_DELETION_FINALIZER)
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion("batch/v1").withKind(KIND).withName(Pods.name(job))
              .withUid(uid).withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
    if (pod.getSpec().getRestartPolicy() == null) {
      pod.getSpec().setRestartPolicy("Never");
    }
    client.pods().inNamespace(namespace).resource(pod).create();
    log.info("event=pod_created controller=job job={} pod={}", Pods.name(job), name);
  }

  private void writeStatus(Job job, int active, JobProgress p, Instant now) {
    JobStatus old = job.getStatus() == null ? new JobStatus() : job.getStatus();
    JobStatus want = Serialization.clone(old);
    want.setActive(active == 0 ? null : active);
    want.setSucceeded(p.succeeded() == 0 ? null : p.succeeded());
    want.setFailed(p.failed() == 0 ? null : p.failed());
    want.setReady(0);
    want.setTerminating(0);
    if (want.getStartTime() == null && (active > 0 || p.failed() > 0 || p.succeeded() > 0)) {
      want.setStartTime(now.toString());
    }
    if (p.action() == JobProgress.Action.FINISH) {
      List<JobCondition> cs = want.getConditions() == null ? new ArrayList<>() : new ArrayList<>(want.getConditions());
      String at = now.toString();
      switch (p.outcome()) {
        case COMPLETE -> {
          cs.add(condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", at));
          want.setCompletionTime(at);
        }
        case BACKOFF_LIMIT_EXCEEDED ->
            cs.add(condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", at));
        case DEADLINE_EXCEEDED ->
            cs.add(condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline", at));
        case RUNNING -> { }
      }
      want.setConditions(cs);
      log.info("event=job_finished job={} outcome={} succeeded={} failed={}", Pods.name(job), p.outcome(),
          p.succeeded(), p.failed());
    }
    if (Objects.equals(old, want)) {
      return;
    }
    job.setStatus(want);
    try {
      client.batch().v1().jobs().inNamespace(namespace).resource(job).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409 && e.getCode() != 404) {
        throw e; // a conflict is retried on the next pass, from a fresh read
      }
    }
  }

  private static JobCondition condition(String type, String reason, String message, String at) {
    return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
        .withLastProbeTime(at).withLastTransitionTime(at).build();
  }

  private void deletePod(Pod p, String why) {
    try {
      client.pods().inNamespace(namespace).withName(Pods.name(p)).delete();
      log.info("event=pod_deleted controller=job pod={} reason=\"{}\"", Pods.name(p), why);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }
}
