package dev.ferry.broker.api;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;

/**
 * The paths both dialects serve, below their prefix ({@code /api/v5} or {@code /api/v4}).
 *
 * @param node the node named in the path, or null
 */
record Route(Op op, String node) {

  enum Op {
    NODES, NODE, STATUS, LOCAL_STATUS, GLOBAL_STATUS, AVAILABILITY,
    EVACUATION_START, EVACUATION_STOP, REBALANCE_START, REBALANCE_STOP;

    boolean loadRebalance() {
      return this != NODES && this != NODE && this != STATUS;
    }

    boolean start() {
      return this == EVACUATION_START || this == REBALANCE_START;
    }

    /** The load-rebalance agent's name for the operation. */
    String agentOperation() {
      return switch (this) {
        case EVACUATION_START -> "evacuation_start";
        case EVACUATION_STOP -> "evacuation_stop";
        case REBALANCE_START -> "rebalance_start";
        case REBALANCE_STOP -> "rebalance_stop";
        default -> throw new IllegalStateException(this + " is not an agent operation");
      };
    }
  }

  /** The route of {@code parts} (the path's segments below the prefix), or null for none. */
  static Route match(HttpMethod method, List<String> parts) {
    if (method.equals(HttpMethod.GET)) {
      return get(parts);
    }
    if (method.equals(HttpMethod.POST) && parts.size() >= 3 && parts.get(0).equals("load_rebalance")) {
      return post(parts);
    }
    return null;
  }

  private static Route get(List<String> parts) {
    if (parts.equals(List.of("nodes"))) {
      return new Route(Op.NODES, null);
    }
    if (parts.size() == 2 && parts.get(0).equals("nodes")) {
      return new Route(Op.NODE, parts.get(1));
    }
    if (parts.equals(List.of("status"))) {
      return new Route(Op.STATUS, null);
    }
    if (parts.size() == 2 && parts.get(0).equals("load_rebalance")) {
      return switch (parts.get(1)) {
        case "status" -> new Route(Op.LOCAL_STATUS, null);
        case "global_status" -> new Route(Op.GLOBAL_STATUS, null);
        case "availability_check" -> new Route(Op.AVAILABILITY, null);
        default -> null;
      };
    }
    return null;
  }

  private static Route post(List<String> parts) {
    String node = parts.get(1);
    List<String> rest = parts.subList(2, parts.size());
    if (rest.equals(List.of("start"))) {
      return new Route(Op.REBALANCE_START, node);
    }
    if (rest.equals(List.of("stop"))) {
      return new Route(Op.REBALANCE_STOP, node);
    }
    if (rest.equals(List.of("evacuation", "start"))) {
      return new Route(Op.EVACUATION_START, node);
    }
    if (rest.equals(List.of("evacuation", "stop"))) {
      return new Route(Op.EVACUATION_STOP, node);
    }
    return null;
  }
}
