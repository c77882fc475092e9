package dev.ferry.cli;

import dev.ferry.core.sim.StrategyModel;
import dev.ferry.core.sim.StrategyModel.Result;
import dev.ferry.core.sim.StrategyModel.Settings;
import dev.ferry.lab.fleet.MqttProtocol;
import dev.ferry.lab.report.ReportWriter;
import dev.ferry.lab.report.ScenarioReport;
import dev.ferry.lab.scenario.LabSettings;
import dev.ferry.lab.scenario.RequestScenarioRunner;
import dev.ferry.lab.scenario.RequestSettings;
import dev.ferry.lab.scenario.Scenario;
import dev.ferry.lab.scenario.ScenarioRunner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
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
        "clients, and reports what each did to them: a table, report.json and report.html."
      })
  static final class Compare implements Callable<Integer> {
    @Option(names = "--scenarios", split = ",", defaultValue = "rolling,bluegreen-plain,ferry",
        description = "which to run, in order (default ${DEFAULT-VALUE}); MQTT: rolling, bluegreen-plain, ferry,"
            + " rebalance; request/response: http-k8s, http-ferry, dubbo-k8s, dubbo-ferry")
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

    @Option(names = "--nodes", defaultValue = "3", description = "broker pods (default ${DEFAULT-VALUE})")
    int nodes;

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

    @Option(names = "--eviction-slices", defaultValue = "20",
        description = "how the lab brokers spread each second's evictions: 1 = all at once, as EMQX 5 does;"
            + " 20 = a twentieth every 50 ms (default ${DEFAULT-VALUE}); a divisor of 1000 up to 100")
    int evictionSlices;

    @Option(names = "--fleet-processes", defaultValue = "-1",
        description = "run the fleet as this many shard processes, each a node with its own kube-proxy"
            + " (default: in this process up to " + LabSettings.IN_PROCESS_MAX_CLIENTS + " clients, else one per "
            + LabSettings.CLIENTS_PER_SHARD + ")")
    int fleetProcesses;

    @Option(names = "--broker-processes", negatable = true,
        description = "run each broker pod in a JVM of its own (default: when the fleet is sharded)")
    Boolean brokerProcesses;

    @Option(names = "--model", description = "run the plans on the in-memory model instead (no sockets; about a second)")
    boolean model;

    @Option(names = "--report", description = "write report.json and report.html into this folder")
    Path report;

    @Override
    public Integer call() {
      PrintStream out = System.out;
      List<Scenario> chosen = new ArrayList<>();
      try {
        scenarios.forEach(name -> chosen.add(Scenario.of(name)));
        if (nodes < 1 || clients < 1 || rate < 1 || startup < 0 || initialDelay < 0 || waitTakeover < 0
            || propagationMillis < -1 || publishRate < 0) {
          throw new IllegalArgumentException("--nodes, --clients and --conn-evict-rate must be at least 1, the others 0 or more");
        }
        if (replicas < 1 || !(requestRate > 0) || requestRate > 5000 || warmup < 0) {
          throw new IllegalArgumentException("--replicas must be at least 1, --request-rate in (0, 5000], --warmup 0 or more");
        }
        if (model && chosen.stream().anyMatch(Scenario::requestResponse)) {
          throw new IllegalArgumentException("--model runs the MQTT scenarios only");
        }
        if (!dev.ferry.broker.BrokerConfig.validEvictionSlices(evictionSlices)) {
          throw new IllegalArgumentException("--eviction-slices must divide 1000 and lie in 1..100, was " + evictionSlices);
        }
      } catch (IllegalArgumentException e) {
        System.err.println("ferry lab compare: " + e.getMessage());
        return 2;
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
        int shards = fleetProcesses < 0 ? LabSettings.fleetProcessesFor(clients) : fleetProcesses;
        LabSettings s = new LabSettings(nodes, clients, mqtt, publishRate, backoff, rate,
            Duration.ofSeconds(startup), Duration.ofSeconds(initialDelay), Duration.ofSeconds(waitTakeover),
            Duration.ofMillis(propagationMillis < 0 ? 500 : propagationMillis), Duration.ofMinutes(5), evictionSlices, shards,
            brokerProcesses == null ? shards > 0 : brokerProcesses);
        RequestSettings rs = RequestSettings.defaults().withReplicas(replicas).withRate(requestRate)
            .withStartup(Duration.ofSeconds(startup)).withWarmupSeconds(warmup)
            .withPropagation(propagationMillis < 0 ? RequestSettings.defaults().propagation() : Duration.ofMillis(propagationMillis));
        boolean anyMqtt = chosen.stream().anyMatch(sc -> !sc.requestResponse());
        boolean anyRequests = chosen.stream().anyMatch(Scenario::requestResponse);
        if (anyMqtt) {
          out.printf(Locale.ROOT, "ferry lab: %d broker pods, %d MQTT %s clients through the Service, %.0f QoS 1 msg/s;"
              + " Ferry evicts %d/s%n", nodes, clients, mqtt == MqttProtocol.V5 ? "5" : "3.1.1", publishRate, rate);
          out.printf(Locale.ROOT, "  fleet: %s; brokers: %s%n",
              shards == 0 ? "in this process, through the Service's proxy" : shards + " shard processes, each with its own kube-proxy",
              s.brokerProcesses() ? "a JVM per pod" : "in this process");
        }
        if (anyRequests) {
          out.printf(Locale.ROOT, "ferry lab: %d service pods, %.0f requests/s on each path (HTTP: the Service and an"
              + " ingress; Dubbo: a consumer), kube-proxy %d ms late, ingress %d ms late; Ferry warmup %d s%n",
              rs.replicas(), rs.ratePerSecond(), rs.propagation().toMillis(), rs.ingressDelay().toMillis(), rs.warmupSeconds());
        }
        out.println();
        results = new ArrayList<>();
        for (Scenario sc : chosen) {
          out.println("[" + sc.id() + "] " + sc.description());
          long t = System.nanoTime();
          results.add(sc.requestResponse()
              ? RequestScenarioRunner.run(sc, rs, line -> System.out.println(line))
              : ScenarioRunner.run(sc, s, line -> System.out.println(line)));
          out.printf(Locale.ROOT, "[%s] done in %.0fs%n%n", sc.id(), (System.nanoTime() - t) / 1e9);
        }
        var m = new java.util.LinkedHashMap<String, Object>();
        if (anyMqtt) {
          m.putAll(settingsForReport(s));
        }
        if (anyRequests) {
          m.put("requests", requestSettingsForReport(rs));
        }
        settings = m;
        mode = "lab";
      }
      ReportWriter.table(out, results);
      out.println();
      if (results.stream().anyMatch(r -> r.requests() == null)) {
        out.println("max/mean disc.: disconnects per client; lost/dup msgs: QoS 1 messages acknowledged to the");
        out.println("publisher and never delivered / delivered twice; min conn.: the lowest share of clients");
        out.println("connected in any second of the release; imbalance: max/avg - 1 of clients per node at the end.");
      }
      if (results.stream().anyMatch(r -> r.requests() != null)) {
        out.println("sent/failed: requests over the whole load (steady, release, after); errors by kind: REFUSED, RESET");
        out.println("(connection broke), HTTP_5XX (a proxy's 502/503 included), TIMEOUT, UNAVAILABLE (no endpoint or");
        out.println("no provider), OTHER; p50/p99: latency of the OK ones; release: from the template change to the end.");
      }
      if (report != null) {
        out.println();
        ReportWriter.write(report, mode, settings, results).forEach(p -> out.println("wrote " + p));
      }
      return 0;
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
      m.put("evictionSlices", s.evictionSlices());
      m.put("fleetProcesses", s.fleetProcesses());
      m.put("brokerProcesses", s.brokerProcesses());
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
}
