package dev.ferry.check;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The workloads read so far, by namespace and pod label, so that a Service finds the workloads it
 * routes to by looking up its selector rather than by trying every workload: the posting list of its
 * rarest label, filtered by the rest. A LosslessDeployment is found by the Service it names too.
 * Objects from files often name no namespace; one without a namespace matches any.
 */
final class WorkloadIndex {

  /**
   * What a Service's check needs of a workload: where its pods run and with which labels, and
   * whether they are all pinned to one node (then they cannot move).
   *
   * @param namespace its namespace, or null when the input names none
   * @param labels the pod template's labels
   * @param service the Service a LosslessDeployment names in {@code spec.service}, or null
   * @param pinned whether every pod must run on one and the same node
   */
  record Pods(String namespace, Map<String, String> labels, String service, boolean pinned) {}

  /** The key of objects without a namespace: no namespace is empty. */
  private static final String NONE = "";

  private final Map<String, Map<String, List<Pods>>> byLabel = new HashMap<>();
  private final Map<String, Map<String, List<Pods>>> byService = new HashMap<>();

  void add(Pods p) {
    String ns = p.namespace() == null ? NONE : p.namespace();
    Map<String, List<Pods>> labels = byLabel.computeIfAbsent(ns, k -> new HashMap<>());
    p.labels().forEach((k, v) -> labels.computeIfAbsent(k + "=" + v, x -> new ArrayList<>(1)).add(p));
    if (p.service() != null) {
      byService.computeIfAbsent(ns, k -> new HashMap<>()).computeIfAbsent(p.service(), x -> new ArrayList<>(1)).add(p);
    }
  }

  /** The workloads the Service {@code name} in {@code namespace} (null: any) routes to with {@code selector}. */
  List<Pods> routedBy(String namespace, String name, Map<String, String> selector) {
    Set<Pods> found = new LinkedHashSet<>();
    for (String ns : namespaces(namespace)) {
      found.addAll(byService.getOrDefault(ns, Map.of()).getOrDefault(name, List.of()));
      if (selector != null && !selector.isEmpty()) {
        for (Pods p : rarest(byLabel.getOrDefault(ns, Map.of()), selector)) {
          if (p.labels().entrySet().containsAll(selector.entrySet())) {
            found.add(p);
          }
        }
      }
    }
    return List.copyOf(found);
  }

  private Collection<String> namespaces(String namespace) {
    if (namespace == null) {
      Set<String> all = new LinkedHashSet<>(byLabel.keySet());
      all.addAll(byService.keySet());
      return all;
    }
    return namespace.equals(NONE) ? List.of(NONE) : List.of(namespace, NONE);
  }

  /** The shortest posting list among the selector's labels: every match is in it. */
  private static List<Pods> rarest(Map<String, List<Pods>> labels, Map<String, String> selector) {
    List<Pods> best = null;
    for (var e : selector.entrySet()) {
      List<Pods> l = labels.getOrDefault(e.getKey() + "=" + e.getValue(), List.of());
      if (best == null || l.size() < best.size()) {
        best = l;
      }
    }
    return best == null ? List.of() : best;
  }
}
