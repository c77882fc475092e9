package dev.ferry.lab.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Reads every running broker's counts once a second and keeps them as {@link NodeSecond}s. */
final class NodeSampler implements AutoCloseable {

  /** A day of seconds; beyond it the oldest are dropped. */
  static final int MAX_SECONDS = 86_400;

  private final Supplier<Map<String, PodBroker>> brokers;
  private final List<NodeSecond> seconds = new ArrayList<>();
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "lab-node-sampler");
    t.setDaemon(true);
    return t;
  });
  private long second;

  NodeSampler(Supplier<Map<String, PodBroker>> brokers) {
    this.brokers = brokers;
    executor.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
  }

  synchronized void sample() {
    Map<String, Integer> connections = new TreeMap<>();
    Map<String, Integer> sessions = new TreeMap<>();
    brokers.get().forEach((pod, b) -> {
      connections.put(pod, b.connections());
      sessions.put(pod, b.sessions());
    });
    second++;
    seconds.add(new NodeSecond(second, System.currentTimeMillis(), connections, sessions));
    if (seconds.size() > MAX_SECONDS) {
      seconds.remove(0);
    }
  }

  synchronized List<NodeSecond> seconds() {
    return List.copyOf(seconds);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
