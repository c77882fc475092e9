package dev.ferry.core.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Whether the brokers of a resource's pods form one cluster, from each pod's own view of it.
 *
 * <p>A broker's readiness probe does not say it: EMQX answers {@code GET /status} with 200 as soon
 * as the node runs, joined or not. A pod that is Ready but outside the cluster must get no clients
 * (its subscribers would miss every message published elsewhere) and must receive no evacuated
 * sessions. So each pod is asked for its own list of running nodes, and the pods agree when every
 * asked pod lists every asked pod's node as running. Disagreement is judged strictly, for every pod:
 * one pod split off stops the release for all, since draining any node towards a cluster that is not
 * whole can strand clients. The message of each pod says what it disagrees about, so that the pod
 * on its own is easy to tell from the many.
 *
 * <p>Pods whose view could not be read are reported on their own and leave the others' agreement
 * alone: their drain will be reported unreachable anyway.
 */
public final class Membership {
  private Membership() {}

  /**
   * One pod's view of the cluster.
   *
   * @param pod the pod
   * @param node its broker node's name, as it calls itself
   * @param running the nodes it lists as running, itself included
   */
  public record View(String pod, String node, Set<String> running) {
    public View {
      running = Set.copyOf(running);
    }
  }

  /**
   * Why each pod is not (yet) a member of one cluster with the others; pods that are members are
   * left out.
   *
   * @param views the views of the pods that answered
   * @param unreadable pods that could not be asked, with why
   */
  public static Map<String, String> disagreements(List<View> views, Map<String, String> unreadable) {
    Map<String, String> out = new TreeMap<>();
    unreadable.forEach((pod, why) -> out.put(pod, "its view of the cluster could not be read: " + why));
    Map<String, View> byPod = new LinkedHashMap<>();
    views.forEach(v -> byPod.put(v.pod(), v));
    for (View v : views) {
      List<String> unseenBy = new ArrayList<>();
      List<String> unseen = new ArrayList<>();
      for (View other : views) {
        if (other.pod().equals(v.pod())) {
          continue;
        }
        if (!other.running().contains(v.node())) {
          unseenBy.add(other.pod());
        }
        if (!v.running().contains(other.node())) {
          unseen.add(other.node());
        }
      }
      List<String> parts = new ArrayList<>();
      if (!unseenBy.isEmpty()) {
        parts.add(v.node() + " is not a running node in the view of " + names(unseenBy, views.size() - 1, "pods"));
      }
      if (!unseen.isEmpty()) {
        parts.add("its own view lacks " + names(unseen, views.size() - 1, "nodes"));
      }
      if (!parts.isEmpty()) {
        out.put(v.pod(), String.join("; ", parts));
      }
    }
    return out;
  }

  private static String names(List<String> names, int of, String what) {
    List<String> sorted = names.stream().sorted().toList();
    String shown = sorted.size() <= 3 ? String.join(", ", sorted)
        : String.join(", ", sorted.subList(0, 3)) + " and " + (sorted.size() - 3) + " more";
    return shown + " (" + sorted.size() + " of " + of + " " + what + ")";
  }
}
