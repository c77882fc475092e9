package dev.ferry.broker.evacuation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.broker.Broker;
import dev.ferry.broker.EmqxProfile;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The entries of {@code GET /nodes} as EMQX's {@code emqx_mgmt:node_info/0} builds them. A running
 * node: its name, {@code node_status "running"}, version and edition (the profile's), role
 * {@code core}, {@code connections} (every session, connected or not: EMQX counts its channel table),
 * {@code live_connections} (connected clients; 5.1 and later), uptime in milliseconds and the host
 * figures (load, file descriptors, memory as "1.23G", paths). A stopped peer: only its name,
 * {@code node_status "stopped"} and its role (the role since 5.1). {@code cluster_sessions} (5.6 and
 * later) is the cluster's session count, the same on every node, so the node that answers adds it.
 *
 * <p>The host figures describe this JVM's host; they are sampled at most every three seconds, as
 * EMQX's {@code emqx_mgmt_cache} keeps its memory figures for 3 s (its loads are minute averages).
 * Read once a second, they took 3% of a lab broker's CPU.
 */
final class NodeInfo {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SAMPLE_MILLIS = 3_000;
  /** EMQX's default {@code node.process_limit}. */
  private static final int PROCESS_LIMIT = 2_097_152;

  private final Broker broker;
  private final EmqxProfile profile;
  private final EmqxBehaviour emqx;
  private ObjectNode host;
  private long hostSampledAt = Long.MIN_VALUE;

  NodeInfo(Broker broker, EmqxProfile profile, EmqxBehaviour emqx) {
    this.broker = broker;
    this.profile = profile;
    this.emqx = emqx;
  }

  /** This node's running entry, without {@code cluster_sessions}. Broker thread. */
  ObjectNode running() {
    ObjectNode n = JSON.createObjectNode()
        .put("node", broker.name())
        .put("node_status", "running")
        .put("version", profile.version())
        .put("edition", profile.edition())
        .put("role", "core")
        .put("connections", broker.sessionCount());
    if (emqx.liveConnectionsInNodes()) {
      n.put("live_connections", broker.connectedCount());
    }
    n.put("uptime", broker.uptimeMillis());
    n.setAll(hostFigures());
    return n;
  }

  /** A running entry (this node's or a peer's) as this node answers it. */
  ObjectNode answered(ObjectNode running, long clusterSessions) {
    ObjectNode n = running.deepCopy();
    if (emqx.clusterSessionsInNodes()) {
      n.put("cluster_sessions", clusterSessions);
    }
    return n;
  }

  /** A peer that is known and not running: EMQX says no more than this. */
  ObjectNode stopped(String node) {
    ObjectNode n = JSON.createObjectNode().put("node", node).put("node_status", "stopped");
    if (emqx.liveConnectionsInNodes()) {
      n.put("role", "core");
    }
    return n;
  }

  private ObjectNode hostFigures() {
    long now = Broker.now();
    if (host == null || now - hostSampledAt >= SAMPLE_MILLIS) {
      host = sampleHost();
      hostSampledAt = now;
    }
    return host;
  }

  private ObjectNode sampleHost() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    double[] loads = loadAverages(os);
    ObjectNode h = JSON.createObjectNode()
        .put("load1", loads[0])
        .put("load5", loads[1])
        .put("load15", loads[2]);
    long maxFds = os instanceof com.sun.management.UnixOperatingSystemMXBean u ? u.getMaxFileDescriptorCount() : 1_048_576;
    h.put("max_fds", maxFds)
        .put("process_available", PROCESS_LIMIT)
        .put("process_used", ManagementFactory.getThreadMXBean().getThreadCount());
    long total = 0;
    long free = 0;
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      total = sun.getTotalMemorySize();
      free = sun.getFreeMemorySize();
    }
    return h.put("memory_total", kmg(total))
        .put("memory_used", kmg(total - free))
        .put("otp_release", profile.atLeast(5, 9) ? "27.2-3" : profile.atLeast(5) ? "26.2.5-3" : "24.3.4.2-1")
        .put("sys_path", "/opt/emqx")
        .put("log_path", "/opt/emqx/log");
  }

  private static double[] loadAverages(OperatingSystemMXBean os) {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
    } catch (IOException | RuntimeException e) {
      double one = Math.max(0, os.getSystemLoadAverage());
      return new double[] {one, one, one};
    }
  }

  /** EMQX's {@code emqx_mgmt_util:kmg/1}: "15.53G", "512.00M", "3.50K", or the bytes. */
  static String kmg(long bytes) {
    double kb = 1024;
    if (bytes > kb * kb * kb) {
      return String.format(Locale.ROOT, "%.2fG", bytes / (kb * kb * kb));
    }
    if (bytes > kb * kb) {
      return String.format(Locale.ROOT, "%.2fM", bytes / (kb * kb));
    }
    if (bytes > kb) {
      return String.format(Locale.ROOT, "%.2fK", bytes / kb);
    }
    return Long.toString(bytes);
  }
}
