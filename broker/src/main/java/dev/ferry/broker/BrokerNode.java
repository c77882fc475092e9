package dev.ferry.broker;

import dev.ferry.broker.api.ApiServer;
import dev.ferry.broker.cluster.ClusterChannel;
import dev.ferry.broker.evacuation.LoadRebalanceAgent;
import dev.ferry.broker.metrics.BrokerMetrics;
import dev.ferry.broker.metrics.BrokerStats;
import dev.ferry.broker.mqtt.MqttServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lab broker node: MQTT listener, inter-node channel and EMQX HTTP API, in this process.
 *
 * <pre>{@code
 * BrokerNode a = BrokerNode.start(BrokerConfig.onHost("127.0.1.1", "key", "secret"));
 * BrokerNode b = BrokerNode.start(BrokerConfig.onHost("127.0.1.2", "key", "secret")
 *     .withPeers(List.of(a.clusterAddress())));
 * a.stats().connections();  // connected clients
 * b.close();                // clients get DISCONNECT 0x8B (MQTT 5), peers see it go
 * }</pre>
 */
public final class BrokerNode implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BrokerNode.class);

  private final BrokerConfig config;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final BrokerThread thread;
  private final Broker broker;
  private final LoadRebalanceAgent agent;
  private final MqttServer mqtt;
  private final ClusterChannel cluster;
  private final ApiServer api;
  private volatile boolean closed;
  /**
   * The forwarding window after a move (past it forwarding ends anyway); under a pod's 30 s grace
   * period and the lab's 25 s before it kills a broker process that does not stop.
   */
  static final long ROUTE_FENCE_TIMEOUT_SECONDS = 20;

  private BrokerNode(BrokerConfig config) throws InterruptedException {
    this.config = config;
    this.boss = new MultiThreadIoEventLoopGroup(1, Transport.ioHandlerFactory());
    // One event loop per core (Netty's default is two): the broker thread needs a core too, and more
    // loops than cores only add switches on the accept path (docs/broker.md, the benchmark).
    this.workers = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), Transport.ioHandlerFactory());
    this.thread = new BrokerThread(config.name());
    BrokerMetrics metrics = new BrokerMetrics(config.name());
    this.broker = new Broker(config, thread, metrics);
    this.agent = new LoadRebalanceAgent(broker, config.evictionSlices());
    try {
      this.cluster = new ClusterChannel(broker, workers, config.cluster(), agent::onMessage, agent::status);
      cluster.onPeerDown(agent::onPeerDown);
      broker.cluster(cluster);
      this.api = new ApiServer(broker, agent, metrics::scrape, boss, workers, config.api());
      this.mqtt = new MqttServer(broker, workers, config.mqtt());
    } catch (InterruptedException | RuntimeException e) {
      shutdownGroups();
      throw e;
    }
    for (InetSocketAddress p : config.peers()) {
      cluster.dial(p);
    }
    // A measuring probe, off unless -Dferry.looplag.dir is set (docs/lab.md, the large lab).
    int i = 0;
    for (var loop : workers) {
      dev.ferry.broker.metrics.LoopLag.watch(config.name() + " worker-" + i++, loop);
    }
    dev.ferry.broker.metrics.LoopLag.watch(config.name() + " broker-thread", thread);
  }

  /** Starts a node; it listens on every address of {@code config} when this returns. */
  public static BrokerNode start(BrokerConfig config) {
    try {
      BrokerNode n = new BrokerNode(config);
      log.info("event=broker_started node={} transport={} mqtt={} api={} cluster={} peers={}",
          config.name(), Transport.name(), n.mqttAddress(), n.apiAddress(), n.clusterAddress(), config.peers());
      return n;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting " + config.name(), e);
    }
  }

  public String name() {
    return config.name();
  }

  public InetSocketAddress mqttAddress() {
    return mqtt.address();
  }

  public InetSocketAddress apiAddress() {
    return api.address();
  }

  /**
   * The API's root as a client writes it: {@code https://[::1]:18084} (https with the profile's
   * {@code apiTls}, IPv6 in brackets).
   */
  public String apiUrl() {
    InetSocketAddress a = api.address();
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    if (host.contains(":")) {
      host = "[" + host.replaceFirst("%.*$", "") + "]";
    }
    return (config.emqx().apiTls() != null ? "https" : "http") + "://" + host + ":" + a.getPort();
  }

  public InetSocketAddress clusterAddress() {
    return cluster.address();
  }

  /** Adds a peer at run time (its cluster address); the channel dials it and keeps redialing. */
  public void join(InetSocketAddress peerClusterAddress) {
    cluster.dial(peerClusterAddress);
  }

  /** The node's broker thread, for tests that must hold it still at a chosen moment. */
  java.util.concurrent.ScheduledExecutorService brokerThread() {
    return thread;
  }

  /** Connections, sessions and message counts; safe from any thread. */
  /** For tests: the peers this node's channel registry names for {@code clientId}, read on its broker thread. */
  java.util.Set<String> registeredAt(String clientId) throws Exception {
    return broker.executor().submit(() -> broker.registeredAt(clientId)).get(5, java.util.concurrent.TimeUnit.SECONDS);
  }

  public BrokerStats stats() {
    return broker.metrics().stats();
  }

  /** Every batch of evicted connections so far: {monotonic millis, as the pacer counts them, count}. */
  public java.util.List<long[]> evictionLog() {
    return broker.evictionLog();
  }

  /** The Prometheus exposition, as served on {@code /metrics}. */
  public String scrapeMetrics() {
    return broker.metrics().scrape();
  }

  /**
   * Stops the node: clients are disconnected (MQTT 5: 0x8B), listeners closed, peers see it go.
   * Sessions are not handed over; evacuate first for that.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    mqtt.close();
    try {
      thread.submit(() -> {
        agent.shutdown();
        broker.disconnectAll();
      }).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("event=broker_stop_incomplete node={} error={}", config.name(), e.toString());
    }
    fenceRoutes();
    api.close();
    cluster.close();
    thread.shutdown();
    shutdownGroups();
    log.info("event=broker_stopped node={}", config.name());
  }

  /**
   * Waits (at most {@link #ROUTE_FENCE_TIMEOUT_SECONDS}) until every peer holds the routes of the
   * nodes this node's sessions lately moved to, forwarding meanwhile: see {@link Broker#fenceRoutes}.
   */
  private void fenceRoutes() {
    long start = System.nanoTime();
    CompletableFuture<Void> fence;
    try {
      fence = thread.submit(broker::fenceRoutes).get(5, TimeUnit.SECONDS);
      fence.get(ROUTE_FENCE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      if (ms > 0) {
        log.info("event=route_fence_passed node={} ms={}", config.name(), ms);
      }
    } catch (TimeoutException e) {
      String pending;
      try {
        pending = String.valueOf(thread.submit(broker::fencePending).get(1, TimeUnit.SECONDS));
      } catch (Exception e2) {
        pending = "unknown";
      }
      log.warn("event=route_fence_timed_out node={} seconds={} waiting_for={}", config.name(),
          ROUTE_FENCE_TIMEOUT_SECONDS, pending);
    } catch (Exception e) {
      log.warn("event=route_fence_failed node={} error={}", config.name(), e.toString());
    }
  }

  private void shutdownGroups() {
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    thread.shutdownNow();
  }
}
