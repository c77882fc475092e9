package dev.ferry.lab.scenario;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.Conditions;
import dev.ferry.api.v1alpha1.LifecycleSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.MigrationsSpec;
import dev.ferry.api.v1alpha1.PostgresSessionCheck;
import dev.ferry.api.v1alpha1.SchemaPhase;
import dev.ferry.api.v1alpha1.SchemaStatus;
import dev.ferry.api.v1alpha1.SessionCheck;
import dev.ferry.lab.cluster.ClusterConfig;
import dev.ferry.lab.cluster.EmbeddedCluster;
import dev.ferry.lab.cluster.Workloads;
import dev.ferry.lab.db.LabPostgres;
import dev.ferry.lab.net.Balancing;
import dev.ferry.lab.report.ScenarioReport;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs a schema-migration scenario on a fresh embedded cluster and a fresh PostgreSQL database: the
 * people service (a PostgreSQL-backed HTTP service whose versions 1.0, 2.1, 2.2 and 2.3 move a
 * person's address from PERSON to ADDRESS) under a steady load of reads and writes through an
 * ingress, released two ways:
 *
 * <ul>
 *   <li>{@code schema}: a LosslessDeployment (Rolling, the {@code http} drain, a lifecycle as
 *       {@code http-ferry} has) with {@code spec.migrations}: each version's expand and contract Jobs
 *       ({@code people-migrate:<version>}), a short rollback window and the PostgreSQL session
 *       check. For each step 1.0 → 2.1 → 2.2 → 2.3: start the release, roll back in its middle (new
 *       pods serve, old ones still do) and wait until the old version alone serves; then release
 *       again, to the end, and wait for the contract. Finally a rollback after the last contract,
 *       which Ferry must refuse.
 *   <li>{@code schema-bigbang}: plain Kubernetes: one migration Job that moves the columns at once
 *       ({@code bigbang}), then a Deployment-style rolling update 1.0 → 2.3 (two ReplicaSets, maxSurge
 *       1, maxUnavailable 1), then a rollback to 1.0 the same way.
 * </ul>
 *
 * Afterwards the load stops and the data is checked: every acknowledged write must be there, and
 * every person's address the same in both representations where both exist. Every wait has a
 * deadline and fails the scenario with what it waited for.
 */
public final class SchemaScenarioRunner {

  static final String APP = "people";
  static final String DB_SECRET = "people-db";
  static final String MONITOR_SECRET = "people-db-monitor";
  static final List<String> VERSIONS = List.of("1.0", "2.1", "2.2", "2.3");
  /**
   * One pod more at a time and none less: old pods keep serving until a new one serves (what a
   * release of a stateful service usually sets), and so a release has a middle where both do.
   */
  public static final int MAX_SURGE = 1;
  public static final int MAX_UNAVAILABLE = 0;
  /** Retries of a failed migration pod: a migration that fails once fails again; the lab keeps it short. */
  static final int MIGRATION_BACKOFF_LIMIT = 1;

  private SchemaScenarioRunner() {}

  public static ScenarioReport run(Scenario scenario, SchemaSettings s, LabPostgres postgres, Consumer<String> progress) {
    return run(scenario, s, postgres, dev.ferry.lab.cluster.Kube.EMBEDDED, progress);
  }

  /** Runs the scenario on the Kubernetes {@code kube} says. */
  public static ScenarioReport run(Scenario scenario, SchemaSettings s, LabPostgres postgres, dev.ferry.lab.cluster.Kube kube,
      Consumer<String> progress) {
    if (!scenario.schemaMigration()) {
      throw new IllegalArgumentException(scenario.id() + " is not a schema-migration scenario");
    }
    LabPostgres.Database db = postgres.freshDatabase("lab_" + scenario.id().replace('-', '_'));
    progress.accept("[" + scenario.id() + "] database " + db);
    ClusterConfig config = ClusterConfig.builder()
        .podStartup(s.podStartup())
        .propagationDelay(s.propagation())
        .balancing(Balancing.RANDOM)
        .kube(kube)
        .build();
    try (EmbeddedCluster cluster = EmbeddedCluster.start(config)) {
      return new Run(scenario, s, cluster, db, progress).run();
    }
  }

  // ---------------------------------------------------------------- the objects

  static String image(String version) {
    return APP + ":" + version;
  }

  static String migrateImage(String version) {
    return APP + "-migrate:" + version;
  }

  /** The database connection from the Secret, as a real manifest has it: never a literal password. */
  static List<EnvVar> databaseEnv() {
    return List.of(secretEnv("JDBC_URL", "url"), secretEnv("DB_USER", "username"), secretEnv("DB_PASSWORD", "password"));
  }

  private static EnvVar secretEnv(String name, String key) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef(key, DB_SECRET, false)
        .endValueFrom().build();
  }

  /** A pod template of the people service at {@code version}: readiness {@code GET /ready}, the database from the Secret. */
  static PodTemplateSpec peopleTemplate(String version, Map<String, String> extraLabels, SchemaSettings s) {
    PodTemplateSpec t = Workloads.appTemplate(APP, image(version), extraLabels,
        Map.of("STARTUP_MS", String.valueOf(s.podStartup().toMillis())));
    var c = t.getSpec().getContainers().get(0);
    List<EnvVar> env = new ArrayList<>(c.getEnv());
    env.addAll(databaseEnv());
    c.setEnv(env);
    return t;
  }

  /** A migration Job's template: {@code people-migrate:<version>} running {@code step}, once retried. */
  static JobTemplateSpec migrationJob(String version, String step) {
    return new JobTemplateSpecBuilder()
        .withNewSpec()
          .withBackoffLimit(MIGRATION_BACKOFF_LIMIT)
          .withNewTemplate()
            .withNewMetadata().addToLabels("app", APP + "-migrate").endMetadata()
            .withNewSpec()
              .withRestartPolicy("Never")
              .addNewContainer()
                .withName("migrate").withImage(migrateImage(version)).withArgs(step)
                .withEnv(databaseEnv())
                .withTerminationMessagePolicy("FallbackToLogsOnError")
              .endContainer()
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  /** {@code spec.migrations} of {@code version}: its expand, its contract (1.0 has none), the window, the session check. */
  static MigrationsSpec migrations(String version, SchemaSettings s) {
    MigrationsSpec m = new MigrationsSpec();
    m.setSchemaVersion(version);
    m.setExpand(migrationJob(version, "expand"));
    if (!version.equals(VERSIONS.get(0))) {
      m.setContract(migrationJob(version, "contract"));
    }
    m.setRollbackWindowSeconds(s.rollbackWindowSeconds());
    PostgresSessionCheck pg = new PostgresSessionCheck();
    pg.setSecretName(MONITOR_SECRET);
    pg.setApplicationNamePrefix(PeopleAdapter.APPLICATION_NAME_PREFIX);
    SessionCheck check = new SessionCheck();
    check.setPostgres(pg);
    m.setSessionCheck(check);
    return m;
  }

  /** What the schema scenario gives the operator: as http-ferry's, sized to the propagation delay. */
  static LifecycleSpec lifecycle(SchemaSettings s) {
    int lag = (int) Math.ceil(s.propagation().toMillis() / 1000.0);
    LifecycleSpec l = new LifecycleSpec();
    l.setWarmupSeconds(0);
    l.setShutdownSeconds(10);
    l.setPreStopSleepSeconds(lag + 1);
    l.setDelayOnlineSeconds(1);
    l.setPropagationSeconds(lag + 1);
    return l;
  }

  static LosslessDeployment losslessDeployment(String version, SchemaSettings s) {
    LosslessDeployment ld = Workloads.appLosslessDeployment(APP, s.replicas(), image(version), Map.of(), MAX_SURGE,
        MAX_UNAVAILABLE, lifecycle(s), true);
    ld.getSpec().setTemplate(peopleTemplate(version, Map.of(), s));
    ld.getSpec().setMigrations(migrations(version, s));
    return ld;
  }

  /** The spec of {@code version}: what a release (or a rollback, which is a release too) writes. */
  static void setVersion(LosslessDeployment ld, String version, SchemaSettings s) {
    ld.getSpec().setTemplate(peopleTemplate(version, Map.of(), s));
    ld.getSpec().setMigrations(migrations(version, s));
  }

  // ---------------------------------------------------------------- pure reading of pods

  static String imageOf(Pod p) {
    return p.getSpec().getContainers().get(0).getImage();
  }

  static boolean isApp(Pod p) {
    return p.getMetadata().getLabels() != null && APP.equals(p.getMetadata().getLabels().get("app"));
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static boolean terminating(Pod p) {
    return p.getMetadata().getDeletionTimestamp() != null;
  }

  /** In the middle of a release: a pod of the new version serves, and one of the old still does. */
  static boolean midRelease(List<Pod> pods, String fromImage, String toImage) {
    List<Pod> app = pods.stream().filter(SchemaScenarioRunner::isApp).toList();
    return app.stream().anyMatch(p -> toImage.equals(imageOf(p)) && ready(p) && !terminating(p))
        && app.stream().anyMatch(p -> fromImage.equals(imageOf(p)) && ready(p) && !terminating(p));
  }

  /** Only {@code image} runs: {@code replicas} ready pods of it, nothing else of the app (not even terminating). */
  static boolean servesOnly(List<Pod> pods, String image, int replicas) {
    List<Pod> app = pods.stream().filter(SchemaScenarioRunner::isApp).toList();
    return app.size() == replicas && app.stream().allMatch(p -> image.equals(imageOf(p)) && ready(p) && !terminating(p));
  }

  /** A rollback succeeded when the old version alone serves again and no request failed meanwhile. */
  static String rollbackOutcome(boolean backOnOld, long failedDuring) {
    return backOnOld && failedDuring == 0 ? ScenarioReport.Rollback.SUCCEEDED : ScenarioReport.Rollback.FAILED;
  }

  static Condition condition(LosslessDeployment ld, String type) {
    if (ld == null || ld.getStatus() == null || ld.getStatus().getConditions() == null) {
      return null;
    }
    return ld.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  // ---------------------------------------------------------------- the run

  private static final class Run {
    final Scenario scenario;
    final SchemaSettings s;
    final EmbeddedCluster c;
    final LabPostgres.Database db;
    final Consumer<String> progress;
    final List<ScenarioReport.Rollback> rollbacks = new ArrayList<>();
    final List<ScenarioReport.Step> steps = new ArrayList<>();
    final List<ScenarioReport.Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    final long started = System.nanoTime();
    volatile String phase = "deploy";
    PeopleAdapter.Traffic traffic;

    Run(Scenario scenario, SchemaSettings s, EmbeddedCluster c, LabPostgres.Database db, Consumer<String> progress) {
      this.scenario = scenario;
      this.s = s;
      this.c = c;
      this.db = db;
      this.progress = progress;
    }

    ScenarioReport run() {
      PeopleAdapter.baseline(db);
      Map<String, String> secret = Map.of(FerryNames.SESSION_CHECK_URL_KEY, db.jdbcUrl(),
          FerryNames.SESSION_CHECK_USERNAME_KEY, db.user(), FerryNames.SESSION_CHECK_PASSWORD_KEY, db.password());
      c.createSecret(DB_SECRET, secret);
      c.createSecret(MONITOR_SECRET, secret);
      c.create(Workloads.appService(APP, "http", 8080));
      ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lab-schema-progress");
        t.setDaemon(true);
        return t;
      });
      ticker.scheduleAtFixedRate(() -> progress.accept(progressLine()), 2, 2, TimeUnit.SECONDS);
      try {
        if (scenario == Scenario.SCHEMA) {
          deployFerry();
          startLoad();
          ferrySteps();
        } else {
          deployPlain();
          startLoad();
          bigBang();
        }
        phase = "after";
        ScenarioRunner.sleep(s.settle());
        phase = "consistency check";
        PeopleAdapter.Result result = traffic.stopAndCheck(db, s.timeout());
        long seconds = Math.round((System.nanoTime() - started) / 1e9);
        progress.accept(String.format("[%s] done: %d requests, %d failed %s; %d acknowledged writes, %d inconsistent"
                + " rows, %d lost rows", scenario.id(), result.sent(), result.failed(), result.failedByKind(),
            result.acknowledgedWrites(), result.inconsistentRows(), result.lostRows()));
        List<String> versions = scenario == Scenario.SCHEMA ? VERSIONS : List.of("1.0", "2.3");
        return ScenarioReport.ofSchema(scenario.id(), scenario.description(), seconds, new ScenarioReport.Schema(
            versions, result.sent(), result.failed(), result.failedByKind(), result.failedDetails(),
            result.acknowledgedWrites(), result.inconsistentRows(), result.lostRows(), List.copyOf(rollbacks),
            List.copyOf(steps), db.toString(), result.sentPerSecond(), result.failedPerSecond(), List.copyOf(events)));
      } finally {
        ticker.shutdownNow();
        if (traffic != null) {
          traffic.close();
        }
      }
    }

    void startLoad() {
      c.awaitServiceAddress(APP, "http", Duration.ofSeconds(30));
      InetSocketAddress ingress = c.startIngress(APP, "http", s.propagation());
      ScenarioRunner.sleep(s.propagation().plusMillis(500)); // the ingress learns the pods
      traffic = PeopleAdapter.Traffic.start(scenario.id(), "http://" + ingress.getHostString() + ":" + ingress.getPort(),
          s.ratePerSecond(), s.people());
      phase = "steady";
      ScenarioRunner.sleep(s.settle());
    }

    // ------------------------------------------------------------ schema (Ferry)

    void deployFerry() {
      c.startOperator();
      c.create(losslessDeployment(VERSIONS.get(0), s));
      await("LosslessDeployment " + APP + " Healthy with " + s.replicas() + " ready pods of " + image("1.0"),
          () -> healthy() && servesOnly(c.pods(), image("1.0"), s.replicas()), this::state);
    }

    void ferrySteps() {
      for (int i = 1; i < VERSIONS.size(); i++) {
        String from = VERSIONS.get(i - 1);
        String to = VERSIONS.get(i);
        long t0 = System.nanoTime();
        long failedBefore = traffic.failed();
        String oldRevision = ld().getStatus().getCurrentRevision();

        phase = from + " -> " + to + ": release";
        mark("release " + to);
        release(to);
        String middle = "the middle of the release " + from + " -> " + to + " (a pod of " + to + " and one of " + from
            + " ready)";
        boolean[] over = new boolean[1];
        await(middle, () -> {
          List<Pod> pods = c.pods();
          over[0] = servesOnly(pods, image(to), s.replicas());
          return over[0] || midRelease(pods, image(from), image(to));
        }, this::state);
        if (over[0]) {
          throw new IllegalStateException("[" + scenario.id() + "] the release " + from + " -> " + to
              + " completed before its middle was seen: " + state());
        }
        rollbackMidRelease(from, to, oldRevision);

        phase = from + " -> " + to + ": release again";
        mark("release " + to + " again");
        release(to);
        await("the release " + from + " -> " + to + " to complete (Healthy, " + s.replicas() + " ready pods of " + to
                + " and nothing else)",
            () -> healthy() && !Objects.equals(oldRevision, ld().getStatus().getCurrentRevision())
                && servesOnly(c.pods(), image(to), s.replicas()), this::state);
        phase = from + " -> " + to + ": contract";
        mark(to + " serves alone");
        await("the contract of " + to + " (status.schema version " + to + ", phase Contracted)",
            () -> schemaIs(to, SchemaPhase.CONTRACTED), this::state);
        mark(to + " contracted");
        steps.add(new ScenarioReport.Step(from, to, schemaPhase(), traffic.failed() - failedBefore,
            (System.nanoTime() - t0) / 1e9));
        progress.accept(String.format("[%s] step %s -> %s done in %.0fs: schema %s, %d requests failed",
            scenario.id(), from, to, (System.nanoTime() - t0) / 1e9, schemaPhase(), traffic.failed() - failedBefore));
      }
      rollbackAfterContract(VERSIONS.get(VERSIONS.size() - 1), VERSIONS.get(VERSIONS.size() - 2));
    }

    void rollbackMidRelease(String from, String to, String oldRevision) {
      phase = from + " -> " + to + ": rollback to " + from;
      long t0 = System.nanoTime();
      long failed0 = traffic.failed();
      progress.accept("[" + scenario.id() + "] rollback " + to + " -> " + from + " in the middle of the release: "
          + podSummary());
      mark("rollback to " + from);
      release(from);
      boolean back = awaitOrFalse(() -> healthy() && Objects.equals(oldRevision, ld().getStatus().getCurrentRevision())
          && servesOnly(c.pods(), image(from), s.replicas()));
      mark(back ? from + " serves alone again" : "rollback to " + from + " given up");
      long failedDuring = traffic.failed() - failed0;
      String outcome = rollbackOutcome(back, failedDuring);
      String detail = back ? "back on revision " + oldRevision + " (" + from + " alone serves)"
          : "not back on " + from + " within " + s.timeout().toSeconds() + " s: " + state();
      rollbacks.add(new ScenarioReport.Rollback(to, from, ScenarioReport.Rollback.MID_RELEASE, outcome, failedDuring,
          (System.nanoTime() - t0) / 1e9, detail));
      progress.accept("[" + scenario.id() + "] rollback " + to + " -> " + from + ": " + outcome + ", " + failedDuring
          + " requests failed meanwhile; " + detail);
      if (!back) {
        throw new IllegalStateException("rollback " + to + " -> " + from + " did not complete: " + detail);
      }
    }

    /** The template back to {@code to} after {@code from}'s contract retired it: Ferry must refuse, and keep {@code from}. */
    void rollbackAfterContract(String from, String to) {
      phase = "rollback " + from + " -> " + to + " after the contract";
      long t0 = System.nanoTime();
      long failed0 = traffic.failed();
      String serving = ld().getStatus().getCurrentRevision();
      mark("rollback to " + to + " (after the contract)");
      release(to);
      boolean refused = awaitOrFalse(() -> {
        Condition rc = condition(ld(), Conditions.ROLLBACK_REFUSED);
        return rc != null && "True".equals(rc.getStatus());
      });
      Condition rc = condition(ld(), Conditions.ROLLBACK_REFUSED);
      // Refused means the serving version stayed: same revision, only its pods, and no pod of the old one started.
      ScenarioRunner.sleep(Duration.ofSeconds(2));
      boolean kept = Objects.equals(serving, ld().getStatus().getCurrentRevision())
          && servesOnly(c.pods(), image(from), s.replicas());
      long failedDuring = traffic.failed() - failed0;
      String outcome = refused && kept ? ScenarioReport.Rollback.REFUSED : ScenarioReport.Rollback.FAILED;
      String detail = rc == null ? "no RollbackRefused condition within " + s.timeout().toSeconds() + " s: " + state()
          : rc.getReason() + ": " + rc.getMessage() + (kept ? "" : "; but " + from + " no longer serves alone: " + state());
      rollbacks.add(new ScenarioReport.Rollback(from, to, ScenarioReport.Rollback.AFTER_CONTRACT, outcome, failedDuring,
          (System.nanoTime() - t0) / 1e9, detail));
      progress.accept("[" + scenario.id() + "] rollback " + from + " -> " + to + " after the contract: " + outcome + "; "
          + detail);
      mark("rollback " + outcome);
      // Back to what serves, as an operator would after reading the condition.
      release(from);
      awaitOrFalse(() -> condition(ld(), Conditions.ROLLBACK_REFUSED) == null
          || !"True".equals(condition(ld(), Conditions.ROLLBACK_REFUSED).getStatus()));
    }

    void release(String version) {
      c.editLosslessDeployment(APP, ld -> {
        setVersion(ld, version, s);
        return ld;
      });
    }

    LosslessDeployment ld() {
      return c.client().resources(LosslessDeployment.class).inNamespace(c.namespace()).withName(APP).get();
    }

    boolean healthy() {
      LosslessDeployment ld = ld();
      return ld != null && ld.getStatus() != null && ld.getStatus().getPhase() == LosslessDeploymentPhase.HEALTHY;
    }

    boolean schemaIs(String version, SchemaPhase phase) {
      LosslessDeployment ld = ld();
      SchemaStatus st = ld == null || ld.getStatus() == null ? null : ld.getStatus().getSchema();
      return st != null && version.equals(st.getVersion()) && st.getPhase() == phase;
    }

    String schemaPhase() {
      LosslessDeployment ld = ld();
      SchemaStatus st = ld == null || ld.getStatus() == null ? null : ld.getStatus().getSchema();
      return st == null ? "-" : st.getVersion() + " " + st.getPhase();
    }

    // ------------------------------------------------------------ schema-bigbang (plain Kubernetes)

    void deployPlain() {
      DeploymentRollout.deploy(c, APP, "v1", template("v1", VERSIONS.get(0)), s.replicas(), MAX_SURGE, MAX_UNAVAILABLE);
      await(s.replicas() + " ready pods of " + image("1.0"), () -> servesOnly(c.pods(), image("1.0"), s.replicas()),
          this::state);
    }

    /** The people service at {@code version}, its pods labelled {@code version=<name>}. */
    PodTemplateSpec template(String name, String version) {
      return peopleTemplate(version, Map.of("version", name), s);
    }

    void bigBang() {
      String from = VERSIONS.get(0);
      String to = VERSIONS.get(VERSIONS.size() - 1);
      long t0 = System.nanoTime();
      long failed0 = traffic.failed();
      // One migration before the update, as a CI pipeline or a Helm pre-upgrade hook runs it.
      phase = "migration Job (bigbang)";
      Job job = new JobBuilder().withNewMetadata().withName(APP + "-bigbang").endMetadata()
          .withSpec(migrationJob(to, "bigbang").getSpec()).build();
      mark("bigbang Job");
      c.create(job);
      String jobResult = c.awaitJobFinished(job.getMetadata().getName(), s.timeout());
      if (jobResult == null) {
        throw new IllegalStateException("the bigbang Job did not finish within " + s.timeout() + ": " + state());
      }
      progress.accept("[" + scenario.id() + "] migration Job " + jobResult + "; requests failed so far: "
          + (traffic.failed() - failed0));
      mark("bigbang Job " + jobResult + "; rolling update to " + to);
      phase = "rolling update " + from + " -> " + to;
      boolean rolled = DeploymentRollout.roll(c, APP, "v1", "v2", template("v2", to), image(to), s.replicas(),
          MAX_SURGE, MAX_UNAVAILABLE, s.timeout());
      if (!rolled) {
        throw new IllegalStateException("the rolling update to " + to + " did not complete within " + s.timeout()
            + ": " + state());
      }
      mark(to + " serves alone");
      steps.add(new ScenarioReport.Step(from, to, "bigbang Job " + jobResult, traffic.failed() - failed0,
          (System.nanoTime() - t0) / 1e9));
      progress.accept(String.format("[%s] update %s -> %s done in %.0fs, %d requests failed", scenario.id(), from, to,
          (System.nanoTime() - t0) / 1e9, traffic.failed() - failed0));

      // kubectl rollout undo: the old ReplicaSet back up, the new one down, the same way.
      phase = "rollback " + to + " -> " + from;
      long t1 = System.nanoTime();
      long failed1 = traffic.failed();
      mark("rollback to " + from);
      Duration rollbackTimeout = s.timeout().compareTo(Duration.ofSeconds(30)) < 0 ? s.timeout() : Duration.ofSeconds(30);
      boolean back = DeploymentRollout.roll(c, APP, "v2", "v1", template("v1", from), image(from), s.replicas(), MAX_SURGE,
          MAX_UNAVAILABLE, rollbackTimeout);
      mark(back ? from + " pods serve again" : "rollback to " + from + " given up");
      long failedDuring = traffic.failed() - failed1;
      String detail = back ? from + " pods ready again; " + failedDuring + " requests failed meanwhile"
          : from + " alone not serving after " + rollbackTimeout.toSeconds() + " s: " + state();
      rollbacks.add(new ScenarioReport.Rollback(to, from, ScenarioReport.Rollback.AFTER_MIGRATION,
          rollbackOutcome(back, failedDuring), failedDuring, (System.nanoTime() - t1) / 1e9, detail));
      progress.accept("[" + scenario.id() + "] rollback " + to + " -> " + from + ": " + rollbackOutcome(back, failedDuring)
          + "; " + detail);
    }

    // ------------------------------------------------------------ waiting and telling

    /** Notes what the scenario does now, at the load's current second (for the report's chart). */
    void mark(String what) {
      if (traffic != null) {
        events.add(new ScenarioReport.Event(traffic.second(), what));
      }
    }

    void await(String what, BooleanSupplier done, Supplier<String> state) {
      if (!EmbeddedCluster.await(done, s.timeout())) {
        throw new IllegalStateException("[" + scenario.id() + "] timed out after " + s.timeout().toSeconds()
            + " s waiting for " + what + "; cluster: " + state.get());
      }
    }

    boolean awaitOrFalse(BooleanSupplier done) {
      return EmbeddedCluster.await(done, s.timeout());
    }

    /** The app's pods and the migration pods that have not succeeded, with the version each runs. */
    String podSummary() {
      List<String> out = new ArrayList<>();
      int migrationsDone = 0;
      for (Pod p : c.pods()) {
        if (!isApp(p) && p.getStatus() != null && "Succeeded".equals(p.getStatus().getPhase())) {
          migrationsDone++;
          continue;
        }
        String name = p.getMetadata().getName();
        String img = imageOf(p);
        out.add(name.replace(APP + "-", "") + "=" + img.substring(img.indexOf(':') + 1)
            + (terminating(p) ? "(terminating)" : ready(p) ? "" : "(" + p.getStatus().getPhase() + ")"));
      }
      out.sort(null);
      return out + (migrationsDone > 0 ? " +" + migrationsDone + " migration pods succeeded" : "");
    }

    String state() {
      try {
        StringBuilder b = new StringBuilder("pods ").append(podSummary());
        if (scenario == Scenario.SCHEMA) {
          LosslessDeployment ld = ld();
          if (ld != null && ld.getStatus() != null) {
            b.append(" phase=").append(ld.getStatus().getPhase()).append(" schema=").append(schemaPhase())
                .append(" message=\"").append(ld.getStatus().getMessage()).append('"');
            Condition m = condition(ld, Conditions.SCHEMA_MIGRATED);
            if (m != null) {
              b.append(" SchemaMigrated=").append(m.getStatus()).append('/').append(m.getReason()).append(": ")
                  .append(m.getMessage());
            }
          }
        }
        return b.toString();
      } catch (RuntimeException e) {
        return "(cluster not readable: " + e + ")";
      }
    }

    String progressLine() {
      long t = Math.round((System.nanoTime() - started) / 1e9);
      PeopleAdapter.Traffic tr = traffic;
      String load = tr == null ? "no load yet" : tr.sent() + " sent, " + tr.failed() + " failed";
      return String.format("[%s] %3ds  %s  %s  %s", scenario.id(), t, phase, load, state());
    }
  }
}
