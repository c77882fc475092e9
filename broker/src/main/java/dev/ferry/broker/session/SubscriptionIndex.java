package dev.ferry.broker.session;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which sessions subscribe to which filters, indexed by filter so that routing a publish costs one
 * match per distinct filter rather than per session. A filter's first subscriber makes it a route
 * (advertised to peers), its last one's departure withdraws it; the listener is told both.
 *
 * <p>Filters without wildcards are a hash lookup (a topic matches them only by being equal, as
 * {@link Topics#matches} decides); only the wildcard ones are scanned, as EMQX keeps exact routes
 * in a table and wildcards in a trie. Scanning every filter for every publish was most of a lab
 * broker's CPU in a 20,000-client lab (every client on its own topic: 7,000 filters a node, 87% of
 * the broker thread's samples at 200 messages a second, docs/lab.md), and the broker thread ran
 * up to 27 s behind during a release.
 */
public final class SubscriptionIndex {

  /** Told when a filter starts or stops having subscribers on this node. */
  public interface Listener {
    void added(String filter);

    void removed(String filter);
  }

  /** Filter → (client id → QoS), the filters without {@code +} or {@code #}. */
  private final Map<String, Map<String, Integer>> exact = new HashMap<>();
  /** The same for the filters with a wildcard, scanned for every topic. */
  private final Map<String, Map<String, Integer>> wildcard = new HashMap<>();
  private final Listener listener;

  public SubscriptionIndex(Listener listener) {
    this.listener = listener;
  }

  public void add(String filter, String clientId, int qos) {
    Map<String, Integer> subs = byKind(filter).computeIfAbsent(filter, f -> new HashMap<>());
    boolean first = subs.isEmpty();
    subs.put(clientId, qos);
    if (first) {
      listener.added(filter);
    }
  }

  public void remove(String filter, String clientId) {
    Map<String, Map<String, Integer>> byFilter = byKind(filter);
    Map<String, Integer> subs = byFilter.get(filter);
    if (subs == null || subs.remove(clientId) == null) {
      return;
    }
    if (subs.isEmpty()) {
      byFilter.remove(filter);
      listener.removed(filter);
    }
  }

  /** Client id → highest granted QoS among the filters matching {@code topic}. */
  public Map<String, Integer> match(String topic) {
    Map<String, Integer> out = new HashMap<>();
    Map<String, Integer> equal = exact.get(topic);
    if (equal != null) {
      out.putAll(equal); // one filter: no QoS to merge yet
    }
    for (Map.Entry<String, Map<String, Integer>> e : wildcard.entrySet()) {
      if (Topics.matches(e.getKey(), topic)) {
        for (Map.Entry<String, Integer> s : e.getValue().entrySet()) {
          out.merge(s.getKey(), s.getValue(), Math::max);
        }
      }
    }
    return out;
  }

  public Set<String> filters() {
    Set<String> all = new HashSet<>(exact.keySet());
    all.addAll(wildcard.keySet());
    return Set.copyOf(all);
  }

  private Map<String, Map<String, Integer>> byKind(String filter) {
    return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0 ? wildcard : exact;
  }
}
