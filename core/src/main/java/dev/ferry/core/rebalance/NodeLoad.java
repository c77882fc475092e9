package dev.ferry.core.rebalance;

/**
 * What one broker node carries.
 *
 * @param node the broker's node name, e.g. {@code emqx@10.0.0.5}
 * @param connections connected clients (EMQX's {@code live_connections})
 * @param sessions sessions, connected or not (EMQX's {@code connections}, confusingly)
 */
public record NodeLoad(String node, long connections, long sessions) {
  public NodeLoad {
    if (node == null || node.isBlank()) {
      throw new IllegalArgumentException("node must be named");
    }
    if (connections < 0 || sessions < 0) {
      throw new IllegalArgumentException("counts must not be negative: " + node);
    }
  }

  /** Sessions without a connection: what EMQX's rebalance moves in its session phase. */
  public long disconnected() {
    return Math.max(0, sessions - connections);
  }
}
