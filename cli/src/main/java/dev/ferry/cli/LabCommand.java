package dev.ferry.cli;

import dev.ferry.cli.report.ReportWriter;
import dev.ferry.cli.report.ScenarioReport;
import dev.ferry.core.sim.StrategyModel;
import dev.ferry.core.sim.StrategyModel.Result;
import dev.ferry.core.sim.StrategyModel.Settings;
import java.io.PrintStream;
import java.nio.file.Path;
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
        "Runs rolling, bluegreen-plain and ferry one after the other with the same clients and prints",
        "what each did to them. Today it runs the release plans on Ferry's in-memory cluster model;",
        "the embedded cluster with real brokers and real MQTT clients is being built (issue 6)."
      })
  static final class Compare implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "3", description = "broker pods (default ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--clients", defaultValue = "12000", description = "MQTT clients (default ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--conn-evict-rate", defaultValue = "200", description = "Ferry's eviction rate per second (default ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--startup", defaultValue = "10", description = "seconds a new pod takes to become ready (default ${DEFAULT-VALUE})")
    int startup;

    @Option(names = "--initial-delay", defaultValue = "10", description = "Ferry's settle time after the switch, seconds (default ${DEFAULT-VALUE})")
    int initialDelay;

    @Option(names = "--wait-takeover", defaultValue = "5", description = "Ferry's takeover wait per node, seconds (default ${DEFAULT-VALUE})")
    int waitTakeover;

    @Option(names = "--report", description = "write report.json into this folder")
    Path report;

    @Override
    public Integer call() throws Exception {
      if (nodes < 1 || clients < 0 || rate < 1 || startup < 0 || initialDelay < 0 || waitTakeover < 0) {
        System.err.println("ferry lab compare: --nodes and --conn-evict-rate must be at least 1, the others at least 0");
        return 2;
      }
      PrintStream out = System.out;
      out.printf(Locale.ROOT,
          "MODEL RUN: the real plans on an in-memory cluster (no sockets; clients reconnect after 1 s).%n"
              + "The embedded cluster with real brokers and MQTT clients is not built yet (issue 6).%n%n"
              + "%d nodes, %d clients, ferry evicts %d/s, pods start in %ds%n%n",
          nodes, clients, rate, startup);
      Settings settings = new Settings(nodes, clients, rate, startup, initialDelay, waitTakeover);
      List<ScenarioReport> scenarios = StrategyModel.compare(settings).stream()
          .map(r -> fromModel(r, rate)).toList();
      ReportWriter.table(out, scenarios);
      out.println();
      out.println("max/mean disc.: disconnects per client during the release; min conn.: the lowest share of");
      out.println("clients connected at the end of any second; imbalance: max/avg - 1 of clients per node at");
      out.println("the end. The model counts no messages (lost/dup: -).");
      if (report != null) {
        out.println();
        ReportWriter.write(report, "model", settings, scenarios).forEach(p -> out.println("wrote " + p));
      }
      return 0;
    }

    static ScenarioReport fromModel(Result r, int rate) {
      return new ScenarioReport(
          r.scenario(), r.description(), r.clients(), r.maxDisconnectsPerClient(), r.meanDisconnectsPerClient(),
          r.disconnectsHistogram(), -1, -1, r.peakReconnectsPerSecond(),
          "ferry".equals(r.scenario()) ? rate : 0, r.minConnectedFraction(), r.imbalance(),
          r.durationSeconds(), r.floorSeconds(),
          new ScenarioReport.Timeline(r.connectedPerSecond(), r.reconnectsPerSecond(), r.connectionsPerNode()));
    }
  }
}
