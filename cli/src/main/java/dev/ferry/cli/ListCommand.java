package dev.ferry.cli;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ferry list}: the LosslessDeployments of a namespace ({@code -A}: of all), as
 * {@code kubectl get deploy} shows Deployments: NAME, READY, PHASE, CURRENT, UPDATE, AGE; {@code -o
 * wide} adds the strategy and the status message, {@code -o json|yaml} prints a List, {@code -o
 * name} one {@code losslessdeployment.ferry.dev/NAME} a line.
 */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "Lists LosslessDeployments, as kubectl get deploy lists Deployments.")
public final class ListCommand implements Callable<Integer> {

  @Mixin KubeOptions kube;

  @Option(names = {"-A", "--all-namespaces"}, description = "list them in every namespace")
  boolean allNamespaces;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide, json, yaml or name (default: a table)")
  String output;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (output != null && !List.of("wide", "json", "yaml", "name").contains(output)) {
      throw new CliError("-o " + output + ": the formats are wide, json, yaml and name");
    }
    if (allNamespaces && kube.namespace != null) {
      throw new CliError("-A and -n exclude each other");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (KubernetesClient client = kube.client()) {
      var resources = client.resources(LosslessDeployment.class);
      List<LosslessDeployment> items = new ArrayList<>(allNamespaces ? resources.inAnyNamespace().list().getItems()
          : resources.inNamespace(kube.namespace(client)).list().getItems());
      items.sort(Comparator.comparing((LosslessDeployment l) -> l.getMetadata().getNamespace())
          .thenComparing(l -> l.getMetadata().getName()));
      if ("json".equals(output) || "yaml".equals(output)) {
        // kind List, apiVersion v1, as kubectl prints several objects; without managedFields, as kubectl.
        items.forEach(l -> l.getMetadata().setManagedFields(null));
        var list = new KubernetesList();
        list.setItems(new ArrayList<>(items));
        out.print("json".equals(output) ? prettyJson(client.getKubernetesSerialization().asJson(list))
            : client.getKubernetesSerialization().asYaml(list));
      } else if ("name".equals(output)) {
        items.forEach(l -> out.println("losslessdeployment.ferry.dev/" + l.getMetadata().getName()));
      } else if (items.isEmpty()) {
        spec.commandLine().getErr().println(allNamespaces ? "No resources found"
            : "No resources found in " + kube.namespace(client) + " namespace.");
        spec.commandLine().getErr().flush();
      } else {
        out.print(table(items, Instant.now()));
      }
      out.flush();
      return 0;
    }
  }

  private static String prettyJson(String json) {
    try {
      var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(mapper.readTree(json)) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return json + "\n";
    }
  }

  private String table(List<LosslessDeployment> items, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    List<String> header = new ArrayList<>();
    if (allNamespaces) {
      header.add("NAMESPACE");
    }
    header.addAll(List.of("NAME", "READY", "PHASE", "CURRENT", "UPDATE", "AGE"));
    boolean wide = "wide".equals(output);
    if (wide) {
      header.addAll(List.of("STRATEGY", "MESSAGE"));
    }
    rows.add(header);
    for (LosslessDeployment l : items) {
      var s = l.getStatus();
      List<String> row = new ArrayList<>();
      if (allNamespaces) {
        row.add(l.getMetadata().getNamespace());
      }
      row.add(l.getMetadata().getName());
      row.add(s == null || s.getReady() == null ? "" : s.getReady());
      row.add(s == null || s.getPhase() == null ? "" : FerryNames.jsonName(s.getPhase()));
      row.add(s == null || s.getCurrentRevision() == null ? "" : s.getCurrentRevision());
      row.add(s == null || s.getUpdateRevision() == null ? "" : s.getUpdateRevision());
      row.add(age(l.getMetadata().getCreationTimestamp(), now));
      if (wide) {
        var strategy = l.getSpec() == null || l.getSpec().getStrategy() == null ? null : l.getSpec().getStrategy().getType();
        row.add(strategy == null ? "" : FerryNames.jsonName(strategy));
        row.add(s == null || s.getMessage() == null ? "" : s.getMessage());
      }
      rows.add(row);
    }
    return Columns.format(rows);
  }


  /** An age as kubectl prints it, in its largest unit: 45s (under 2 min), 12m (under 3 h), 5h (under 2 days), 3d. */
  static String age(String created, Instant now) {
    if (created == null) {
      return "<unknown>";
    }
    Duration d = Duration.between(Instant.parse(created), now);
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    if (d.toMinutes() < 2) {
      return d.toSeconds() + "s";
    }
    if (d.toHours() < 3) {
      return d.toMinutes() + "m";
    }
    if (d.toDays() < 2) {
      return d.toHours() + "h";
    }
    return d.toDays() + "d";
  }

  /** Columns as kubectl aligns them: each as wide as its widest cell, three spaces between. */
  static final class Columns {
    private Columns() {}

    static String format(List<List<String>> rows) {
      int n = rows.get(0).size();
      int[] width = new int[n];
      rows.forEach(r -> {
        for (int i = 0; i < n; i++) {
          width[i] = Math.max(width[i], r.get(i).length());
        }
      });
      StringBuilder b = new StringBuilder();
      for (List<String> r : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < n; i++) {
          line.append(r.get(i));
          if (i < n - 1) {
            line.append(" ".repeat(width[i] - r.get(i).length() + 3));
          }
        }
        b.append(line.toString().stripTrailing()).append('\n');
      }
      return b.toString();
    }
  }
}
