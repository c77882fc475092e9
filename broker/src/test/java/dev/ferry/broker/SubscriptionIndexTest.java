package dev.ferry.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.broker.session.SubscriptionIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Exact filters are a lookup, wildcard ones a scan: both must match as {@code Topics.matches} does. */
class SubscriptionIndexTest {

  private final List<String> events = new ArrayList<>();
  private final SubscriptionIndex index = new SubscriptionIndex(new SubscriptionIndex.Listener() {
    @Override
    public void added(String filter) {
      events.add("+" + filter);
    }

    @Override
    public void removed(String filter) {
      events.add("-" + filter);
    }
  });

  @Test
  void exactAndWildcardFiltersMatchTogetherWithTheHighestQos() {
    index.add("a/b", "c1", 0);
    index.add("a/+", "c1", 1);
    index.add("a/b", "c2", 1);
    index.add("#", "c3", 2);
    index.add("a/c", "c4", 1);
    index.add("$SYS/x", "c5", 1);

    assertThat(index.match("a/b")).isEqualTo(Map.of("c1", 1, "c2", 1, "c3", 2));
    assertThat(index.match("a/c")).isEqualTo(Map.of("c1", 1, "c3", 2, "c4", 1));
    assertThat(index.match("a/b/c")).isEqualTo(Map.of("c3", 2));
    assertThat(index.match("$SYS/x")).isEqualTo(Map.of("c5", 1)); // '#' never matches '$' topics
    assertThat(index.match("a/b/")).isEqualTo(Map.of("c3", 2)); // an exact filter only by equality
    assertThat(index.filters()).containsExactlyInAnyOrder("a/b", "a/+", "#", "a/c", "$SYS/x");
  }

  @Test
  void aFilterIsARouteFromItsFirstSubscriberToItsLast() {
    index.add("a/b", "c1", 1);
    index.add("a/b", "c2", 1);
    index.add("a/#", "c1", 1);
    index.remove("a/b", "c1");
    index.remove("a/b", "c9"); // never subscribed: nothing happens
    index.remove("a/b", "c2");
    index.remove("a/#", "c1");

    assertThat(events).containsExactly("+a/b", "+a/#", "-a/b", "-a/#");
    assertThat(index.match("a/b")).isEmpty();
    assertThat(index.filters()).isEmpty();
  }
}
