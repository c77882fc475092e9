package dev.ferry.cli;

import dev.ferry.api.FerryNames;
import dev.ferry.api.ReleaseVerbs;
import dev.ferry.api.v1alpha1.DrainStatus;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry get NAME}: one LosslessDeployment as a tree, as {@code kubectl argo rollouts get}
 * shows a rollout: its phase and message, each revision with its pods (ready, serving, terminating),
 * the drain in progress with the connections left, the rate and an ETA, the conditions and the
 * recent events. {@code -w} draws it again every second; {@code -o json|yaml} prints the object.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = "Shows a LosslessDeployment's release as a tree: revisions and their pods, the drain in progress, "
        + "conditions and recent events.")
public final class GetCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "NAME", description = "the LosslessDeployment")
  String name;

  @Mixin KubeOptions kube;

  @Option(names = {"-w", "--watch"}, description = "draw it again every second, until interrupted (or --timeout)")
  boolean watch;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
      description = "with -w: stop after this long (0: never)")
  int timeoutSeconds;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json or yaml: the object itself")
  String output;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (output != null && !output.equals("json") && !output.equals("yaml")) {
      throw new CliError("-o " + output + ": the formats are json and yaml");
    }
    if (timeoutSeconds < 0) {
      throw new CliError("--timeout must be 0 or more, was " + timeoutSeconds);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (KubernetesClient client = kube.client()) {
      String ns = kube.namespace(client);
      long end = timeoutSeconds == 0 ? Long.MAX_VALUE : System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
      boolean terminal = System.console() != null; // on a terminal a frame replaces the last; else frames follow each other
      for (int frame = 0; ; frame++) {
        LosslessDeployment ld = client.resources(LosslessDeployment.class).inNamespace(ns).withName(name).get();
        if (ld == null) {
          throw new CliError("LosslessDeployment " + ns + "/" + name + " not found on " + KubeOptions.server());
        }
        if (output != null) {
          ld.getMetadata().setManagedFields(null);
          out.print(output.equals("json") ? client.getKubernetesSerialization().asJson(ld) + "\n"
              : client.getKubernetesSerialization().asYaml(ld));
          out.flush();
          return 0;
        }
        List<Pod> pods = client.pods().inNamespace(ns).withLabel(FerryNames.DEPLOYMENT_LABEL, name).list().getItems();
        List<Event> events = client.v1().events().inNamespace(ns).withField("involvedObject.name", name).list().getItems();
        List<ReplicaSet> sets = client.apps().replicaSets().inNamespace(ns).withLabel(FerryNames.DEPLOYMENT_LABEL, name)
            .list().getItems().stream().filter(rs -> ReleaseVerbs.ownedBy(rs, ld)).toList();
        if (watch && frame > 0) {
          out.print(terminal ? "\033[H\033[2J" : "\n");
        }
        out.print(render(ld, pods, sets, events, Instant.now()));
        out.flush();
        if (!watch || System.nanoTime() - end >= 0) {
          return 0;
        }
        Thread.sleep(1000);
      }
    }
  }

  /** The tree, from what the cluster says now, without the revision history. */
  static String render(LosslessDeployment ld, List<Pod> pods, List<Event> events, Instant now) {
    return render(ld, pods, List.of(), events, now);
  }

  /** The tree, from what the cluster says now. */
  static String render(LosslessDeployment ld, List<Pod> pods, List<ReplicaSet> sets, List<Event> events, Instant now) {
    var s = ld.getStatus();
    StringBuilder b = new StringBuilder();
    String strategy = ld.getSpec() == null || ld.getSpec().getStrategy() == null || ld.getSpec().getStrategy().getType() == null
        ? "?" : FerryNames.jsonName(ld.getSpec().getStrategy().getType());
    b.append(String.format(Locale.ROOT, "Name:       %s/%s%n", ld.getMetadata().getNamespace(), ld.getMetadata().getName()));
    b.append(String.format(Locale.ROOT, "Strategy:   %s%n", strategy));
    if (s == null) {
      b.append("Status:     (not reconciled yet)\n");
      return b.toString();
    }
    String phase = s.getPhase() == null ? "?" : FerryNames.jsonName(s.getPhase());
    String since = s.getPhaseStartedAt() == null ? "" : " for " + ListCommand.age(s.getPhaseStartedAt(), now);
    String paused = ld.getSpec() != null && ld.getSpec().paused() ? " (paused: ferry resume goes on)" : "";
    b.append(String.format(Locale.ROOT, "Phase:      %s%s%s%n", phase, since, paused));
    b.append(String.format(Locale.ROOT, "Ready:      %s%n", s.getReady() == null ? "?" : s.getReady()));
    if (s.getAdoption() != null && s.getAdoption().getPhase() != null) {
      b.append(adoption(s.getAdoption(), now));
    }
    if (s.getMessage() != null) {
      b.append(String.format(Locale.ROOT, "Message:    %s%n", s.getMessage()));
    }
    b.append('\n');
    revisions(b, s.getCurrentRevision(), s.getUpdateRevision(), pods);
    history(b, sets);
    DrainStatus d = s.getDrain();
    if (d != null && d.getPod() != null) {
      b.append('\n').append(drain(d, now));
    }
    if (s.getConditions() != null && !s.getConditions().isEmpty()) {
      b.append("\nConditions:\n");
      for (Condition c : s.getConditions()) {
        b.append(String.format(Locale.ROOT, "  %-12s %-6s %-24s %s%n", c.getType(), c.getStatus(),
            Objects.toString(c.getReason(), ""), Objects.toString(c.getMessage(), "")));
      }
    }
    List<Event> recent = new ArrayList<>(events);
    recent.sort(Comparator.comparing(GetCommand::eventTime));
    if (!recent.isEmpty()) {
      b.append("\nEvents:\n");
      List<Event> shown = recent.subList(Math.max(0, recent.size() - 5), recent.size());
      List<String> ages = shown.stream().map(e -> eventAge(e, now)).toList();
      int width = Math.max(5, ages.stream().mapToInt(String::length).max().orElse(0));
      for (int i = 0; i < shown.size(); i++) {
        Event e = shown.get(i);
        b.append(String.format(Locale.ROOT, "  %-" + width + "s %-7s %-22s %s%n", ages.get(i),
            Objects.toString(e.getType(), ""), Objects.toString(e.getReason(), ""), Objects.toString(e.getMessage(), "")));
      }
    }
    return b.toString();
  }

  private static void revisions(StringBuilder b, String current, String update, List<Pod> pods) {
    Map<String, List<Pod>> byRevision = new LinkedHashMap<>();
    if (current != null) {
      byRevision.put(current, new ArrayList<>());
    }
    if (update != null) {
      byRevision.putIfAbsent(update, new ArrayList<>());
    }
    pods.stream().sorted(Comparator.comparing(p -> p.getMetadata().getName())).forEach(p -> {
      String r = p.getMetadata().getLabels() == null ? "?" : p.getMetadata().getLabels().getOrDefault(FerryNames.REVISION_LABEL, "?");
      byRevision.computeIfAbsent(r, k -> new ArrayList<>()).add(p);
    });
    b.append("Revisions:\n");
    List<String> keys = new ArrayList<>(byRevision.keySet());
    for (int i = 0; i < keys.size(); i++) {
      String r = keys.get(i);
      boolean last = i == keys.size() - 1;
      String role = r.equals(current) && r.equals(update) ? " (current)" : r.equals(current) ? " (current, serving)"
          : r.equals(update) ? " (update)" : " (old)";
      b.append(last ? "└─ " : "├─ ").append(r).append(role).append('\n');
      List<Pod> ps = byRevision.get(r);
      for (int j = 0; j < ps.size(); j++) {
        Pod p = ps.get(j);
        b.append(last ? "   " : "│  ").append(j == ps.size() - 1 ? "└─ " : "├─ ")
            .append(String.format(Locale.ROOT, "%-34s %s%n", p.getMetadata().getName(), podState(p)));
      }
    }
  }

  /** The numbered revision sets, oldest first, as `kubectl rollout history` lists them: what `ferry undo` goes back to. */
  private static void history(StringBuilder b, List<ReplicaSet> sets) {
    List<ReplicaSet> numbered = sets.stream().filter(rs -> ReleaseVerbs.number(rs) > 0)
        .sorted(Comparator.comparingInt(ReleaseVerbs::number)).toList();
    if (numbered.isEmpty()) {
      return;
    }
    b.append(String.format(Locale.ROOT, "%nHistory:%n  %-9s%-12s%-6s%s%n", "REVISION", "HASH", "PODS", "IMAGES"));
    for (ReplicaSet rs : numbered) {
      String images = rs.getSpec().getTemplate() == null ? "" : rs.getSpec().getTemplate().getSpec().getContainers().stream()
          .map(c -> c.getImage()).collect(java.util.stream.Collectors.joining(","));
      b.append(String.format(Locale.ROOT, "  %-9d%-12s%-6d%s%n", ReleaseVerbs.number(rs),
          rs.getMetadata().getLabels() == null ? "?" : rs.getMetadata().getLabels().getOrDefault(FerryNames.REVISION_LABEL, "?"),
          rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas(), images));
    }
  }

  /** Terminating, or the phase; ready or not; in the Service (Ferry's gate) or out. */
  static String podState(Pod p) {
    if (p.getMetadata().getDeletionTimestamp() != null) {
      return "Terminating";
    }
    String phase = p.getStatus() == null || p.getStatus().getPhase() == null ? "Pending" : p.getStatus().getPhase();
    boolean ready = condition(p, "Ready");
    boolean containersReady = condition(p, "ContainersReady");
    boolean serving = condition(p, FerryNames.SERVING_CONDITION);
    String ip = p.getStatus() == null || p.getStatus().getPodIP() == null ? "" : "  " + p.getStatus().getPodIP();
    return phase + (ready ? ", ready, serving" : containersReady ? (serving ? ", not ready" : ", ready, out of service") : ", not ready") + ip;
  }

  private static boolean condition(Pod p, String type) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** spec.adopt's take-over: the workload, the phase and since when, the adopted pods removed so far. */
  static String adoption(dev.ferry.api.v1alpha1.AdoptionStatus a, Instant now) {
    String since = a.getPhaseStartedAt() == null ? "" : " for " + ListCommand.age(a.getPhaseStartedAt(), now);
    String removed = a.getRemoved() == null || a.getRemoved().isEmpty() ? "" : ", removed " + String.join(", ", a.getRemoved());
    return String.format(Locale.ROOT, "Adoption:   %s %s%s%s%n", a.getWorkload(), FerryNames.jsonName(a.getPhase()), since,
        removed);
  }

  /** The drain in progress: connections left of those it started with, the rate so far and an ETA at that rate. */
  static String drain(DrainStatus d, Instant now) {
    StringBuilder b = new StringBuilder("Drain:      ").append(d.getPod());
    if (d.getState() != null) {
      b.append("  ").append(d.getState());
    }
    if (d.getConnections() != null) {
      b.append(String.format(Locale.ROOT, "%n            connections %d left", d.getConnections()));
      if (d.getInitialConnections() != null) {
        b.append(" of ").append(d.getInitialConnections());
        if (d.getStartedAt() != null) {
          double seconds = Math.max(1, Duration.between(Instant.parse(d.getStartedAt()), now).toMillis() / 1000.0);
          double rate = (d.getInitialConnections() - d.getConnections()) / seconds;
          b.append(String.format(Locale.ROOT, ", %.0f/s", rate));
          if (rate > 0 && d.getConnections() > 0) {
            b.append(String.format(Locale.ROOT, ", ETA %ds", (long) Math.ceil(d.getConnections() / rate)));
          }
        }
      }
    }
    if (d.getInFlight() != null) {
      b.append(String.format(Locale.ROOT, "%n            requests in flight %d", d.getInFlight()));
    }
    return b.append('\n').toString();
  }

  /** As kubectl describe shows it: the last time, and for a repeated event how often since when ({@code 5s (x4 over 2m)}). */
  private static String eventAge(Event e, Instant now) {
    String last = eventTime(e);
    if (last.isEmpty()) {
      return "";
    }
    String age = ListCommand.age(last, now);
    Integer count = e.getCount();
    if (count != null && count > 1 && e.getFirstTimestamp() != null) {
      age += " (x" + count + " over " + ListCommand.age(e.getFirstTimestamp(), now) + ")";
    }
    return age;
  }

  private static String eventTime(Event e) {
    if (e.getLastTimestamp() != null) {
      return e.getLastTimestamp();
    }
    if (e.getEventTime() != null && e.getEventTime().getTime() != null) {
      return e.getEventTime().getTime();
    }
    return e.getMetadata().getCreationTimestamp() == null ? "" : e.getMetadata().getCreationTimestamp();
  }
}
