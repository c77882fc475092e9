package dev.ferry.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Which pod the real ReplicaSet controller deletes when Ferry scales a set down by one after
 * draining a pod: the one Ferry marked with {@code controller.kubernetes.io/pod-deletion-cost},
 * as long as no other pod of the set ranks before it. Kubernetes ranks (ActivePodsWithRanks) a pod
 * that is not Ready before any Ready one, and only then by cost: so a drained pod, taken out of the
 * Service (its gate False, so not Ready), goes first among Ready pods, and among other not-Ready
 * pods (the old set after a blue-green switch) its cost decides.
 */
@Tag("real-kube")
class ReplicaSetScaleDownTest {
  static final String NS = "scale-down";
  static final String GATE = "example.com/serving";
  static TestCluster cluster;
  static KubernetesClient client;
  static Kubelet kubelet;

  static final ContainerRuntime RUNTIME = (pod, env, ip) -> new ContainerRuntime.Container() {
    public boolean ready() {
      return true;
    }

    public CompletableFuture<Void> terminate() {
      return CompletableFuture.completedFuture(null);
    }

    public void kill() {}
  };

  @BeforeAll
  static void start() {
    cluster = TestCluster.start(ReplicaSetScaleDownTest.class, NS, RUNTIME);
    client = cluster.client();
    kubelet = cluster.kubelet();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  /** A set of three running pods, each gate as given (True: Ready). */
  static List<Pod> setOfThree(String name, boolean... gates) {
    client.apps().replicaSets().inNamespace(NS).resource(new ReplicaSetBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("set", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("set", name).endMetadata()
        .withNewSpec().addNewReadinessGate().withConditionType(GATE).endReadinessGate().withTerminationGracePeriodSeconds(1L)
        .addNewContainer().withName("app").withImage("app:1").endContainer().endSpec().endTemplate()
        .endSpec().build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> live(name).size() == 3
        && live(name).stream().allMatch(p -> PodStatuses.isTrue(p, "ContainersReady")));
    List<Pod> pods = new ArrayList<>(live(name));
    for (int i = 0; i < 3; i++) {
      gate(pods.get(i), gates[i]);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      List<Pod> now = live(name);
      return now.stream().filter(p -> PodStatuses.isTrue(p, "Ready")).count() == countTrue(gates);
    });
    return pods;
  }

  @Test
  void amongReadyPodsTheMarkedOneGoes() {
    List<Pod> pods = setOfThree("ready", true, true, true);
    Pod drained = pods.get(1);
    gate(drained, false); // Ferry takes the pod out of the Service before it drains it
    markAndScaleDown("ready", drained);
    await().atMost(Duration.ofSeconds(20)).until(() -> live("ready").size() == 2);
    assertThat(names(live("ready"))).doesNotContain(drained.getMetadata().getName()).hasSize(2);
  }

  @Test
  void amongPodsThatAreAllOutOfTheServiceTheMarkedOneGoes() {
    // The old set after a blue-green switch: every gate False, so no pod is Ready.
    List<Pod> pods = setOfThree("switched", false, false, false);
    Pod drained = pods.get(0);
    markAndScaleDown("switched", drained);
    await().atMost(Duration.ofSeconds(20)).until(() -> live("switched").size() == 2);
    assertThat(names(live("switched"))).doesNotContain(drained.getMetadata().getName());
  }

  @Test
  void aPodThatIsNotReadyGoesBeforeAMarkedReadyOne() {
    // The order Kubernetes uses: readiness before cost. Ferry never marks a pod that is still Ready.
    List<Pod> pods = setOfThree("mixed", true, false, true);
    Pod marked = pods.get(0);
    Pod notReady = pods.get(1);
    markAndScaleDown("mixed", marked);
    await().atMost(Duration.ofSeconds(20)).until(() -> live("mixed").size() == 2);
    assertThat(names(live("mixed"))).contains(marked.getMetadata().getName()).doesNotContain(notReady.getMetadata().getName());
  }

  static void markAndScaleDown(String set, Pod pod) {
    // A merge patch, as Ferry marks it: the kubelet rewrites the pod's status meanwhile, so an edit
    // carrying the resourceVersion of a read a moment old would be refused with 409.
    client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"controller.kubernetes.io/pod-deletion-cost\":\"-99999\"}}}");
    client.apps().replicaSets().inNamespace(NS).withName(set).scale(2);
  }

  static void gate(Pod pod, boolean value) {
    PodStatuses.update(client, NS, pod.getMetadata().getName(), p -> {
      var cs = new ArrayList<>(p.getStatus().getConditions());
      cs.removeIf(c -> GATE.equals(c.getType()));
      cs.add(new PodConditionBuilder().withType(GATE).withStatus(value ? "True" : "False").build());
      p.getStatus().setConditions(cs);
      return true;
    });
  }

  static List<Pod> live(String set) {
    return client.pods().inNamespace(NS).withLabel("set", set).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }

  static long countTrue(boolean... values) {
    long n = 0;
    for (boolean v : values) {
      n += v ? 1 : 0;
    }
    return n;
  }
}
