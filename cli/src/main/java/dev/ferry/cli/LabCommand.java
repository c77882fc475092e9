package dev.ferry.cli;

import dev.ferry.core.sim.StrategyModel;
import dev.ferry.core.sim.StrategyModel.Result;
import dev.ferry.core.sim.StrategyModel.Settings;
import dev.ferry.lab.fleet.MqttProtocol;
import dev.ferry.lab.report.ReportWriter;
import dev.ferry.lab.report.ScenarioReport;
import dev.ferry.lab.cluster.Kube;
import dev.ferry.lab.scenario.BrokerPods;
import dev.ferry.lab.scenario.LabSettings;
import dev.ferry.lab.scenario.RequestScenarioRunner;
import dev.ferry.lab.scenario.RequestSettings;
import dev.ferry.lab.scenario.Scenario;
import dev.ferry.lab.scenario.ScenarioRunner;
import dev.ferry.lab.scenario.SchemaScenarioRunner;
import dev.ferry.lab.scenario.SchemaSettings;
import dev.ferry.lab.db.LabPostgres;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry lab}: what a release does to every client, strategy against strategy. */
@Command(
    name = "lab",
    mixinStandardHelpOptions = true,
    description = "Shows what a release does to every client, strategy against strategy.",
    subcommands = {LabCommand.Compare.class})
