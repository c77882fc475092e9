package dev.ferry.broker.session;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which sessions subscribe to which filters, indexed by filter so that routing a publish costs one
 * match per distinct filter rather than per session. A filter's first subscriber makes it a route
 * (advertised to peers), its last one's departure withdraws it; the listener is told both.
 */
public final class SubscriptionIndex {

  /** Told when a filter starts or stops having subscribers on this node. */
  public interface Listener {
    void added(String filter);

    void removed(String filter);
  }

  private final Map<String, Map<String, Integer>> byFilter = new HashMap<>();
  private final Listener listener;

  public SubscriptionIndex(Listener listener) {
    this.listener = listener;
  }

  public void add(String filter, String clientId, int qos) {
    Map<String, Integer> subs = byFilter.computeIfAbsent(filter, f -> new HashMap<>());
    boolean first = subs.isEmpty();
    subs.put(clientId, qos);
    if (first) {
      listener.added(filter);
    }
  }

  public void remove(String filter, String clientId) {
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
    for (Map.Entry<String, Map<String, Integer>> e : byFilter.entrySet()) {
      if (Topics.matches(e.getKey(), topic)) {
        for (Map.Entry<String, Integer> s : e.getValue().entrySet()) {
          out.merge(s.getKey(), s.getValue(), Math::max);
        }
      }
    }
    return out;
  }

  public Set<String> filters() {
    return Set.copyOf(byFilter.keySet());
  }
}
