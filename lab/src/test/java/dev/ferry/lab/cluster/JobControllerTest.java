package dev.ferry.lab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lab's Job controller and the kubelet's run-to-completion pods, on a real embedded cluster:
 * a Job that succeeds, one that fails until its back-off limit (each failed pod's exit code and
 * message kept, the Job Failed with BackoffLimitExceeded), a TTL, a container whose Secret is
 * missing; and the pure decision's table.
 */
@Timeout(90)
class JobControllerTest {

  static EmbeddedCluster cluster;

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start(ClusterConfig.builder().syncPeriod(Duration.ofMillis(50))
        .jobBackoff(Duration.ofMillis(200)).build());
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Job job(String name, Integer backoffLimit, Integer ttl, String... shell) {
    return new JobBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
          .withBackoffLimit(backoffLimit)
          .withTtlSecondsAfterFinished(ttl)
          .withNewTemplate()
            .withNewMetadata().addToLabels("app", "task").endMetadata()
            .withNewSpec().withRestartPolicy("Never")
              .addNewContainer().withName("main").withImage("busybox:1.36").withCommand("sh", "-c")
                .withArgs(String.join(" ", shell)).endContainer()
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  static List<Pod> podsOf(String job) {
    return cluster.pods().stream().filter(p -> job.equals(p.getMetadata().getLabels().get("job-name"))).toList();
  }

  static JobCondition condition(Job job, String type) {
    return job.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  @Test
  void aJobWhosePodExitsZeroIsComplete() {
    Job created = cluster.create(job("ok", null, null, "sleep 0.2; exit 0"));
    assertThat(cluster.awaitJobFinished("ok", Duration.ofSeconds(20))).isEqualTo("Complete");
    Job j = cluster.job("ok");
    assertThat(j.getStatus().getSucceeded()).isEqualTo(1);
    assertThat(j.getStatus().getFailed()).isNull();
    assertThat(j.getStatus().getActive()).isNull();
    assertThat(j.getStatus().getStartTime()).isNotNull();
    assertThat(Instant.parse(j.getStatus().getCompletionTime())).isAfterOrEqualTo(Instant.parse(j.getStatus().getStartTime()));
    assertThat(condition(j, "Complete").getStatus()).isEqualTo("True");
    List<Pod> pods = podsOf("ok");
    assertThat(pods).hasSize(1);
    Pod pod = pods.get(0);
    assertThat(pod.getMetadata().getLabels()).containsEntry("controller-uid", created.getMetadata().getUid())
        .containsEntry("batch.kubernetes.io/job-name", "ok").containsEntry("app", "task");
    assertThat(pod.getMetadata().getOwnerReferences().get(0).getKind()).isEqualTo("Job");
    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    var terminated = pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(terminated.getExitCode()).isZero();
    assertThat(terminated.getReason()).isEqualTo("Completed");
  }

  @Test
  void aFailingJobIsRetriedUpToItsBackoffLimitThenFailed() {
    cluster.create(job("bad", 2, null, "exit 3"));
    assertThat(cluster.awaitJobFinished("bad", Duration.ofSeconds(30))).isEqualTo("Failed");
    Job j = cluster.job("bad");
    JobCondition failed = condition(j, "Failed");
    assertThat(failed.getReason()).isEqualTo("BackoffLimitExceeded");
    assertThat(failed.getMessage()).isEqualTo("Job has reached the specified backoff limit");
    assertThat(j.getStatus().getFailed()).isEqualTo(3); // the first pod and backoffLimit retries
    assertThat(j.getStatus().getSucceeded()).isNull();
    assertThat(j.getStatus().getCompletionTime()).isNull();
    List<Pod> pods = podsOf("bad");
    assertThat(pods).hasSize(3).allSatisfy(p -> {
      assertThat(p.getStatus().getPhase()).isEqualTo("Failed");
      var t = p.getStatus().getContainerStatuses().get(0).getState().getTerminated();
      assertThat(t.getExitCode()).isEqualTo(3);
      assertThat(t.getReason()).isEqualTo("Error");
      assertThat(t.getMessage()).isEqualTo("exit 3");
    });
  }

  @Test
  void aFinishedJobWithATtlIsDeletedAndItsPodsWithIt() {
    cluster.create(job("ttl", null, 1, "true"));
    assertThat(cluster.awaitJobFinished("ttl", Duration.ofSeconds(20))).isEqualTo("Complete");
    assertThat(EmbeddedCluster.await(() -> cluster.job("ttl") == null && podsOf("ttl").isEmpty(), Duration.ofSeconds(20)))
        .as("job and pod gone after the TTL").isTrue();
  }

  @Test
  void aMissingSecretKeepsThePodPendingUntilItExists() {
    Job j = job("secret", 0, null, "true");
    j.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(List.of(new io.fabric8.kubernetes.api.model.EnvVarBuilder()
        .withName("DB_PASSWORD").withNewValueFrom().withNewSecretKeyRef("password", "db", false).endValueFrom().build()));
    cluster.create(j);
    assertThat(EmbeddedCluster.await(() -> podsOf("secret").stream().anyMatch(p -> p.getStatus() != null
        && p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty()
        && p.getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
        && "CreateContainerConfigError".equals(p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason())),
        Duration.ofSeconds(20))).isTrue();
    cluster.createSecret("db", Map.of("password", "not-logged"));
    assertThat(cluster.awaitJobFinished("secret", Duration.ofSeconds(20))).isEqualTo("Complete");
  }

  // ---------------------------------------------------------------- the decision

  static final Instant T = Instant.parse("2026-11-25T12:00:00Z");
  static final JobProgress.JobSeen RUNNING = new JobProgress.JobSeen(2, null, null, T, null, null);

  static JobProgress.PodSeen failedAt(int second) {
    return new JobProgress.PodSeen("Failed", false, T.plusSeconds(second));
  }

  @Test
  void decisionTable() {
    Duration base = Duration.ofSeconds(10);
    // No pod yet: create one.
    assertThat(JobProgress.decide(RUNNING, List.of(), T, base).action()).isEqualTo(JobProgress.Action.CREATE_POD);
    // One running: wait for it.
    assertThat(JobProgress.decide(RUNNING, List.of(new JobProgress.PodSeen("Running", false, null)), T, base).action())
        .isEqualTo(JobProgress.Action.NONE);
    // One failed 5 s ago: the back-off (10 s) is not over.
    JobProgress p = JobProgress.decide(RUNNING, List.of(failedAt(0)), T.plusSeconds(5), base);
    assertThat(p.action()).isEqualTo(JobProgress.Action.WAIT_BACKOFF);
    assertThat(p.retryIn()).isEqualTo(Duration.ofSeconds(5));
    assertThat(JobProgress.decide(RUNNING, List.of(failedAt(0)), T.plusSeconds(10), base).action())
        .isEqualTo(JobProgress.Action.CREATE_POD);
    // Two failed: 20 s after the last.
    assertThat(JobProgress.decide(RUNNING, List.of(failedAt(0), failedAt(20)), T.plusSeconds(39), base).action())
        .isEqualTo(JobProgress.Action.WAIT_BACKOFF);
    // Three failed with backoffLimit 2: Failed.
    p = JobProgress.decide(RUNNING, List.of(failedAt(0), failedAt(20), failedAt(60)), T.plusSeconds(60), base);
    assertThat(p.action()).isEqualTo(JobProgress.Action.FINISH);
    assertThat(p.outcome()).isEqualTo(JobProgress.Outcome.BACKOFF_LIMIT_EXCEEDED);
    // backoffLimit unset: 6, so six failures still retry.
    var defaultLimit = new JobProgress.JobSeen(null, null, null, T, null, null);
    List<JobProgress.PodSeen> six = List.of(failedAt(0), failedAt(1), failedAt(2), failedAt(3), failedAt(4), failedAt(5));
    assertThat(JobProgress.decide(defaultLimit, six, T.plusSeconds(3600), base).action()).isEqualTo(JobProgress.Action.CREATE_POD);
    // A success after failures: Complete.
    p = JobProgress.decide(RUNNING, List.of(failedAt(0), new JobProgress.PodSeen("Succeeded", false, T)), T, base);
    assertThat(p.outcome()).isEqualTo(JobProgress.Outcome.COMPLETE);
    // The active deadline.
    var deadline = new JobProgress.JobSeen(2, 30L, null, T, null, null);
    assertThat(JobProgress.decide(deadline, List.of(new JobProgress.PodSeen("Running", false, null)), T.plusSeconds(30), base)
        .outcome()).isEqualTo(JobProgress.Outcome.DEADLINE_EXCEEDED);
    // Finished: nothing more, until the TTL.
    var finished = new JobProgress.JobSeen(2, null, 60, T, T, JobProgress.Outcome.COMPLETE);
    assertThat(JobProgress.decide(finished, List.of(), T.plusSeconds(59), base).action()).isEqualTo(JobProgress.Action.NONE);
    assertThat(JobProgress.decide(finished, List.of(), T.plusSeconds(60), base).action()).isEqualTo(JobProgress.Action.DELETE_JOB);
    // The back-off is capped at six minutes.
    assertThat(JobProgress.backoff(base, 1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(JobProgress.backoff(base, 3)).isEqualTo(Duration.ofSeconds(40));
    assertThat(JobProgress.backoff(base, 12)).isEqualTo(Duration.ofMinutes(6));
  }
}
