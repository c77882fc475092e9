package dev.ferry.lab.emqxoperator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.lab.cluster.Workloads;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EMQX Operator's EMQX controller ({@code controllers/apps/v2beta1/emqx_controller.go}) for a
 * cluster of core nodes, imitated: one reconcile runs its sub-reconcilers in its order
 * (updatePodConditions, updateStatus, addCore, updatePodConditions, updateStatus, syncPods,
 * syncSets) against the lab's Kubernetes API and the lab brokers' EMQX API, and is requeued after
 * 1 s while the cluster is not Ready, 30 s once it is, at once when the spec changes (it watches
 * only its own resource), and with exponential back-off after an error, as controller-runtime does.
 * The algorithm is written down in {@link dev.ferry.lab.emqxoperator}.
 */
public final class EmqxOperator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmqxOperator.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String ON_SERVING = "apps.emqx.io/on-serving";
  public static final String HASH_LABEL = "apps.emqx.io/pod-template-hash";
  static final String INSTANCE_LABEL = "apps.emqx.io/instance";
  /** Where the set keeps the digest of the template it was made from (k8s-objectmatcher keeps its last-applied object). */
  static final String TEMPLATE_ANNOTATION = "lab.ferry.dev/emqx-operator-template";

  /** An evacuation the operator started: the node, its pod, and the body sent. */
  public record EvacuationCall(String node, String pod, String body) {}

  private final KubernetesClient client;
  private final String namespace;
  private final int apiPort;
  private final String apiKey;
  private final String apiSecret;
  private final EmqxCr cr;
  private final Consumer<String> steps;
  private final List<EvacuationCall> evacuationCalls = new CopyOnWriteArrayList<>();
  private final List<String> scaledDown = new CopyOnWriteArrayList<>();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final Thread loop;
  private final Object wake = new Object();
  private volatile boolean specChanged = true;
  private volatile boolean closed;
  /** When each set was last scaled down: the SuccessfulDelete events checkWaitTakeoverReady reads. */
  private final Map<String, Instant> lastScaleDown = new java.util.concurrent.ConcurrentHashMap<>();
  private int failures;

  /** Starts the controller on {@code spec}; it creates the first StatefulSet on its first pass. */
  public EmqxOperator(KubernetesClient client, String namespace, int apiPort, String apiKey, String apiSecret,
      Spec spec, Consumer<String> steps) {
    this.client = client;
    this.namespace = namespace;
    this.apiPort = apiPort;
    this.apiKey = apiKey;
    this.apiSecret = apiSecret;
    this.cr = new EmqxCr(new EmqxCr.Spec(spec.name(), spec.replicas(), spec.image(), spec.initialDelaySeconds(),
        spec.waitTakeover(), spec.connEvictRate(), spec.sessEvictRate()));
    this.steps = steps;
    this.loop = Thread.ofPlatform().daemon().name("emqx-operator").start(this::run);
  }

  /** The EMQX resource's spec, as a user writes it (updateStrategy and evacuationStrategy included). */
  public record Spec(String name, int replicas, String image, int initialDelaySeconds, int waitTakeover,
      int connEvictRate, int sessEvictRate) {}

  /** {@code kubectl edit emqx}: a new image (a release, or a rollback when it is an earlier one). */
  public void setImage(String image) {
    cr.spec.image = image;
    specChanged = true;
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  public boolean ready() {
    return cr.isTrue(EmqxCr.READY);
  }

  public String state() {
    return String.valueOf(cr.lastTrueCondition());
  }

  public String updateRevision() {
    return cr.updateRevision;
  }

  public String currentRevision() {
    return cr.currentRevision;
  }

  public List<EvacuationCall> evacuationCalls() {
    return List.copyOf(evacuationCalls);
  }

  /** The pods whose StatefulSet the operator scaled down, in order. */
  public List<String> scaledDown() {
    return List.copyOf(scaledDown);
  }

  /** The events it recorded ({@code reason: message}), in order. */
  public List<String> events() {
    return List.copyOf(events);
  }

  /** The core nodes the status lists now (running and stopped). */
  List<EmqxCr.CoreNode> coreNodes() {
    return cr.coreNodes;
  }

  EmqxCr cr() {
    return cr;
  }

  /** The API client the Rebalance controller builds the same way (newRequester). */
  EmqxApi requesterForRebalance() {
    return requester();
  }

  private void run() {
    while (!closed) {
      Duration next;
      try {
        specChanged = false;
        next = reconcile();
        failures = 0;
      } catch (RuntimeException | IOException e) {
        event("ReconcilerFailed", e.getMessage());
        failures++;
        next = Duration.ofMillis(Math.min(1_000_000L, Math.max(100, 5L << Math.min(failures, 30))));
      }
      synchronized (wake) {
        long until = System.currentTimeMillis() + next.toMillis();
        while (!closed && !specChanged && System.currentTimeMillis() < until) {
          try {
            wake.wait(Math.max(1, until - System.currentTimeMillis()));
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }
  }

  /** One reconcile: the sub-reconcilers in the EMQX Operator's order; what to wait before the next. */
  Duration reconcile() throws IOException {
    EmqxApi r = requester();
    updatePodConditions(r);
    updateStatus(r);
    if (addCore()) {
      return Duration.ZERO; // Requeue: true
    }
    updatePodConditions(r);
    updateStatus(r);
    syncPods(r);
    syncSets();
    return cr.isTrue(EmqxCr.READY) ? Duration.ofSeconds(30) : Duration.ofSeconds(1);
  }

  // ---------------------------------------------------------------- the sets

  private Map<String, String> coreLabels() {
    Map<String, String> l = new LinkedHashMap<>();
    l.put("app", cr.spec.name); // the lab's Service and broker discovery select by app
    l.put(INSTANCE_LABEL, cr.spec.name);
    l.put("apps.emqx.io/managed-by", "emqx-operator");
    l.put("apps.emqx.io/db-role", "core");
    return l;
  }

  /** The sets of this cluster: the update one, the current one, and the others oldest first. */
  record Sets(StatefulSet update, StatefulSet current, List<StatefulSet> old) {}

  Sets sets() {
    List<StatefulSet> all = client.apps().statefulSets().inNamespace(namespace)
        .withLabel(INSTANCE_LABEL, cr.spec.name).list().getItems();
    StatefulSet update = null;
    StatefulSet current = null;
    List<StatefulSet> old = new ArrayList<>();
    for (StatefulSet s : all) {
      String hash = s.getMetadata().getLabels().get(HASH_LABEL);
      if (hash == null) {
        continue;
      }
      if (hash.equals(cr.updateRevision)) {
        update = s;
      }
      if (hash.equals(cr.currentRevision)) {
        current = s;
      }
      if (!hash.equals(cr.updateRevision) && !hash.equals(cr.currentRevision)) {
        old.add(s);
      }
    }
    old.sort(Comparator.comparing((StatefulSet s) -> String.valueOf(s.getMetadata().getCreationTimestamp()))
        .thenComparing(s -> s.getMetadata().getName()));
    return new Sets(update, current, old);
  }

  private static String uid(StatefulSet s) {
    return s == null ? null : s.getMetadata().getUid();
  }

  private static int statusReplicas(StatefulSet s) {
    return s.getStatus() == null || s.getStatus().getReplicas() == null ? 0 : s.getStatus().getReplicas();
  }

  private static int readyReplicas(StatefulSet s) {
    return s.getStatus() == null || s.getStatus().getReadyReplicas() == null ? 0 : s.getStatus().getReadyReplicas();
  }

  private static int specReplicas(StatefulSet s) {
    return s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
  }

  /** The set the spec asks for, named by its template's hash (getNewStatefulSet). */
  private StatefulSet desiredSet() {
    PodTemplateSpec t = Workloads.brokerTemplate(cr.spec.name, cr.spec.image, coreLabels());
    t.getSpec().setReadinessGates(List.of(new PodReadinessGate(ON_SERVING)));
    String digest = Decisions.templateHash(Serialization.asJson(t), null);
    String hash = Decisions.templateHash(Serialization.asJson(t), cr.collisionCount);
    Map<String, String> labels = new LinkedHashMap<>(coreLabels());
    labels.put(HASH_LABEL, hash);
    t.getMetadata().setLabels(labels);
    return new StatefulSetBuilder()
        .withNewMetadata().withName(cr.spec.name + "-core-" + hash).withLabels(labels)
          .addToAnnotations(TEMPLATE_ANNOTATION, digest).endMetadata()
        .withNewSpec()
          .withReplicas(cr.spec.replicas)
          .withServiceName(cr.spec.name + "-headless")
          .withPodManagementPolicy("Parallel")
          .withNewSelector().withMatchLabels(labels).endSelector()
          .withTemplate(t)
        .endSpec()
        .build();
  }

  /**
   * addCore ({@code add_emqx_core.go}): a template unlike the update set's makes a new set; a name
   * already taken is, before the cluster is Available, a revert to the current set when the hashes
   * match, and otherwise a collision (count + 1, requeue: the next pass makes a set of a new name).
   * Returns true for a requeue.
   */
  private boolean addCore() {
    StatefulSet want = desiredSet();
    String hash = want.getMetadata().getLabels().get(HASH_LABEL);
    StatefulSet update = sets().update();
    String digest = want.getMetadata().getAnnotations().get(TEMPLATE_ANNOTATION);
    if (update == null || !digest.equals(update.getMetadata().getAnnotations().get(TEMPLATE_ANNOTATION))) {
      try {
        client.apps().statefulSets().inNamespace(namespace).resource(want).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        String last = cr.lastTrueCondition();
        if (last != null && !last.equals(EmqxCr.AVAILABLE) && !last.equals(EmqxCr.READY)
            && hash.equals(cr.currentRevision)) {
          progressing("RevertStatefulSet", hash);
          return false;
        }
        cr.collisionCount = cr.collisionCount == null ? 1 : cr.collisionCount + 1;
        event("Collision", "statefulSet " + want.getMetadata().getName() + " exists: collisionCount " + cr.collisionCount);
        return true;
      }
      event("CreateNewStatefulSet", want.getMetadata().getName());
      progressing("CreateNewStatefulSet", hash);
      return false;
    }
    if (specReplicas(update) != cr.spec.replicas) {
      update.getSpec().setReplicas(cr.spec.replicas);
      client.apps().statefulSets().inNamespace(namespace).resource(update).update();
      progressing("UpdateStatefulSet", hash);
    }
    return false;
  }

  private void progressing(String reason, String hash) {
    cr.setCondition(EmqxCr.CORE_NODES_PROGRESSING);
    cr.removeCondition(EmqxCr.READY);
    cr.removeCondition(EmqxCr.AVAILABLE);
    cr.removeCondition(EmqxCr.CORE_NODES_READY);
    cr.updateRevision = hash;
    log.info("event=emqx_operator_progressing reason={} update_revision={}", reason, hash);
  }

  // ---------------------------------------------------------------- pods

  private List<Pod> pods() {
    return client.pods().inNamespace(namespace).withLabel(INSTANCE_LABEL, cr.spec.name).list().getItems();
  }

  private static String controllerUid(Pod p) {
    return p.getMetadata().getOwnerReferences() == null ? null : p.getMetadata().getOwnerReferences().stream()
        .filter(o -> Boolean.TRUE.equals(o.getController())).map(io.fabric8.kubernetes.api.model.OwnerReference::getUid)
        .findFirst().orElse(null);
  }

  private static boolean conditionTrue(Pod p, String type) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static String conditionStatus(Pod p, String type) {
    return p.getStatus() == null || p.getStatus().getConditions() == null ? null : p.getStatus().getConditions()
        .stream().filter(c -> type.equals(c.getType())).map(PodCondition::getStatus).findFirst().orElse(null);
  }

  /**
   * The API client for the oldest core pod that is not terminating, has an address and whose
   * containers are ready (newRequester); null when there is none.
   */
  private EmqxApi requester() {
    return pods().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
            && p.getStatus().getPodIP() != null && conditionTrue(p, "ContainersReady"))
        .min(Comparator.comparing((Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp())))
        .map(p -> api(p.getStatus().getPodIP())).orElse(null);
  }

  private EmqxApi api(String ip) {
    return new EmqxApi(ip, apiPort, apiKey, apiSecret);
  }

  /**
   * updatePodConditions ({@code update_pod_conditions.go}): a pod of the update set whose containers
   * are ready is on-serving when its node is in the cluster's node list (and, on Enterprise 5.0.3+,
   * its availability_check answers 200); a pod of the current set whose containers are ready is
   * taken off serving once the cluster is Available. Pods of any other set are left as they are.
   */
  private void updatePodConditions(EmqxApi r) {
    Sets sets = sets();
    for (Pod pod : pods()) {
      String owner = controllerUid(pod);
      if (owner == null || !conditionTrue(pod, "ContainersReady")) {
        continue;
      }
      String want = null;
      if (owner.equals(uid(sets.update()))) {
        want = checkInCluster(r, pod);
      } else if (owner.equals(uid(sets.current())) && cr.isTrue(EmqxCr.AVAILABLE)) {
        want = "False";
      }
      if (want != null && !want.equals(conditionStatus(pod, ON_SERVING))) {
        setOnServing(pod.getMetadata().getName(), want);
      }
    }
  }

  private String checkInCluster(EmqxApi r, Pod pod) {
    for (EmqxCr.CoreNode n : cr.coreNodes) {
      if (pod.getMetadata().getUid().equals(n.podUid())) {
        if (Decisions.asksAvailability(n.edition(), n.version())) {
          if (r == null) {
            return "False";
          }
          try {
            return api(pod.getStatus().getPodIP()).availability() == 200 ? "True" : "False";
          } catch (IOException e) {
            return "Unknown";
          }
        }
        return "True";
      }
    }
    return "False";
  }

  private void setOnServing(String podName, String status) {
    try {
      EmqxPods.setCondition(client, namespace, podName, ON_SERVING, status);
    } catch (KubernetesClientException | IllegalStateException e) {
      log.debug("event=emqx_operator_pod_condition_failed pod={} error={}", podName, e.toString());
    }
  }

  // ---------------------------------------------------------------- status

  /**
   * updateStatus ({@code update_emqx_status.go}): the current revision moves on once the current
   * set has no pods (to the oldest other set that still has some, else the update set); the core
   * nodes come from the requester's {@code /nodes}, mapped to pods (by address here), the
   * evacuations from {@code global_status}; then one step of the status machine.
   */
  private void updateStatus(EmqxApi r) {
    if (!cr.updateRevision.isEmpty() && cr.currentRevision.isEmpty()) {
      cr.currentRevision = cr.updateRevision;
    }
    Sets sets = sets();
    if (sets.update() != null && (sets.current() == null
        || (!uid(sets.update()).equals(uid(sets.current())) && statusReplicas(sets.current()) == 0))) {
      StatefulSet next = sets.old().stream().filter(s -> statusReplicas(s) > 0).findFirst().orElse(sets.update());
      cr.currentRevision = next.getMetadata().getLabels().get(HASH_LABEL);
      return;
    }
    if (r == null) {
      return;
    }
    List<EmqxCr.CoreNode> nodes = new ArrayList<>();
    try {
      List<Pod> pods = pods();
      for (EmqxApi.Node n : r.nodes()) {
        String host = n.name().substring(n.name().indexOf('@') + 1);
        for (Pod p : pods) {
          if (p.getStatus() != null && host.equals(p.getStatus().getPodIP()) && controllerUid(p) != null) {
            nodes.add(new EmqxCr.CoreNode(n.name(), n.status(), n.edition(), n.version(), n.sessions(),
                p.getMetadata().getUid(), controllerUid(p)));
          }
        }
      }
    } catch (IOException e) {
      event("FailedToGetNodeStatuses", e.getMessage());
    }
    cr.coreNodes = nodes;
    cr.readyReplicas = (int) nodes.stream().filter(n -> "running".equals(n.status())).count();
    boolean enterprise = nodes.stream().anyMatch(n -> Objects.equals(n.controllerUid(), uid(sets.current()))
        && "Enterprise".equals(n.edition()));
    if (enterprise) {
      try {
        cr.evacuations = r.evacuations();
      } catch (IOException e) {
        event("FailedToGetNodeEvacuationStatuses", e.getMessage());
        cr.evacuations = List.of();
      }
    }
    nextStatus(sets.update());
  }

  /** One step of the status machine ({@code status_machine.go}), cores only. */
  private void nextStatus(StatefulSet update) {
    String state = cr.lastTrueCondition();
    if (state == null) {
      cr.setCondition(EmqxCr.INITIALIZED);
      state = EmqxCr.INITIALIZED;
    }
    switch (state) {
      case EmqxCr.INITIALIZED -> restart();
      case EmqxCr.CORE_NODES_PROGRESSING -> {
        if (update != null && readyReplicas(update) != 0 && readyReplicas(update) == cr.spec.replicas) {
          cr.setCondition(EmqxCr.CORE_NODES_READY);
        }
      }
      case EmqxCr.CORE_NODES_READY -> {
        cr.setCondition(EmqxCr.AVAILABLE);
        event("Available", "cluster is available");
      }
      case EmqxCr.AVAILABLE -> {
        if (cr.readyReplicas == cr.spec.replicas && cr.updateRevision.equals(cr.currentRevision)) {
          cr.setCondition(EmqxCr.READY);
          event("Ready", "cluster is ready");
        }
      }
      case EmqxCr.READY -> {
        if (update != null && readyReplicas(update) != cr.spec.replicas) {
          restart();
        }
      }
      default -> { }
    }
  }

  private void restart() {
    for (String c : List.of(EmqxCr.READY, EmqxCr.AVAILABLE, EmqxCr.CORE_NODES_READY, EmqxCr.CORE_NODES_PROGRESSING)) {
      cr.removeCondition(c);
    }
    cr.setCondition(EmqxCr.CORE_NODES_PROGRESSING);
  }

  // ---------------------------------------------------------------- scale-down

  /**
   * syncPods ({@code sync_pods.go}), StatefulSet path: once Available, the current (old) set loses
   * one pod at a time, its highest ordinal, after that node is evacuated to the update set's nodes.
   */
  private void syncPods(EmqxApi r) throws IOException {
    if (r == null || !cr.isTrue(EmqxCr.AVAILABLE)) {
      return;
    }
    Sets sets = sets();
    if (sets.update() == null || sets.current() == null || uid(sets.update()).equals(uid(sets.current()))) {
      return;
    }
    List<String> migrateTo = cr.coreNodes.stream().filter(n -> uid(sets.update()).equals(n.controllerUid()))
        .map(EmqxCr.CoreNode::node).toList();
    StatefulSet old = sets.current();
    if (canScaleDown(r, old, migrateTo)) {
      String pod = Decisions.podToScaleDown(old.getMetadata().getName(), specReplicas(old));
      old.getSpec().setReplicas(specReplicas(old) - 1);
      client.apps().statefulSets().inNamespace(namespace).resource(old).update();
      lastScaleDown.put(old.getMetadata().getName(), Instant.now());
      scaledDown.add(pod);
      steps.accept(pod + " deleted");
      event("ScaleDown", old.getMetadata().getName() + " to " + specReplicas(old) + " (" + pod + " goes)");
    }
  }

  private boolean canScaleDown(EmqxApi r, StatefulSet old, List<String> migrateTo) throws IOException {
    Instant available = cr.condition(EmqxCr.AVAILABLE).map(EmqxCr.Condition::lastTransition).orElse(null);
    if (!Decisions.mayTouchOldSet(available, Instant.now(), cr.spec.initialDelaySeconds, cr.evacuations)
        || statusReplicas(old) == 0) {
      return false;
    }
    String podName = Decisions.podToScaleDown(old.getMetadata().getName(), specReplicas(old));
    Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
    if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    EmqxApi.Node info = r.node("emqx@" + (ip == null ? podName : ip));
    if ("stopped".equals(info.status())) {
      return true;
    }
    if ("Enterprise".equals(info.edition()) && info.sessions() > 0) {
      startEvacuation(r, migrateTo, info.name(), podName);
      return false;
    }
    return Decisions.takeoverWaitOver(lastScaleDown.get(old.getMetadata().getName()), Instant.now(), cr.spec.waitTakeover);
  }

  private void startEvacuation(EmqxApi r, List<String> migrateTo, String node, String pod) throws IOException {
    String body = JSON.writeValueAsString(Decisions.evacuationBody(cr.spec, migrateTo));
    EmqxApi.Reply reply = r.post("load_rebalance/" + node + "/evacuation/start", body);
    if (!Decisions.evacuationStarted(reply.status(), reply.body())) {
      throw new IOException("failed to start node evacuation: " + reply.status() + " " + reply.body());
    }
    if (evacuationCalls.stream().noneMatch(c -> c.node().equals(node))) {
      steps.accept("drain " + pod);
    }
    evacuationCalls.add(new EvacuationCall(node, pod, body));
    event("NodeEvacuation", "Node " + node + " is being evacuated");
  }

  /** syncSets ({@code sync_sets.go}): once Ready, sets beyond the revision history with no pods are deleted. */
  private void syncSets() {
    if (!cr.isTrue(EmqxCr.READY)) {
      return;
    }
    List<StatefulSet> old = sets().old();
    int excess = old.size() - cr.spec.revisionHistoryLimit;
    for (int i = 0; i < excess; i++) {
      StatefulSet s = old.get(i);
      if (statusReplicas(s) == 0 && specReplicas(s) == 0 && s.getMetadata().getDeletionTimestamp() == null) {
        client.apps().statefulSets().inNamespace(namespace).resource(s).delete();
      }
    }
  }

  private void event(String reason, String message) {
    String e = reason + ": " + message;
    if (events.isEmpty() || !events.get(events.size() - 1).equals(e)) {
      events.add(e);
      log.info("event=emqx_operator_event reason={} message=\"{}\"", reason, message);
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (wake) {
      wake.notifyAll();
    }
    try {
      loop.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