public final class LabCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(
      name = "compare",
      mixinStandardHelpOptions = true,
      description = {
        "Runs release strategies one after the other, each on a fresh embedded cluster (the real operator,",
        "an embedded Kubernetes API, lab brokers on loopback addresses) with the same fleet of real MQTT",
        "clients, and reports what each did to them: a table, report.json, report.html and PNG charts",
        "(timeline.png: every strategy on one time axis with the release's steps; operator.png: the operator's",
        "dashboard during the Ferry release)."
      })
  static final class Compare implements Callable<Integer> {
    @Option(names = "--scenarios", split = ",", defaultValue = "rolling,bluegreen-plain,ferry",
        description = "which to run, in order (default ${DEFAULT-VALUE}); MQTT: rolling, bluegreen-plain, ferry,"
            + " rebalance, scale-out, adopt, emqx-operator (the EMQX Operator's blue-green, imitated from its source);"
            + " under the faults its users met, each against it and against Ferry: emqx-operator-rollback, ferry-rollback,"
            + " emqx-operator-bad-image, ferry-bad-image, emqx-operator-bad-image-revert, ferry-bad-image-revert,"
            + " emqx-operator-late-join, ferry-late-join,"
            + " emqx-operator-rebalance-balanced, ferry-rebalance-balanced; request/response: http-k8s, http-ferry,"
            + " dubbo-k8s, dubbo-ferry; schema migrations (PostgreSQL): schema, schema-bigbang")
    List<String> scenarios;

    @Option(names = "--replicas", defaultValue = "4",
        description = "request/response scenarios: pods of the service (default ${DEFAULT-VALUE})")
    int replicas;

    @Option(names = "--request-rate", defaultValue = "300",
        description = "request/response scenarios: requests per second on each path, fixed (default ${DEFAULT-VALUE})")
    double requestRate;

    @Option(names = "--warmup", defaultValue = "10",
        description = "request/response Ferry scenarios: a new pod's warmup, seconds (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--nodes", description = "broker pods (default 3, the seed's cluster, or as many as the clients"
        + " need: a broker pod's process here opens at most its open-file limit)")
    Integer nodes;

    @Option(names = "--clients", defaultValue = "2000", description = "MQTT clients (default ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--protocol", defaultValue = "5", description = "MQTT version: 5 or 3.1.1 (default ${DEFAULT-VALUE})")
    String protocol;

    @Option(names = "--publish-rate", defaultValue = "200", description = "QoS 1 messages per second to the clients (default ${DEFAULT-VALUE})")
    double publishRate;

    @Option(names = "--backoff", description = "clients reconnect with exponential backoff and jitter (default: at once)")
    boolean backoff;

    @Option(names = "--conn-evict-rate", defaultValue = "200", description = "Ferry's eviction rate per second (default ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--startup", defaultValue = "2", description = "seconds a new pod takes to become ready (default ${DEFAULT-VALUE})")
    int startup;

    @Option(names = "--initial-delay", defaultValue = "2", description = "seconds between the switch and the first drain (default ${DEFAULT-VALUE})")
    int initialDelay;

    @Option(names = "--wait-takeover", defaultValue = "2", description = "Ferry's takeover wait per node, seconds (default ${DEFAULT-VALUE})")
    int waitTakeover;

    @Option(names = "--propagation-ms", defaultValue = "-1",
        description = "how late the Service learns of endpoint changes (default: 500 for the MQTT scenarios,"
            + " 1000 for the request/response ones, whose ingress is 1000 ms late too)")
    int propagationMillis;

    @Option(names = "--eviction-slices", defaultValue = "1",
        description = "how the lab brokers spread each second's evictions: 1 = all at once, as EMQX does"
            + " (default); 20 = a twentieth every 50 ms, kinder than EMQX (the report says so); a divisor of 1000"
            + " up to 100")
    int evictionSlices;

    @Option(names = "--emqx-api", defaultValue = "v5",
        description = "the EMQX the lab brokers behave as, and the API Ferry speaks to them: v5 (EMQX 5.10"
            + " Enterprise, the default) or v4 (EMQX Enterprise 4.4: port 8081, /api/v4)")
    String emqxApi;

    @Option(names = "--drain-parallel", defaultValue = "1",
        description = "Ferry's drain.parallel: old nodes drained at once, each at the rate divided by it, started"
            + " that share of a second apart (default ${DEFAULT-VALUE})")
    int drainParallel;

    @Option(names = "--kube", defaultValue = "embedded",
        description = "the Kubernetes the MQTT scenarios run on: embedded (fabric8's mock API server with the lab's own"
            + " controllers; no Go needed; the default) or real (etcd, kube-apiserver and kube-controller-manager built"
            + " from their Go modules on first use, run in the lab's network namespace)")
    String kube;

    @Option(names = "--improve", split = ",", paramLabel = "NAME",
        description = "make the lab brokers kinder than EMQX, by name (the report lists them):"
            + " even-rebalance, ready-after-routes, redirect-over-rest, live-evacuation-stats")
    List<String> improve = new ArrayList<>();

    @Option(names = "--fleet-processes", defaultValue = "-1",
        description = "run the fleet as this many shard processes, each a node with its own kube-proxy"
            + " (default: in this process up to " + LabSettings.IN_PROCESS_MAX_CLIENTS + " clients, else one per "
            + LabSettings.CLIENTS_PER_SHARD + ")")
    int fleetProcesses;

    @Option(names = "--broker-processes", negatable = true,
        description = "run each broker pod in a JVM of its own (default: when the fleet is sharded)")
    Boolean brokerProcesses;

    @Option(names = "--jdbc-url",
        description = "schema scenarios: a PostgreSQL server to use (jdbc:postgresql://host:port/db; the user must"
            + " be allowed to create databases: each scenario gets a fresh one); default: an embedded PostgreSQL,"
            + " or $FERRY_LAB_JDBC_URL")
    String jdbcUrl;

    @Option(names = "--db-user", description = "schema scenarios: the user for --jdbc-url (default: $FERRY_LAB_DB_USER)")
    String dbUser;

    @Option(names = "--db-password-file",
        description = "schema scenarios: a file holding the password for --jdbc-url (default: $FERRY_LAB_DB_PASSWORD);"
            + " never on the command line")
    Path dbPasswordFile;

    @Option(names = "--rollback-window", defaultValue = "5",
        description = "schema scenario: Ferry's rollbackWindowSeconds, the least time between a release's end and"
            + " its contract (default ${DEFAULT-VALUE})")
    int rollbackWindow;

    @Option(names = "--model", description = "run the plans on the in-memory model instead (no sockets; about a second)")
    boolean model;

    @Option(names = "--report", description = "write report.json and report.html into this folder")
    Path report;

    @Override
    public Integer call() {
      PrintStream out = System.out;
      List<Scenario> chosen = new ArrayList<>();
      // Every flag is checked before anything starts; an error names the flag (the top-level handler
      // prints it as "ferry lab compare: error: ...", exit 2).
      try {
        scenarios.forEach(name -> chosen.add(Scenario.of(name)));
        emqxProfile();
      } catch (IllegalArgumentException e) {
        throw new CliError(e.getMessage(), e);
      }
      Kube k;
      try {
        k = Kube.of(kube);
      } catch (IllegalArgumentException e) {
        throw new CliError(e.getMessage(), e);
      }
      long maxFiles = dev.ferry.lab.fleet.OpenFileBudget.ofThisProcess().max();
      int shards = fleetProcesses < 0 ? LabSettings.fleetProcessesFor(clients) : fleetProcesses;
      boolean podsInOwnJvms = brokerProcesses == null ? shards > 0 : brokerProcesses;
      // Only a broker pod in a process of its own has a budget of its own to outgrow.
      boolean podsInProcesses = !model && podsInOwnJvms;
      if (nodes == null) {
        nodes = podsInProcesses ? BrokerPods.needed(clients, maxFiles) : BrokerPods.SEED;
      }
      validate(chosen, k);
      boolean podsFit = !podsInProcesses || (long) clients <= nodes * BrokerPods.capacity(maxFiles);
      require(podsFit,
          String.format(Locale.ROOT, "--nodes %d: %,d clients would put %,d on each broker pod, and a pod's process here opens"
              + " at most %,d files; use --nodes %d or more", nodes, clients, (clients + nodes - 1) / nodes, maxFiles,
              BrokerPods.needed(clients, maxFiles)));
      String morePods = BrokerPods.why(clients, nodes, maxFiles);
      if (report != null) {
        checkReportFolder(report);
      }
      List<ScenarioReport> results;
      Object settings;
      String mode;
      if (model) {
        Settings m = new Settings(nodes, clients, rate, startup, initialDelay, waitTakeover);
        out.printf(Locale.ROOT, "MODEL RUN: the real plans on an in-memory cluster (no sockets; clients reconnect after 1 s).%n%n");
        results = StrategyModel.compare(m).stream().map(r -> fromModel(r, rate)).toList();
        settings = m;
        mode = "model";
      } else {
        MqttProtocol mqtt = protocol.startsWith("3") ? MqttProtocol.V3_1_1 : MqttProtocol.V5;
        LabSettings s = new LabSettings(nodes, clients, mqtt, publishRate, backoff, rate,
            Duration.ofSeconds(startup), Duration.ofSeconds(initialDelay), Duration.ofSeconds(waitTakeover),
            Duration.ofMillis(propagationMillis < 0 ? 500 : propagationMillis),
            releaseTimeout(clients, rate, nodes, waitTakeover, startup), emqxProfile(), shards,
            podsInOwnJvms, drainParallel, Kube.of(kube));
        RequestSettings rs = RequestSettings.defaults().withReplicas(replicas).withRate(requestRate)
            .withStartup(Duration.ofSeconds(startup)).withWarmupSeconds(warmup)
            .withPropagation(propagationMillis < 0 ? RequestSettings.defaults().propagation() : Duration.ofMillis(propagationMillis));
        boolean anyMqtt = chosen.stream().anyMatch(sc -> !sc.requestResponse() && !sc.schemaMigration());
        boolean anyRequests = chosen.stream().anyMatch(Scenario::requestResponse);
        boolean anySchema = chosen.stream().anyMatch(Scenario::schemaMigration);
        SchemaSettings ss = SchemaSettings.defaults().withRollbackWindowSeconds(rollbackWindow);
        if (propagationMillis >= 0) {
          ss = ss.withPropagation(Duration.ofMillis(propagationMillis));
        }
        if (anyMqtt) {
          out.printf(Locale.ROOT, "ferry lab: %d broker pods, %d MQTT %s clients through the Service, %.0f QoS 1 msg/s;"
              + " Ferry evicts %d/s%n", nodes, clients, mqtt == MqttProtocol.V5 ? "5" : "3.1.1", publishRate, rate);
          if (morePods != null) {
            out.printf(Locale.ROOT, "  %s%n", morePods);
          }
          out.printf(Locale.ROOT, "  fleet: %s; brokers: %s%n",
              shards == 0 ? "in this process, through the Service's proxy" : shards + " shard processes, each with its own kube-proxy",
              s.brokerProcesses() ? "a JVM per pod" : "in this process");
          out.printf(Locale.ROOT, "  brokers behave as %s%n", describe(s.emqx()));
          out.printf(Locale.ROOT, "  Kubernetes: %s%n", describe(s.kube()));
        }
        if (anyRequests) {
          out.printf(Locale.ROOT, "ferry lab: %d service pods, %.0f requests/s on each path (HTTP: the Service and an"
              + " ingress; Dubbo: a consumer), kube-proxy %d ms late, ingress %d ms late; Ferry warmup %d s%n",
              rs.replicas(), rs.ratePerSecond(), rs.propagation().toMillis(), rs.ingressDelay().toMillis(), rs.warmupSeconds());
          if (!anyMqtt) {
            out.printf(Locale.ROOT, "  Kubernetes: %s%n", describe(s.kube()));
          }
        }
        LabPostgres postgres = null;
        if (anySchema) {
          try {
            postgres = postgres();
          } catch (RuntimeException e) {
            throw new CliError(e.getMessage(), e);
          }
          out.printf(Locale.ROOT, "ferry lab: %d people pods, %.0f requests/s through an ingress over %d people,"
              + " propagation %d ms, rollback window %d s; PostgreSQL: %s%n", ss.replicas(), ss.ratePerSecond(),
              ss.people(), ss.propagation().toMillis(), ss.rollbackWindowSeconds(), postgres);
          if (!anyMqtt && !anyRequests) {
            out.printf(Locale.ROOT, "  Kubernetes: %s%n", describe(s.kube()));
          }
        }
        if (!verbose()) {
          Path log = LabLog.toFile(report != null ? report.resolve("lab.log")
              : Path.of(System.getProperty("java.io.tmpdir"), "ferry-lab-" + System.currentTimeMillis() + ".log"));
          if (log != null) {
            out.println("  logs: " + log + " (-v shows them here too)");
          }
          dev.ferry.lab.cluster.ChildJvm.logLevel("ERROR"); // broker and fleet processes: errors only
        }
        out.println();
        results = new ArrayList<>();
        int width = terminalWidth();
        java.util.function.Consumer<String> progress = line -> System.out.println(fit(line, width));
        try {
          for (Scenario sc : chosen) {
            out.println("[" + sc.id() + "] " + sc.description());
            long t = System.nanoTime();
            results.add(sc.requestResponse()
                ? RequestScenarioRunner.run(sc, rs, s.kube(), progress)
                : sc.schemaMigration()
                ? SchemaScenarioRunner.run(sc, ss, postgres, s.kube(), progress)
                : ScenarioRunner.run(sc, s, progress));
            out.printf(Locale.ROOT, "[%s] done in %.0fs%n%n", sc.id(), (System.nanoTime() - t) / 1e9);
          }
        } finally {
          if (postgres != null) {
            postgres.close();
          }
        }
        var m = new java.util.LinkedHashMap<String, Object>();
        if (anyMqtt) {
          m.putAll(settingsForReport(s));
          if (morePods != null) {
            m.put("nodesWhy", morePods);
          }
        }
        if (anyRequests) {
          m.put("requests", requestSettingsForReport(rs));
        }
        if (anySchema) {
          m.put("schema", schemaSettingsForReport(ss, jdbcUrl(), postgres));
        }
        m.putIfAbsent("kube", describe(s.kube()));
        settings = m;
        mode = "lab";
      }
      ReportWriter.table(out, results);
      out.println();
      if (results.stream().anyMatch(r -> r.requests() == null && r.schema() == null)) {
        out.println("max/mean disc.: disconnects per client; lost/dup msgs: QoS 1 messages acknowledged to the");
        out.println("publisher and never delivered / delivered twice; min conn.: the lowest share of clients");
        out.println("connected in any second of the release; imbalance: max/avg - 1 of clients per node at the end;");
        out.println("peak recon/s: the most reconnects in one second; duration/floor: the release took, the least it can.");
        out.println("release: finished, or STUCK (its end state not reached within the run's bound); refusing nodes:");
        out.println("running brokers whose availability_check answers 503 at the end (an evacuation left on); stopped");
        out.println("listed: nodes a serving broker's /nodes still lists as stopped; leftover pods: not of the serving revision.");
        if (settings instanceof java.util.Map<?, ?> sm && sm.get("emqx") instanceof java.util.Map<?, ?> e) {
          out.println("Brokers: EMQX " + e.get("edition") + " " + e.get("version") + " (API " + e.get("api") + ")"
              + (((List<?>) e.get("improvements")).isEmpty() ? ", as it is (one burst of the rate a second, flaws included)."
                  : ", KINDER THAN EMQX: " + e.get("improvements") + "."));
        }
      }
      if (results.stream().anyMatch(r -> r.schema() != null)) {
        out.println("requests/failed: the people load's requests over the whole scenario (reads and writes through the");
        out.println("ingress); acked: writes the service acknowledged; inconsistent: people whose address differs between");
        out.println("PERSON and ADDRESS; lost: acknowledged writes the database does not hold. Rollback outcomes: succeeded");
        out.println("(the old version alone serves again, no request failed meanwhile), refused (Ferry kept the serving");
        out.println("version: RollbackRefused), failed.");
      }
      if (results.stream().anyMatch(r -> r.requests() != null)) {
        out.println("sent/failed: requests over the whole load (steady, release, after); errors by kind: REFUSED, RESET");
        out.println("(connection broke), HTTP_5XX (a proxy's 502/503 included), TIMEOUT, UNAVAILABLE (no endpoint or");
        out.println("no provider), OTHER; p50/p99: latency of the OK ones; release: from the template change to the end.");
      }
      if (settings instanceof java.util.Map<?, ?> sm && sm.get("kube") != null) {
        out.println("Kubernetes: " + sm.get("kube") + ".");
      }
      if (report != null) {
        out.println();
        ReportWriter.write(report, mode, settings, results).forEach(p -> out.println("wrote " + p));
      }
      return 0;
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** {@code ferry -v} (an option of the root command that every subcommand takes). */
    private boolean verbose() {
      return spec != null && spec.root().userObject() instanceof Ferry f && f.verbose;
    }

    /** The terminal's width ($COLUMNS), 120 when it is not known. */
    static int terminalWidth() {
      try {
        int c = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "120").trim());
        return c >= 40 ? c : 120;
      } catch (NumberFormatException e) {
        return 120;
      }
    }

    /** A progress line cut to the terminal's width, so that each tick is one line. */
    static String fit(String line, int width) {
      return line.length() <= width ? line : line.substring(0, width - 1) + "…";
    }

    private void validate(List<Scenario> chosen, Kube k) {
      require(nodes >= 1, "--nodes must be at least 1, was " + nodes);
      require(clients >= 1, "--clients must be at least 1, was " + clients);
      require(rate >= 1, "--conn-evict-rate must be at least 1, was " + rate);
      require(startup >= 0, "--startup must be 0 or more, was " + startup);
      require(initialDelay >= 0, "--initial-delay must be 0 or more, was " + initialDelay);
      require(waitTakeover >= 0, "--wait-takeover must be 0 or more, was " + waitTakeover);
      require(propagationMillis >= -1, "--propagation-ms must be 0 or more (or -1: each scenario's own), was " + propagationMillis);
      require(publishRate >= 0, "--publish-rate must be 0 or more, was " + publishRate);
      require(protocol.equals("5") || protocol.equals("3.1.1"), "--protocol must be 5 or 3.1.1, was " + protocol);
      require(replicas >= 1, "--replicas must be at least 1, was " + replicas);
      require(requestRate > 0 && requestRate <= 5000, "--request-rate must be in (0, 5000], was " + requestRate);
      require(warmup >= 0, "--warmup must be 0 or more, was " + warmup);
      require(rollbackWindow >= 0, "--rollback-window must be 0 or more, was " + rollbackWindow);
      require(dev.ferry.broker.BrokerConfig.validEvictionSlices(evictionSlices),
          "--eviction-slices must divide 1000 and lie in 1..100, was " + evictionSlices);
      require(drainParallel >= 1 && drainParallel <= 10 && drainParallel <= rate,
          "--drain-parallel must be 1 to 10 and at most --conn-evict-rate, was " + drainParallel);
      require(!(model && chosen.stream().anyMatch(sc -> sc.requestResponse() || sc.schemaMigration())),
          "--model runs the MQTT scenarios only");
      require(!(k == Kube.REAL && model), "--kube real and --model exclude each other");
      require(k != Kube.REAL || dev.ferry.cluster.LabNetwork.inside(), "--kube real needs the lab's network namespace:"
          + " run it through ./ferry, which starts it there (scripts/lab-network)");
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new CliError(message);
      }
    }

    /** The report folder, made (or found) and writable now, not after a run of minutes. */
    private static void checkReportFolder(Path folder) {
      try {
        java.nio.file.Files.createDirectories(folder);
      } catch (java.io.IOException | RuntimeException e) {
        throw new CliError("--report " + folder + ": cannot be made: " + e.getMessage(), e);
      }
      if (!java.nio.file.Files.isWritable(folder)) {
        throw new CliError("--report " + folder + ": not writable");
      }
    }

    /** The settings as report.json shows them: durations in seconds. */
    static java.util.Map<String, Object> settingsForReport(LabSettings s) {
      var m = new java.util.LinkedHashMap<String, Object>();
      m.put("nodes", s.nodes());
      m.put("clients", s.clients());
      m.put("protocol", s.protocol() == MqttProtocol.V5 ? "5" : "3.1.1");
      m.put("publishRatePerSecond", s.publishRatePerSecond());
      m.put("reconnect", s.reconnectBackoff() ? "backoff" : "immediate");
      m.put("connEvictRate", s.connEvictRate());
      m.put("podStartupSeconds", s.podStartup().toMillis() / 1000.0);
      m.put("initialDelaySeconds", s.initialDelay().toMillis() / 1000.0);
      m.put("waitTakeoverSeconds", s.waitTakeover().toMillis() / 1000.0);
      m.put("propagationSeconds", s.propagation().toMillis() / 1000.0);
      m.put("evictionSlices", s.emqx().evictionSlices());
      m.put("emqx", java.util.Map.of(
          "version", s.emqx().version(), "edition", s.emqx().edition(),
          "api", s.emqx().dialect() == dev.ferry.broker.EmqxProfile.Dialect.V4 ? "v4" : "v5",
          "improvements", improvements(s.emqx())));
      m.put("drainParallel", s.drainParallel());
      m.put("kube", describe(s.kube()));
      m.put("fleetProcesses", s.fleetProcesses());
      m.put("brokerProcesses", s.brokerProcesses());
      return m;
    }

    /** Which Kubernetes ran, as the header, the table's footer and the report say it. */
    static String describe(Kube k) {
      return k == Kube.REAL
          ? "real: etcd 3.6.16, kube-apiserver and kube-controller-manager v1.36.3, our kubelet"
          : "embedded: fabric8's mock API server, the lab's own controllers, our kubelet";
    }

    /** The EMQX the lab brokers behave as, from --emqx-api, --eviction-slices and --improve. */
    dev.ferry.broker.EmqxProfile emqxProfile() {
      var base = switch (emqxApi) {
        case "v5" -> LabSettings.EMQX;
        case "v4" -> dev.ferry.broker.EmqxProfile.ENTERPRISE_4_4;
        default -> throw new IllegalArgumentException("--emqx-api must be v5 or v4, was " + emqxApi);
      };
      java.util.Set<dev.ferry.broker.EmqxProfile.Improvement> on = new java.util.HashSet<>();
      for (String name : improve) {
        on.add(java.util.Arrays.stream(dev.ferry.broker.EmqxProfile.Improvement.values())
            .filter(i -> i.flag().equals(name.trim())).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("--improve: no improvement named '" + name.trim()
                + "' (even-rebalance, ready-after-routes, redirect-over-rest, live-evacuation-stats)")));
      }
      return base.withEvictionSlices(evictionSlices).withImprovements(on);
    }

    /** The improvements on, spread evictions included: what the lab did better than EMQX. */
    static List<String> improvements(dev.ferry.broker.EmqxProfile p) {
      List<String> out = new ArrayList<>(p.improvements().stream().map(dev.ferry.broker.EmqxProfile.Improvement::flag)
          .sorted().toList());
      if (p.evictionSlices() > 1) {
        out.add(0, "eviction-slices=" + p.evictionSlices());
      }
      return out;
    }

    static String describe(dev.ferry.broker.EmqxProfile p) {
      List<String> better = improvements(p);
      return "EMQX " + p.edition() + " " + p.version() + (p.dialect() == dev.ferry.broker.EmqxProfile.Dialect.V4
          ? " (API v4)" : " (API v5)") + (better.isEmpty() ? ", as it is (one burst of the rate a second, flaws included)"
          : ", KINDER THAN EMQX: " + String.join(", ", better));
    }

    /** The JDBC URL given by option or environment, or null (embedded). */
    String jdbcUrl() {
      return jdbcUrl != null ? jdbcUrl : System.getenv("FERRY_LAB_JDBC_URL");
    }

    /** The schema scenarios' PostgreSQL: the one given, or an embedded one. The password never comes from argv. */
    LabPostgres postgres() {
      String url = jdbcUrl();
      if (url == null || url.isBlank()) {
        return LabPostgres.embedded();
      }
      String user = dbUser != null ? dbUser : System.getenv().getOrDefault("FERRY_LAB_DB_USER", "postgres");
      String password;
      if (dbPasswordFile != null) {
        try {
          password = java.nio.file.Files.readString(dbPasswordFile).strip();
        } catch (java.io.IOException e) {
          throw new IllegalArgumentException("cannot read --db-password-file " + dbPasswordFile + ": " + e.getMessage());
        }
      } else {
        password = System.getenv().getOrDefault("FERRY_LAB_DB_PASSWORD", "");
      }
      return LabPostgres.external(url, user, password);
    }

    static java.util.Map<String, Object> schemaSettingsForReport(SchemaSettings s, String jdbcUrl, LabPostgres pg) {
      var m = new java.util.LinkedHashMap<String, Object>();
      m.put("replicas", s.replicas());
      m.put("ratePerSecond", s.ratePerSecond());
      m.put("people", s.people());
      m.put("podStartupSeconds", s.podStartup().toMillis() / 1000.0);
      m.put("propagationSeconds", s.propagation().toMillis() / 1000.0);
      m.put("rollbackWindowSeconds", s.rollbackWindowSeconds());
      m.put("maxSurge", SchemaScenarioRunner.MAX_SURGE);
      m.put("maxUnavailable", SchemaScenarioRunner.MAX_UNAVAILABLE);
      m.put("postgres", pg != null && pg.isEmbedded() ? "embedded (zonky, PostgreSQL 14)" : LabPostgres.redacted(jdbcUrl));
      return m;
    }

    static java.util.Map<String, Object> requestSettingsForReport(RequestSettings s) {
      var m = new java.util.LinkedHashMap<String, Object>();
      m.put("replicas", s.replicas());
      m.put("ratePerSecondPerPath", s.ratePerSecond());
      m.put("podStartupSeconds", s.podStartup().toMillis() / 1000.0);
      m.put("kubeProxyPropagationSeconds", s.propagation().toMillis() / 1000.0);
      m.put("ingressDelaySeconds", s.ingressDelay().toMillis() / 1000.0);
      m.put("warmupSeconds", s.warmupSeconds());
      m.put("maxSurge", 1);
      m.put("maxUnavailable", 1);
      return m;
    }

    static ScenarioReport fromModel(Result r, int rate) {
      return new ScenarioReport(
          r.scenario(), r.description(), r.clients(), r.maxDisconnectsPerClient(), r.meanDisconnectsPerClient(),
          r.disconnectsHistogram(), -1, -1, r.peakReconnectsPerSecond(),
          "ferry".equals(r.scenario()) ? rate : 0, r.minConnectedFraction(), r.minConnectedFraction(), r.imbalance(),
          r.durationSeconds(), r.floorSeconds(),
          new ScenarioReport.Timeline(r.connectedPerSecond(), r.reconnectsPerSecond(), r.connectionsPerNode()));
    }
  }

  /**
   * How long one release may take before the run gives it up: five minutes, or twice what the
   * release must take at least (every client evicted at the rate, and each node's start-up and
   * takeover wait) and two minutes more: 100,000 clients at 500 a second take 200 s of evictions
   * alone, and a run on a busy machine was given up at five minutes while it still moved clients.
   */
  static Duration releaseTimeout(int clients, int rate, int nodes, long waitTakeoverSeconds, long startupSeconds) {
    long least = (long) Math.ceil((double) clients / Math.max(1, rate)) + nodes * (waitTakeoverSeconds + startupSeconds);
    return Duration.ofSeconds(Math.max(300, 2 * least + 120));
  }
}
