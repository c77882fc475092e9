package dev.ferry.lab.scenario;

import java.util.Arrays;
import java.util.Locale;

/** The release strategies the lab compares. */
public enum Scenario {
  ROLLING("rolling", "StatefulSet rolling update, the Kubernetes default: each pod deleted, then recreated"),
  BLUEGREEN_PLAIN("bluegreen-plain", "Plain blue-green: start a new set, switch the Service, delete the old pods"),
  FERRY("ferry", "Ferry blue-green: switch, then evacuate each old node at the rate through the EMQX API"),
  ADOPT("adopt", "A StatefulSet broker cluster taken over by Ferry (spec.adopt): Ferry's pods start beside it, the"
      + " Service's selector switches once, each StatefulSet pod drained highest ordinal first, then scaled away"),
  REBALANCE("rebalance", "Scale out by one node, then a Rebalance moves clients to it at the rate"),
  SCALE_OUT("scale-out", "Scale out by one node with spec.rebalance.auto: the operator judges the load once it"
      + " settles and runs a Rebalance of its own; nobody writes one"),
  EMQX_OPERATOR("emqx-operator", "The EMQX Operator's blue-green (imitated from its source): a new StatefulSet,"
      + " the old pods out of the Service once it is Available, then one old node at a time evacuated"
      + " (EMQX's default 60 s health-check wait included) and scaled down"),
  EMQX_OPERATOR_ROLLBACK("emqx-operator-rollback", "The EMQX Operator's release, set back to the old image as the"
      + " first old node starts draining"),
  EMQX_OPERATOR_BAD_IMAGE("emqx-operator-bad-image", "The EMQX Operator's release to an image that never starts,"
      + " corrected to the good one 20 s later"),
  EMQX_OPERATOR_BAD_IMAGE_REVERT("emqx-operator-bad-image-revert", "The EMQX Operator's release to an image that"
      + " never starts, set back to the old image 20 s later"),
  EMQX_OPERATOR_LATE_JOIN("emqx-operator-late-join", "The EMQX Operator's release; the new pods are Ready 20 s"
      + " before they join the cluster"),
  EMQX_OPERATOR_REBALANCE_BALANCED("emqx-operator-rebalance-balanced", "No release: the EMQX Operator's Rebalance"
      + " (its CRD's defaults) on a cluster the Service spread evenly"),
  FERRY_ROLLBACK("ferry-rollback", "Ferry's release, set back to the old image as the first old node starts draining"),
  FERRY_BAD_IMAGE("ferry-bad-image", "Ferry's release to an image that never starts, corrected to the good one 20 s later"),
  FERRY_BAD_IMAGE_REVERT("ferry-bad-image-revert", "Ferry's release to an image that never starts, set back to the"
      + " old image 20 s later"),
  FERRY_LATE_JOIN("ferry-late-join", "Ferry's release; the new pods are Ready 20 s before they join the cluster"),
  FERRY_REBALANCE_BALANCED("ferry-rebalance-balanced", "No release: Ferry's Rebalance (the EMQX Operator's default"
      + " thresholds) on a cluster the Service spread evenly"),
  HTTP_K8S("http-k8s", "HTTP service, Deployment-style rolling update as users have it today: readiness probe,"
      + " no delayed online, no preStop, default grace period, no drain"),
  HTTP_FERRY("http-ferry", "HTTP service, Ferry Rolling with lifecycle: delayed online, gate off -> endpoints"
      + " + propagation -> http drain -> delete, preStop sleep, warmup annotations"),
  DUBBO_K8S("dubbo-k8s", "Dubbo 3 providers (ZooKeeper), Deployment-style rolling update: no Dubbo delay or"
      + " warmup, no preStop, default grace period"),
  DUBBO_FERRY("dubbo-ferry", "Dubbo 3 providers (ZooKeeper), Ferry Rolling: Dubbo delay and warmup, preStop"
      + " calling Dubbo's QoS offline then sleeping"),
  SCHEMA("schema", "PostgreSQL-backed HTTP service released 1.0 -> 2.1 -> 2.2 -> 2.3 by Ferry with expand/contract"
      + " migration Jobs, a rollback in the middle of each step and one after the last contract"),
  SCHEMA_BIGBANG("schema-bigbang", "The same service the plain way: one migration Job (add ADDRESS, copy, drop the"
      + " PERSON columns), then a Deployment-style rolling update 1.0 -> 2.3, then a rollback to 1.0");

  private final String id;
  private final String description;

  Scenario(String id, String description) {
    this.id = id;
    this.description = description;
  }

  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  /** A request/response scenario (HTTP or Dubbo) rather than an MQTT one. */
  public boolean requestResponse() {
    return this == HTTP_K8S || this == HTTP_FERRY || this == DUBBO_K8S || this == DUBBO_FERRY;
  }

  /** A schema-migration scenario (PostgreSQL, migration Jobs, rollbacks). */
  public boolean schemaMigration() {
    return this == SCHEMA || this == SCHEMA_BIGBANG;
  }

  /** The EMQX Operator's imitation releases (or rebalances) the cluster. */
  public boolean emqxOperator() {
    return name().startsWith("EMQX_OPERATOR");
  }

  /** The Ferry operator releases the MQTT cluster (its happy path or a fault variant). */
  public boolean ferryMqtt() {
    return this == FERRY || name().startsWith("FERRY_");
  }

  /** What goes wrong in this scenario: {@link ReleaseFault#NONE} on a happy path. */
  public ReleaseFault fault() {
    return switch (this) {
      case EMQX_OPERATOR_ROLLBACK, FERRY_ROLLBACK -> ReleaseFault.ROLLBACK_MID_DRAIN;
      case EMQX_OPERATOR_BAD_IMAGE, FERRY_BAD_IMAGE -> ReleaseFault.BAD_IMAGE;
      case EMQX_OPERATOR_BAD_IMAGE_REVERT, FERRY_BAD_IMAGE_REVERT -> ReleaseFault.BAD_IMAGE_REVERTED;
      case EMQX_OPERATOR_LATE_JOIN, FERRY_LATE_JOIN -> ReleaseFault.LATE_JOIN;
      case EMQX_OPERATOR_REBALANCE_BALANCED, FERRY_REBALANCE_BALANCED -> ReleaseFault.REBALANCE_BALANCED;
      default -> ReleaseFault.NONE;
    };
  }

  /** Ferry runs the release (rather than plain Kubernetes). */
  boolean ferry() {
    return this == HTTP_FERRY || this == DUBBO_FERRY;
  }

  boolean dubbo() {
    return this == DUBBO_K8S || this == DUBBO_FERRY;
  }

  /** By its name on the command line; a clear error listing the known ones otherwise. */
  public static Scenario of(String id) {
    return Arrays.stream(values()).filter(s -> s.id.equals(id.trim().toLowerCase(Locale.ROOT))).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + id + "'; known: "
            + String.join(", ", Arrays.stream(values()).map(Scenario::id).toList())));
  }
}
