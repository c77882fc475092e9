package dev.ferry.workload.dubbo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * A single-node ZooKeeper in this process (Curator's {@link TestingServer}), listening on a given
 * loopback address: the lab's default registry. No limit on connections per client address (every
 * simulated pod connects from the same host).
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
  private final TestingServer server;
  private final InetSocketAddress address;

  private EmbeddedZooKeeper(TestingServer server, InetSocketAddress address) {
    this.server = server;
    this.address = address;
  }

  /** Starts ZooKeeper on {@code address} (port 0: a free one) with a temporary data directory. */
  public static EmbeddedZooKeeper start(InetSocketAddress address) {
    try {
      var dir = Files.createTempDirectory("ferry-zk").toFile();
      int port = address.getPort() == 0 ? InstanceSpec.getRandomPort() : address.getPort();
      String host = address.getHostString();
      InstanceSpec spec = new InstanceSpec(
          dir, port, -1, -1, true, 1, -1, 0,
          Map.<String, Object>of("clientPortAddress", host, "admin.enableServer", "false"), host);
      TestingServer server = new TestingServer(spec, true);
      return new EmbeddedZooKeeper(server, new InetSocketAddress(host, port));
    } catch (Exception e) {
      throw new IllegalStateException("cannot start ZooKeeper on " + address + ": " + e, e);
    }
  }

  public InetSocketAddress address() {
    return address;
  }

  /** {@code host:port}, as ZooKeeper clients take it. */
  public String connectString() {
    return address.getHostString() + ":" + address.getPort();
  }

  /** Dubbo's registry address: {@code zookeeper://host:port}. */
  public String dubboRegistry() {
    return "zookeeper://" + connectString();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
