package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.Conditions;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.PostgresSessionCheck;
import dev.ferry.api.v1alpha1.SchemaPhase;
import dev.ferry.api.v1alpha1.SessionCheck;
import dev.ferry.core.migration.MigrationPlan;
import dev.ferry.operator.support.Fixtures;
import dev.ferry.operator.support.OperatorHarness;
import dev.ferry.operator.support.TestPods;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Expand/contract migrations tied to a blue-green release (issue 8), against the mock API server:
 * the test plays Kubernetes' Job controller (a Job's Complete or Failed condition, written through
 * the API), the mini cluster the ReplicaSet controller and kubelet. Versions 1.0 → 2.0.
 */
@org.junit.jupiter.api.Tag("real-kube")
class SchemaMigrationTest {

  KubernetesClient client;
  OperatorHarness h;

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.close();
    }
  }

  static String job(String step, String version) {
    return MigrationPlan.jobName("mqtt", step, version);
  }

  /** Deploys version 1.0 (its expand runs first and succeeds) and waits until it serves. */
  /** The test's cluster and namespace, made on first use. */
  OperatorHarness harness() {
    if (h == null) {
      h = new OperatorHarness(Duration.ofMillis(300));
      client = h.client;
    }
    return h;
  }

  String deployHealthy(int rollbackWindowSeconds, Consumer<LosslessDeployment> tweak) throws Exception {
    harness().startOperator();
    LosslessDeployment ld = Fixtures.mqtt(client, "people:1.0");
    ld.getSpec().setMigrations(Fixtures.migrations("1.0", rollbackWindowSeconds));
    // No clients here: nothing to wait for between the switch and the drains.
    ld.getSpec().getStrategy().getBlueGreen().setInitialDelaySeconds(0);
    ld.getSpec().getDrain().setWaitTakeover(0);
    tweak.accept(ld);
    client.resources(LosslessDeployment.class).inNamespace(h.ns).resource(ld).create();
    await().atMost(Duration.ofSeconds(90)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY
        && h.serving().size() == 2);
    return h.ld("mqtt").getStatus().getCurrentRevision();
  }

  /** A release of another version: new image and the schema version it needs. */
  void release(String version) {
    h.edit("mqtt", ld -> {
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("people:" + version);
      ld.getSpec().getMigrations().setSchemaVersion(version);
      return ld;
    });
  }

  boolean healthyOnAnotherThan(String revision) {
    var s = h.ld("mqtt").getStatus();
    return s.getPhase() == LosslessDeploymentPhase.HEALTHY && !revision.equals(s.getCurrentRevision())
        && h.serving().size() == 2;
  }

  Condition condition(String type) {
    var cs = h.ld("mqtt").getStatus().getConditions();
    return cs == null ? null : cs.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  String schemaReason() {
    Condition c = condition(Conditions.SCHEMA_MIGRATED);
    return c == null ? "" : c.getReason();
  }

  Job jobNamed(String name) {
    return client.batch().v1().jobs().inNamespace(h.ns).withName(name).get();
  }

  List<ReplicaSet> replicaSets() {
    return client.apps().replicaSets().inNamespace(h.ns).list().getItems();
  }

  List<String> revisionsOfPods() {
    return h.pods().stream().map(p -> p.getMetadata().getLabels().get(FerryNames.REVISION_LABEL)).distinct().toList();
  }

  @Test
  void anExpandThatFailsAbortsTheReleaseBeforeTheNewRevisionGetsAPodAndIsNotRetriedAfterARestart() throws Exception {
    String old = deployHealthy(600, ld -> { });
    assertThat(jobNamed(job("expand", "1.0"))).as("the first deployment's expand ran first").isNotNull();
    h.cluster.failJob(job("expand", "2.0"));
    release("2.0");

    await().atMost(Duration.ofSeconds(20)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.ABORTED);
    var status = h.ld("mqtt").getStatus();
    Condition progressing = condition(Conditions.PROGRESSING);
    assertThat(progressing.getStatus()).isEqualTo("False");
    assertThat(progressing.getReason()).isEqualTo("ExpandFailed");
    assertThat(progressing.getMessage()).contains(job("expand", "2.0")).contains("BackoffLimitExceeded")
        .contains("old one keeps serving");
    assertThat(status.getCurrentRevision()).isEqualTo(old);
    assertThat(status.getSchema().getPhase()).isEqualTo(SchemaPhase.FAILED);
    assertThat(status.getSchema().getVersion()).isEqualTo("1.0");
    assertThat(status.getSchema().getFailedJob()).isEqualTo(job("expand", "2.0"));
    assertThat(replicaSets()).as("the new revision never got a ReplicaSet, so never a pod").hasSize(1);
    assertThat(revisionsOfPods()).containsExactly(old);
    assertThat(h.serving()).hasSize(2);
    assertThat(h.events()).filteredOn(e -> "ExpandFailed".equals(e.getReason())).singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"))
        .satisfies(e -> assertThat(e.getCount()).as("said once").isEqualTo(1));

    // The failed Job goes (as with ttlSecondsAfterFinished) and the operator restarts: still aborted.
    client.batch().v1().jobs().inNamespace(h.ns).withName(job("expand", "2.0")).delete();
    await().atMost(Duration.ofSeconds(5)).until(() -> jobNamed(job("expand", "2.0")) == null);
    h.stopOperator();
    h.startOperator();
    Thread.sleep(2500);
    assertThat(jobNamed(job("expand", "2.0"))).as("the failed expand is not run again").isNull();
    assertThat(h.cluster.seenJobs()).filteredOn(s -> s.startsWith(job("expand", "2.0") + "/")).hasSize(1);
    assertThat(h.phase("mqtt")).isEqualTo(LosslessDeploymentPhase.ABORTED);
    assertThat(replicaSets()).hasSize(1);
    assertThat(h.serving()).hasSize(2);

    // Fixing the expand (a spec change) runs it again, and the release goes on.
    h.cluster.succeedJob(job("expand", "2.0"));
    h.edit("mqtt", ld -> {
      ld.getSpec().getMigrations().getExpand().getSpec().setBackoffLimit(1);
      return ld;
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> healthyOnAnotherThan(old));
    assertThat(h.ld("mqtt").getStatus().getSchema().getVersion()).isEqualTo("2.0");
    assertThat(h.ld("mqtt").getStatus().getSchema().getFailedJob()).isNull();
  }

  @Test
  void aRollingReleaseGetsNoSurgePodWhileTheExpandRunsAndAbortsWhenItFails() throws Exception {
    h = new OperatorHarness(Duration.ofMillis(300));
    client = h.client;
    h.cluster.httpPods(new TestPods.HttpPods(18181, "/drain", 0, 0));
    h.startOperator();
    LosslessDeployment ld = Fixtures.web(client, "web:1.0");
    ld.getSpec().setMigrations(Fixtures.migrations("1.0", 600));
    client.resources(LosslessDeployment.class).inNamespace(h.ns).resource(ld).create();
    await().atMost(Duration.ofSeconds(90)).until(() -> h.phase("web") == LosslessDeploymentPhase.HEALTHY
        && h.serving().size() == 3);
    String old = h.ld("web").getStatus().getCurrentRevision();
    String expand = MigrationPlan.jobName("web", "expand", "2.0");
    h.cluster.holdJob(expand);
    h.edit("web", x -> {
      x.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("web:2.0");
      x.getSpec().getMigrations().setSchemaVersion("2.0");
      return x;
    });

    await().atMost(Duration.ofSeconds(30)).until(() -> jobNamed(expand) != null
        && h.phase("web") == LosslessDeploymentPhase.ROLLING);
    Thread.sleep(1500);
    assertThat(replicaSets()).as("no surge pod while the expand runs").hasSize(1);
    assertThat(h.serving()).hasSize(3);

    h.cluster.failJob(expand);
    await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("web") == LosslessDeploymentPhase.ABORTED);
    var progressing = h.ld("web").getStatus().getConditions().stream()
        .filter(c -> Conditions.PROGRESSING.equals(c.getType())).findFirst().orElseThrow();
    assertThat(progressing.getReason()).isEqualTo("ExpandFailed");
    assertThat(progressing.getMessage()).contains(expand).contains("BackoffLimitExceeded");
    Thread.sleep(1000);
    assertThat(h.ld("web").getStatus().getCurrentRevision()).isEqualTo(old);
    assertThat(replicaSets()).hasSize(1);
    assertThat(h.serving()).hasSize(3);
  }

  @Test
  void anExpandThatSucceedsLetsTheReleaseGoOnAndRecordsTheVersion() throws Exception {
    String old = deployHealthy(600, ld -> { });
    h.cluster.holdJob(job("expand", "2.0"));
    release("2.0");

    await().atMost(Duration.ofSeconds(10)).until(() -> jobNamed(job("expand", "2.0")) != null
        && h.ld("mqtt").getStatus().getSchema().getPhase() == SchemaPhase.EXPANDING);
    Job expand = jobNamed(job("expand", "2.0"));
    assertThat(expand.getMetadata().getLabels())
        .containsEntry(FerryNames.MIGRATION_OWNER_LABEL, "mqtt")
        .containsEntry(FerryNames.MIGRATION_STEP_LABEL, "expand")
        .containsEntry(FerryNames.SCHEMA_VERSION_LABEL, "2.0");
    assertThat(expand.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("LosslessDeployment"));
    Thread.sleep(1500);
    assertThat(replicaSets()).as("no new revision while the expand runs").hasSize(1);
    assertThat(h.phase("mqtt")).isEqualTo(LosslessDeploymentPhase.PROVISIONING);
    assertThat(h.ld("mqtt").getStatus().getMessage()).contains("waiting for the expand Job " + job("expand", "2.0"));

    h.cluster.releaseJob(job("expand", "2.0"));
    await().atMost(Duration.ofSeconds(30)).until(() -> healthyOnAnotherThan(old));
    var schema = h.ld("mqtt").getStatus().getSchema();
    assertThat(schema.getVersion()).isEqualTo("2.0");
    assertThat(schema.getExpandedAt()).isNotNull();
    assertThat(schema.getPhase()).isEqualTo(SchemaPhase.EXPANDED);
    assertThat(h.pods()).allMatch(p -> "2.0".equals(p.getMetadata().getAnnotations().get(FerryNames.SCHEMA_VERSION_ANNOTATION)));
    assertThat(h.events()).extracting(Event::getReason).contains("ExpandStarted", "ExpandSucceeded");
    await().atMost(Duration.ofSeconds(5)).until(() -> h.ld("mqtt").getStatus().getSchema().getReleaseCompletedAt() != null);
    // The old pods may still be Terminating (their brokers stopping): then OldPodsRemain as well.
    await().atMost(Duration.ofSeconds(30)).until(() -> "RollbackWindowOpen".equals(schemaReason()));
    assertThat(jobNamed(job("contract", "2.0"))).isNull();
  }

  @Test
  void theContractWaitsForAnOldPodThatIsStillTerminating() throws Exception {
    String old = deployHealthy(0, ld -> { });
    // The old pods keep a finalizer: deleted, they stay Terminating until the test lets them go.
    for (Pod p : h.pods()) {
      // Merge patches: an edit would carry a resourceVersion the kubelet's status writes make stale (409).
      client.pods().inNamespace(h.ns).withName(p.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"metadata\":{\"finalizers\":[\"test.ferry.dev/hold\"]}}");
    }
    release("2.0");
    await().atMost(Duration.ofSeconds(30)).until(() -> healthyOnAnotherThan(old)
        && "OldPodsRemain".equals(schemaReason()));
    assertThat(h.allPods()).filteredOn(p -> p.getMetadata().getDeletionTimestamp() != null).hasSize(2);
    assertThat(condition(Conditions.SCHEMA_MIGRATED).getMessage())
        .contains("2 pod(s) of an old schema version still exist (Terminating ones count)");
    Thread.sleep(1000);
    assertThat(jobNamed(job("contract", "2.0"))).isNull();

    for (Pod p : h.allPods()) {
      if (p.getMetadata().getDeletionTimestamp() != null) {
        client.pods().inNamespace(h.ns).withName(p.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"finalizers\":[]}}");
      }
    }
    await().atMost(Duration.ofSeconds(15)).until(() ->
        h.ld("mqtt").getStatus().getSchema().getPhase() == SchemaPhase.CONTRACTED);
    var schema = h.ld("mqtt").getStatus().getSchema();
    // With a window of 0 the first deployment's own contract (1.0) ran too, retiring nothing.
    assertThat(schema.getContracted()).filteredOn(c -> "2.0".equals(c.getVersion())).singleElement()
        .satisfies(c -> assertThat(c.getRetired()).containsExactly("1.0"));
    assertThat(condition(Conditions.SCHEMA_MIGRATED).getStatus()).isEqualTo("True");
    assertThat(h.events()).extracting(Event::getReason).contains("ContractStarted", "ContractSucceeded");
  }

  @Test
  void theContractWaitsForTheRollbackWindowThenRuns() throws Exception {
    String old = deployHealthy(3, ld -> { });
    release("2.0");
    await().atMost(Duration.ofSeconds(30)).until(() -> healthyOnAnotherThan(old)
        && "RollbackWindowOpen".equals(schemaReason()));
    assertThat(condition(Conditions.SCHEMA_MIGRATED).getMessage()).contains("the rollback window (3 s) closes at");
    Instant completed = Instant.parse(h.ld("mqtt").getStatus().getSchema().getReleaseCompletedAt());
    assertThat(jobNamed(job("contract", "2.0"))).isNull();

    await().atMost(Duration.ofSeconds(10)).until(() -> jobNamed(job("contract", "2.0")) != null);
    Instant created = Instant.now();
    assertThat(created).isAfterOrEqualTo(completed.plusSeconds(3));
    await().atMost(Duration.ofSeconds(10)).until(() ->
        h.ld("mqtt").getStatus().getSchema().getPhase() == SchemaPhase.CONTRACTED);
  }

  @Test
  void theContractWaitsWhileTheOldVersionHasADatabaseSessionAndWhileTheSessionsCannotBeCounted() throws Exception {
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setPGStartupWait(java.time.Duration.ofSeconds(60)).start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      String password = "not-in-any-message-" + Long.toHexString(System.nanoTime());
      harness();
      // Unreachable first: the count is unknown, which is not zero.
      client.secrets().inNamespace(h.ns).resource(new SecretBuilder()
          .withNewMetadata().withName("db-monitor").withNamespace(h.ns).endMetadata()
          .addToStringData(FerryNames.SESSION_CHECK_URL_KEY, "jdbc:postgresql://127.0.0.1:1/people?password=" + password)
          .addToStringData(FerryNames.SESSION_CHECK_USERNAME_KEY, "postgres")
          .addToStringData(FerryNames.SESSION_CHECK_PASSWORD_KEY, password)
          .build()).create();
      String old = deployHealthy(0, ld -> {
        var check = new SessionCheck();
        var p = new PostgresSessionCheck();
        p.setSecretName("db-monitor");
        p.setApplicationNamePrefix("people-");
        check.setPostgres(p);
        ld.getSpec().getMigrations().setSessionCheck(check);
      });
      Properties props = new Properties();
      props.setProperty("user", "postgres");
      props.setProperty("ApplicationName", "people-1.0");
      try (Connection oldSession = DriverManager.getConnection(url, props)) {
        release("2.0");
        await().atMost(Duration.ofSeconds(30)).until(() -> healthyOnAnotherThan(old)
            && "OldSessionsUnknown".equals(schemaReason()));
        assertThat(condition(Conditions.SCHEMA_MIGRATED).getMessage()).contains("could not be counted");
        Thread.sleep(1000);
        assertThat(jobNamed(job("contract", "2.0"))).isNull();

        // Reachable: one session of 1.0 is left (a session of 2.0 does not count).
        client.secrets().inNamespace(h.ns).withName("db-monitor").edit(s -> {
          s.setData(null);
          s.setStringData(java.util.Map.of(FerryNames.SESSION_CHECK_URL_KEY, url,
              FerryNames.SESSION_CHECK_USERNAME_KEY, "postgres", FerryNames.SESSION_CHECK_PASSWORD_KEY, "postgres"));
          return s;
        });
        Properties current = new Properties();
        current.setProperty("user", "postgres");
        current.setProperty("ApplicationName", "people-2.0");
        try (Connection newSession = DriverManager.getConnection(url, current)) {
          await().atMost(Duration.ofSeconds(15)).until(() -> "OldSessionsRemain".equals(schemaReason()));
          assertThat(condition(Conditions.SCHEMA_MIGRATED).getMessage())
              .contains("1 database session(s) of an old schema version remain");
          Thread.sleep(1000);
          assertThat(jobNamed(job("contract", "2.0"))).isNull();
          assertThat(newSession.isValid(1)).isTrue();
        }
        assertThat(oldSession.isValid(1)).isTrue();
      }
      // The old session closed: the contract runs.
      await().atMost(Duration.ofSeconds(15)).until(() ->
          h.ld("mqtt").getStatus().getSchema().getPhase() == SchemaPhase.CONTRACTED);
      String everything = client.getKubernetesSerialization().asJson(h.ld("mqtt").getStatus())
          + h.events().stream().map(Event::getMessage).toList();
      assertThat(everything).doesNotContain(password);
    }
  }

  @Test
  void aRollbackBeforeTheContractReturnsToTheOldRevisionAndContractsNothing() throws Exception {
    String old = deployHealthy(60, ld -> { });
    release("2.0");
    await().atMost(Duration.ofSeconds(30)).until(() -> healthyOnAnotherThan(old)
        && "RollbackWindowOpen".equals(schemaReason()));
    release("1.0");

    await().atMost(Duration.ofSeconds(30)).until(() -> {
      var s = h.ld("mqtt").getStatus();
      return s.getPhase() == LosslessDeploymentPhase.HEALTHY && old.equals(s.getCurrentRevision())
          && h.serving().size() == 2 && revisionsOfPods().equals(List.of(old));
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> "NothingToContract".equals(schemaReason()));
    assertThat(h.ld("mqtt").getStatus().getSchema().getVersion()).as("1.0 was not brought in by an expand").isEqualTo("2.0");
    Thread.sleep(1000);
    assertThat(client.batch().v1().jobs().inNamespace(h.ns).list().getItems())
        .extracting(j -> j.getMetadata().getName())
        .containsExactlyInAnyOrder(job("expand", "1.0"), job("expand", "2.0"));
  }

  @Test
  void aRollbackAfterTheContractIsRefusedAndTheServingRevisionStays() throws Exception {
    String old = deployHealthy(0, ld -> { });
    release("2.0");
    await().atMost(Duration.ofSeconds(30)).until(() -> healthyOnAnotherThan(old)
        && h.ld("mqtt").getStatus().getSchema().getPhase() == SchemaPhase.CONTRACTED);
    String serving = h.ld("mqtt").getStatus().getCurrentRevision();
    List<String> podsBefore = h.serving().stream().map(p -> p.getMetadata().getName()).sorted().toList();
    int setsBefore = replicaSets().size();

    release("1.0");
    await().atMost(Duration.ofSeconds(10)).until(() -> condition(Conditions.ROLLBACK_REFUSED) != null);
    Condition refused = condition(Conditions.ROLLBACK_REFUSED);
    assertThat(refused.getStatus()).isEqualTo("True");
    assertThat(refused.getMessage()).contains("schema version 2.0 was contracted at")
        .contains("(schema version 1.0) would run the old version against a schema it cannot read");
    assertThat(condition(Conditions.PROGRESSING).getReason()).isEqualTo("RollbackRefused");
    Thread.sleep(2000);
    var s = h.ld("mqtt").getStatus();
    assertThat(s.getCurrentRevision()).isEqualTo(serving);
    assertThat(s.getUpdateRevision()).isEqualTo(serving);
    assertThat(replicaSets()).hasSize(setsBefore);
    assertThat(replicaSets()).filteredOn(rs -> rs.getMetadata().getLabels().get(FerryNames.REVISION_LABEL).equals(old))
        .allMatch(rs -> rs.getSpec().getReplicas() == 0);
    assertThat(h.serving().stream().map(p -> p.getMetadata().getName()).sorted().toList()).isEqualTo(podsBefore);
    assertThat(h.pods()).hasSize(2);
    assertThat(h.events()).filteredOn(e -> "RollbackRefused".equals(e.getReason()))
        .isNotEmpty().allMatch(e -> "Warning".equals(e.getType()));

    // Forward again: the refusal goes away.
    release("2.0");
    await().atMost(Duration.ofSeconds(10)).until(() -> condition(Conditions.ROLLBACK_REFUSED) == null);
    assertThat(h.ld("mqtt").getStatus().getCurrentRevision()).isEqualTo(serving);
  }

  @Test
  void aRollbackThatArrivesWhileTheContractRunsWaitsForItAndIsThenRefused() throws Exception {
    String old = deployHealthy(0, ld -> { });
    h.cluster.holdJob(job("contract", "2.0"));
    release("2.0");
    await().atMost(Duration.ofSeconds(30)).until(() -> healthyOnAnotherThan(old)
        && jobNamed(job("contract", "2.0")) != null);
    String serving = h.ld("mqtt").getStatus().getCurrentRevision();

    release("1.0");
    await().atMost(Duration.ofSeconds(10)).until(() -> h.ld("mqtt").getStatus().getMessage() != null
        && h.ld("mqtt").getStatus().getMessage().contains("the migration Job " + job("contract", "2.0") + " still runs"));
    Thread.sleep(1000);
    assertThat(h.pods()).as("no pod of 1.0 while the contract runs")
        .allMatch(p -> "2.0".equals(p.getMetadata().getAnnotations().get(FerryNames.SCHEMA_VERSION_ANNOTATION)));

    h.cluster.releaseJob(job("contract", "2.0"));
    await().atMost(Duration.ofSeconds(10)).until(() -> condition(Conditions.ROLLBACK_REFUSED) != null);
    await().atMost(Duration.ofSeconds(15)).until(() -> {
      var s = h.ld("mqtt").getStatus();
      return s.getPhase() == LosslessDeploymentPhase.HEALTHY && serving.equals(s.getCurrentRevision())
          && serving.equals(s.getUpdateRevision());
    });
    Thread.sleep(1000);
    assertThat(h.pods()).hasSize(2)
        .allMatch(p -> serving.equals(p.getMetadata().getLabels().get(FerryNames.REVISION_LABEL)));
    assertThat(h.serving()).hasSize(2);
    assertThat(condition(Conditions.ROLLBACK_REFUSED).getMessage()).contains("schema version 2.0 was contracted at");
  }

  @Test
  void anOperatorRestartBetweenExpandAndContractRunsNeitherTwice() throws Exception {
    String old = deployHealthy(4, ld -> { });
    release("2.0");
    await().atMost(Duration.ofSeconds(30)).until(() -> healthyOnAnotherThan(old)
        && "RollbackWindowOpen".equals(schemaReason()));
    String expandUid = jobNamed(job("expand", "2.0")).getMetadata().getUid();

    h.stopOperator();
    Thread.sleep(1000);
    h.startOperator();

    await().atMost(Duration.ofSeconds(20)).until(() ->
        h.ld("mqtt").getStatus().getSchema().getPhase() == SchemaPhase.CONTRACTED);
    assertThat(jobNamed(job("expand", "2.0")).getMetadata().getUid()).isEqualTo(expandUid);
    List<String> names = h.cluster.seenJobs().stream().map(j -> j.substring(0, j.indexOf('/'))).toList();
    assertThat(names).as("every Job created once").doesNotHaveDuplicates().contains(job("contract", "2.0"));
    assertThat(h.events()).filteredOn(e -> "ExpandStarted".equals(e.getReason()))
        .filteredOn(e -> e.getMessage().contains("2.0")).singleElement()
        .satisfies(e -> assertThat(e.getCount()).as("said once").isEqualTo(1));
    assertThat(h.ld("mqtt").getStatus().getSchema().getContracted()).filteredOn(c -> "2.0".equals(c.getVersion()))
        .singleElement().satisfies(c -> assertThat(c.getRetired()).containsExactly("1.0"));
  }
}
