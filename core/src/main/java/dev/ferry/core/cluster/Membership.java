package dev.ferry.core.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which pods' brokers are members of the cluster that serves, from each pod's own view of it.
 *
 * <p>A broker's readiness probe does not say it: EMQX answers {@code GET /status} with 200 as soon
 * as the node runs, joined or not. A pod that is Ready but outside the cluster must get no clients
 * (its subscribers would miss every message published elsewhere) and must receive no evacuated
 * sessions.
 *
 * <p>Two pods are <em>linked</em> when each lists the other's node as running. The cluster is
 * anchored on the pods that serve clients now (all pods that answered, when none serves yet, as in
 * a first deployment): of those, the largest group whose members are all linked to each other —
 * taken greedily, the best-linked first, then by name — is the reference, and every pod linked to
 * each member of it is in the cluster. So a new pod that never joined is the one reported, not the
 * whole serving cluster with it; and a second cluster of new pods beside the serving one is outside,
 * since it is not linked to the pods that serve. Each pod outside is told what it disagrees about:
 * which reference pods do not list it, and which reference nodes its own view lacks.
 *
 * <p>Pods whose view could not be read are reported on their own and take no part in the others'
 * judgement: their drain is reported unreachable anyway.
 */
public final class Membership {
  private Membership() {}

  /**
   * One pod's view of the cluster.
   *
   * @param pod the pod
   * @param node its broker node's name, as it calls itself
   * @param running the nodes it lists as running, itself included
   * @param serving the pod serves clients now (ready and in its Service)
   */
  public record View(String pod, String node, Set<String> running, boolean serving) {
    public View {
      running = Set.copyOf(running);
    }
  }

  /**
   * Why each pod is not a member of the serving cluster; pods that are members are left out.
   *
   * @param views the views of the pods that answered
   * @param unreadable pods that could not be asked, with why
   */
  public static Map<String, String> disagreements(List<View> views, Map<String, String> unreadable) {
    Map<String, String> out = new TreeMap<>();
    unreadable.forEach((pod, why) -> out.put(pod, "its view of the cluster could not be read: " + why));
    List<View> reference = reference(views);
    for (View v : views) {
      List<String> unseenBy = new ArrayList<>();
      List<String> unseen = new ArrayList<>();
      for (View r : reference) {
        if (r.pod().equals(v.pod())) {
          continue;
        }
        if (!r.running().contains(v.node())) {
          unseenBy.add(r.pod());
        }
        if (!v.running().contains(r.node())) {
          unseen.add(r.node());
        }
      }
      int of = reference.size() - (reference.contains(v) ? 1 : 0);
      List<String> parts = new ArrayList<>();
      if (!unseenBy.isEmpty()) {
        parts.add(v.node() + " is not a running node in the view of " + names(unseenBy, of, "pods"));
      }
      if (!unseen.isEmpty()) {
        parts.add("its own view lacks " + names(unseen, of, "nodes"));
      }
      if (!parts.isEmpty()) {
        out.put(v.pod(), String.join("; ", parts));
      }
    }
    return out;
  }

  /** The largest group of mutually linked anchors, found greedily (best-linked first, then by name). */
  static List<View> reference(List<View> views) {
    List<View> anchors = views.stream().filter(View::serving).toList();
    if (anchors.isEmpty()) {
      anchors = views;
    }
    List<View> candidates = anchors;
    List<View> ordered = anchors.stream()
        .sorted(Comparator.comparingLong((View a) -> -candidates.stream().filter(b -> b != a && linked(a, b)).count())
            .thenComparing(View::pod))
        .toList();
    List<View> group = new ArrayList<>();
    for (View a : ordered) {
      if (group.stream().allMatch(g -> linked(a, g))) {
        group.add(a);
      }
    }
    return group;
  }

  private static boolean linked(View a, View b) {
    return a.running().contains(b.node()) && b.running().contains(a.node());
  }

  private static String names(List<String> names, int of, String what) {
    List<String> sorted = names.stream().sorted().toList();
    String shown = sorted.size() <= 3 ? String.join(", ", sorted)
        : String.join(", ", sorted.subList(0, 3)) + " and " + (sorted.size() - 3) + " more";
    return shown + " (" + sorted.size() + " of " + of + " " + what + ")";
  }
}
