package dev.ferry.lab.emqxoperator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The EMQX custom resource the imitation works from, kept in memory (the lab's API server has no
 * CRD for it): the spec a user edits and the status the operator writes. Only the fields the
 * blue-green update reads are here; cores only (no replicant template).
 *
 * <p>Conditions are True or absent, as the EMQX Operator's status machine uses them; the list is
 * kept newest first, which is how its {@code SetCondition} sorts it, so the first entry is what
 * {@code GetLastTrueCondition} answers.
 */
final class EmqxCr {

  /** What the user writes. {@code image} is the only field a release changes here. */
  static final class Spec {
    final String name;
    volatile int replicas;
    volatile String image;
    final int initialDelaySeconds;
    final int waitTakeover;
    final int connEvictRate;
    final int sessEvictRate;
    final int revisionHistoryLimit = 3;

    Spec(String name, int replicas, String image, int initialDelaySeconds, int waitTakeover, int connEvictRate,
        int sessEvictRate) {
      this.name = name;
      this.replicas = replicas;
      this.image = image;
      this.initialDelaySeconds = initialDelaySeconds;
      this.waitTakeover = waitTakeover;
      this.connEvictRate = connEvictRate;
      this.sessEvictRate = sessEvictRate;
    }
  }

  /** A core node as the status lists it: what {@code /nodes} said, with the pod and set it maps to. */
  record CoreNode(String node, String status, String edition, String version, long sessions, String podUid,
      String controllerUid) {}

  record Condition(String type, Instant lastTransition) {}

  static final String INITIALIZED = "Initialized";
  static final String CORE_NODES_PROGRESSING = "CoreNodesProgressing";
  static final String CORE_NODES_READY = "CoreNodesReady";
  static final String AVAILABLE = "Available";
  static final String READY = "Ready";

  final Spec spec;
  /** The revision (pod-template hash) being rolled out, and the one serving before it. */
  String updateRevision = "";
  String currentRevision = "";
  Integer collisionCount;
  int readyReplicas;
  List<CoreNode> coreNodes = List.of();
  List<EmqxApi.Evacuation> evacuations = List.of();
  private final List<Condition> conditions = new ArrayList<>();

  EmqxCr(Spec spec) {
    this.spec = spec;
  }

  synchronized void setCondition(String type) {
    conditions.removeIf(c -> c.type().equals(type));
    conditions.add(0, new Condition(type, Instant.now()));
  }

  synchronized void removeCondition(String type) {
    conditions.removeIf(c -> c.type().equals(type));
  }

  synchronized boolean isTrue(String type) {
    return conditions.stream().anyMatch(c -> c.type().equals(type));
  }

  synchronized Optional<Condition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }

  /** The newest True condition: the status machine's current state. */
  synchronized String lastTrueCondition() {
    return conditions.isEmpty() ? null : conditions.get(0).type();
  }

  synchronized List<String> conditionTypes() {
    return conditions.stream().map(Condition::type).toList();
  }
}
