package dev.ferry.broker.metrics;

import dev.ferry.broker.metrics.BrokerMetrics.DropReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Messages that reached no session, gathered per reason between two log lines, so that a burst of
 * drops gives one line a second (with one topic as an example) instead of one line per message.
 * Owned by the broker thread.
 */
public final class DropTally {

  /** The count since the last flush and the first topic seen. */
  public record Drops(long count, String exampleTopic) {}

  private final Map<DropReason, long[]> counts = new EnumMap<>(DropReason.class);
  private final Map<DropReason, String> examples = new EnumMap<>(DropReason.class);

  public void add(DropReason reason, String topic) {
    counts.computeIfAbsent(reason, r -> new long[1])[0]++;
    examples.putIfAbsent(reason, topic);
  }

  /** Hands each reason's drops since the last flush to {@code out}, then starts again. */
  public void flush(BiConsumer<DropReason, Drops> out) {
    counts.forEach((reason, n) -> out.accept(reason, new Drops(n[0], examples.get(reason))));
    counts.clear();
    examples.clear();
  }
}
