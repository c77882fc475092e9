package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.AdoptKind;
import dev.ferry.api.v1alpha1.AdoptSpec;
import dev.ferry.api.v1alpha1.AdoptionPhase;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.operator.support.Clients;
import dev.ferry.operator.support.Fixtures;
import dev.ferry.operator.support.OperatorHarness;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * spec.adopt on the real control plane: a StatefulSet of real lab brokers (the real StatefulSet
 * controller), its Service (the real EndpointSlice controller), MQTT clients that connect the way
 * the Service routes; the operator takes the clients over onto its own pods, or gives them back.
 */
@org.junit.jupiter.api.Tag("real-kube")
class AdoptionTest {

  static final String STS = "emqx";
  static final Map<String, String> APP = Map.of("app", "mqtt");

  KubernetesClient client;
  OperatorHarness h;
  /** Every StatefulSet pod ever created, as name/uid, in order: a pod created again shows twice. */
  final List<String> stsPodsCreated = new CopyOnWriteArrayList<>();
  /** The StatefulSet's replicas, each value it was set to, in order. */
  final List<Integer> stsReplicas = new CopyOnWriteArrayList<>();
  final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    h = new OperatorHarness(Duration.ofMillis(300));
    client = h.client;
    record();
    client.services().resource(new ServiceBuilder().withNewMetadata().withName("mqtt").endMetadata()
        .withNewSpec().withSelector(APP)
          .addNewPort().withName("mqtt").withPort(1883).withTargetPort(new IntOrString("mqtt")).endPort()
        .endSpec().build()).create();
    h.startOperator();
  }

  /** The StatefulSet of 3 brokers, all ready. */
  void statefulSetRunning() {
    client.apps().statefulSets().resource(statefulSet(3)).create();
    await().atMost(Duration.ofSeconds(60)).until(this::statefulSetSteady);
  }

  @AfterEach
  void tearDown() {
    informers.forEach(SharedIndexInformer::close);
    h.close();
  }

  @Test
  void aStatefulSetIsTakenOverHighestOrdinalFirstEachClientMovedOnceAndNoPodCreatedAgain() throws Exception {
    statefulSetRunning();
    try (Clients clients = Clients.connect(30, this::routeAsTheService)) {
      assertThat(clients.connected()).isEqualTo(30);
      client.resources(LosslessDeployment.class).resource(adopting()).create();

      await().atMost(Duration.ofSeconds(120)).until(() -> adoptionPhase() == AdoptionPhase.COMPLETED
          && h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY);
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 30);

      LosslessDeployment ld = h.ld("mqtt");
      // Drained highest ordinal first, each by a scale-down by one; no StatefulSet pod created again.
      assertThat(ld.getStatus().getAdoption().getRemoved()).containsExactly("emqx-2", "emqx-1", "emqx-0");
      assertThat(stsReplicas).containsSubsequence(2, 1, 0).doesNotContain(4);
      assertThat(stsPodsCreated).hasSize(3);
      // Each client moved once, by an evacuation to Ferry's pods.
      assertThat(clients.disconnectsPerClient()).containsOnly(1);
      assertThat(clients.useAnotherServerPerClient()).containsOnly(1);
      assertThat(h.serving()).hasSize(3);

      StatefulSet sts = client.apps().statefulSets().withName(STS).get();
      assertThat(sts.getSpec().getReplicas()).isZero();
      assertThat(sts.getMetadata().getAnnotations()).containsEntry(AdoptSpec.ADOPTED_REPLICAS_ANNOTATION, "3");
      var svc = client.services().withName("mqtt").get();
      assertThat(svc.getSpec().getSelector()).containsExactlyInAnyOrderEntriesOf(
          Map.of("app", "mqtt", FerryNames.DEPLOYMENT_LABEL, "mqtt"));
      assertThat(svc.getMetadata().getAnnotations()).containsEntry(AdoptSpec.ADOPTED_SELECTOR_ANNOTATION,
          "{\"app\":\"mqtt\"}");
      assertThat(ld.getMetadata().getFinalizers()).doesNotContain(AdoptSpec.ADOPTION_FINALIZER);
      assertThat(ld.getStatus().getCurrentRevision()).isEqualTo(ld.getStatus().getAdoption().getRevision());
    }
    assertThat(h.events()).extracting(Event::getReason)
        .contains("AdoptionStarted", "ServiceSwitched", "DrainStarted", "DeletingPod", "AdoptionComplete");
  }

  @Test
  void anOperatorKilledMidDrainIsFollowedByOneThatFinishesTheAdoptionFromWhatItFinds() throws Exception {
    statefulSetRunning();
    try (Clients clients = Clients.connect(30, this::routeAsTheService)) {
      createSlowAdoption();
      await().atMost(Duration.ofSeconds(120)).until(() -> {
        var st = h.ld("mqtt").getStatus();
        return st != null && st.getAdoption() != null && st.getAdoption().getRemoved().contains("emqx-2")
            && st.getDrain() != null && "emqx-1".equals(st.getDrain().getPod())
            && "evicting_conns".equals(st.getDrain().getState());
      });
      h.stopOperator();
      Thread.sleep(1500); // EMQX goes on evacuating emqx-1 with no operator
      h.startOperator();

      await().atMost(Duration.ofSeconds(120)).until(() -> adoptionPhase() == AdoptionPhase.COMPLETED);
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 30);
      assertThat(h.ld("mqtt").getStatus().getAdoption().getRemoved()).containsExactly("emqx-2", "emqx-1", "emqx-0");
      assertThat(stsPodsCreated).hasSize(3);
      assertThat(clients.disconnectsPerClient()).containsOnly(1);
      h.cluster.askEveryBroker((b, api) -> assertThat(api.globalStatus().evacuations()).isEmpty());
    }
  }

  @Test
  void anAbortMidDrainGivesTheClientsBackToTheStatefulSetAndRestoresItsObjectsAndARetryAdoptsAgain() throws Exception {
    statefulSetRunning();
    try (Clients clients = Clients.connect(30, this::routeAsTheService)) {
      createSlowAdoption();
      await().atMost(Duration.ofSeconds(120)).until(() -> h.ld("mqtt").getStatus() != null
          && h.ld("mqtt").getStatus().getAdoption() != null
          && h.ld("mqtt").getStatus().getAdoption().getRemoved().contains("emqx-2")
          && h.ld("mqtt").getStatus().getDrain() != null);
      String revision = h.ld("mqtt").getStatus().getAdoption().getRevision();
      h.edit("mqtt", x -> {
        assertThat(dev.ferry.api.ReleaseVerbs.abort(x)).isEqualTo(revision); // what `ferry abort` writes
        return x;
      });

      await().atMost(Duration.ofSeconds(120)).until(() -> adoptionPhase() == AdoptionPhase.ROLLED_BACK);
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 30);
      assertRestored();
      // emqx-2 was removed and came back (empty, a new pod); emqx-0 and emqx-1 were never recreated.
      assertThat(stsPodsCreated.stream().filter(p -> p.startsWith("emqx-0/") || p.startsWith("emqx-1/"))).hasSize(2);
      assertThat(clients.disconnectsPerClient()).allMatch(n -> n <= 2);
      assertThat(h.ld("mqtt").getMetadata().getFinalizers()).doesNotContain(AdoptSpec.ADOPTION_FINALIZER);
      assertThat(stsReplicas).containsSubsequence(3, 2, 3);
      assertThat(h.events()).extracting(Event::getReason).contains("RollingBack", "ServiceRestored",
          "AdoptionRolledBack");

      // `ferry retry`: the rolled-back adoption starts again, and completes.
      h.edit("mqtt", x -> {
        dev.ferry.api.ReleaseVerbs.retry(x);
        return x;
      });
      await().atMost(Duration.ofSeconds(120)).until(() -> adoptionPhase() == AdoptionPhase.COMPLETED);
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 30);
      assertThat(h.ld("mqtt").getStatus().getAdoption().getRemoved()).containsExactly("emqx-2", "emqx-1", "emqx-0");
    }
  }

  @Test
  void theLosslessDeploymentDeletedMidAdoptionRollsBackBeforeItGoes() throws Exception {
    statefulSetRunning();
    try (Clients clients = Clients.connect(30, this::routeAsTheService)) {
      createSlowAdoption();
      await().atMost(Duration.ofSeconds(120)).until(() -> adoptionPhase() == AdoptionPhase.DRAINING
          && h.ld("mqtt").getStatus().getDrain() != null);
      client.resources(LosslessDeployment.class).withName("mqtt").delete();

      await().atMost(Duration.ofSeconds(120)).until(() -> h.ld("mqtt") == null);
      await().atMost(Duration.ofSeconds(30)).until(() -> clients.connected() == 30
          && h.pods().stream().noneMatch(p -> p.getMetadata().getLabels().containsKey(FerryNames.DEPLOYMENT_LABEL)));
      assertRestored();
      assertThat(stsPodsCreated.stream().filter(p -> p.startsWith("emqx-0/") || p.startsWith("emqx-1/"))).hasSize(2);
      assertThat(clients.disconnectsPerClient()).allMatch(n -> n <= 2); // to Ferry's pods and back, at most
    }
  }

  @Test
  void aStatefulSetThatIsNotSelectedByTheServiceIsNotTouched() throws Exception {
    statefulSetRunning();
    client.services().withName("mqtt").edit(s -> {
      s.getSpec().setSelector(Map.of("app", "other"));
      return s;
    });
    client.resources(LosslessDeployment.class).resource(adopting()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.ld("mqtt").getStatus() != null
        && h.ld("mqtt").getStatus().getMessage() != null
        && h.ld("mqtt").getStatus().getMessage().contains("spec.service.name"));
    Thread.sleep(1000);
    assertThat(client.apps().statefulSets().withName(STS).get().getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(client.apps().replicaSets().list().getItems()).isEmpty();
    assertThat(h.ld("mqtt").getMetadata().getFinalizers()).doesNotContain(AdoptSpec.ADOPTION_FINALIZER);
  }

  @Test
  void aDeploymentIsTakenOverOnePodAtATimeByPodDeletionCostAndDeletedAfterwards() throws Exception {
    client.apps().deployments().resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
        .withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(2).withNewSelector().withMatchLabels(APP).endSelector()
          .withTemplate(statefulSet(2).getSpec().getTemplate())
        .endSpec().build()).create();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      var d = client.apps().deployments().withName("web").get();
      return d.getStatus() != null && Integer.valueOf(2).equals(d.getStatus().getReadyReplicas());
    });
    List<String> before = routable().stream().map(p -> p.getMetadata().getName()).sorted().toList();
    try (Clients clients = Clients.connect(20, this::routeAsTheService)) {
      LosslessDeployment ld = adopting();
      ld.getSpec().setReplicas(2);
      ld.getSpec().getAdopt().setKind(AdoptKind.DEPLOYMENT);
      ld.getSpec().getAdopt().setName("web");
      ld.getSpec().getAdopt().setAfterwards(dev.ferry.api.v1alpha1.AdoptAfterwards.DELETE);
      client.resources(LosslessDeployment.class).resource(ld).create();

      await().atMost(Duration.ofSeconds(120)).until(() -> adoptionPhase() == AdoptionPhase.COMPLETED);
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected() == 20);
      assertThat(h.ld("mqtt").getStatus().getAdoption().getRemoved()).containsExactlyInAnyOrderElementsOf(before);
      assertThat(clients.disconnectsPerClient()).containsOnly(1);
      assertThat(client.apps().deployments().withName("web").get()).isNull();
      // The ReplicaSet removed exactly the drained pods: no pod of the Deployment other than the first two.
      assertThat(h.cluster.deletedPods()).filteredOn(p -> p.startsWith("web-")).containsExactlyInAnyOrderElementsOf(before);
    }
  }

  /** The StatefulSet at its 3 replicas, all ready; the Service's selector and both objects as before. */
  void assertRestored() {
    await().atMost(Duration.ofSeconds(30)).until(this::statefulSetSteady);
    StatefulSet sts = client.apps().statefulSets().withName(STS).get();
    assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
    assertThat(sts.getMetadata().getAnnotations()).doesNotContainKey(AdoptSpec.ADOPTED_REPLICAS_ANNOTATION);
    var svc = client.services().withName("mqtt").get();
    assertThat(svc.getSpec().getSelector()).containsExactlyInAnyOrderEntriesOf(APP);
    assertThat(svc.getMetadata().getAnnotations()).doesNotContainKey(AdoptSpec.ADOPTED_SELECTOR_ANNOTATION);
    assertThat(routable()).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("emqx-0", "emqx-1", "emqx-2");
  }

  LosslessDeployment adopting() {
    LosslessDeployment ld = Fixtures.mqtt(client, "emqx:5.8.1");
    ld.getSpec().setReplicas(3);
    var adopt = new AdoptSpec();
    adopt.setKind(AdoptKind.STATEFUL_SET);
    adopt.setName(STS);
    ld.getSpec().setAdopt(adopt);
    return ld;
  }

  /** The adoption at 4 clients a second: slow enough to act (abort, kill, delete) while a pod drains. */
  void createSlowAdoption() {
    LosslessDeployment ld = adopting();
    ld.getSpec().getDrain().setConnEvictRate(4);
    ld.getSpec().getDrain().setSessEvictRate(4);
    client.resources(LosslessDeployment.class).resource(ld).create();
  }

  AdoptionPhase adoptionPhase() {
    LosslessDeployment ld = h.ld("mqtt");
    return ld == null || ld.getStatus() == null || ld.getStatus().getAdoption() == null ? null
        : ld.getStatus().getAdoption().getPhase();
  }

  static StatefulSet statefulSet(int replicas) {
    return new StatefulSetBuilder()
        .withNewMetadata().withName(STS).endMetadata()
        .withNewSpec().withReplicas(replicas).withServiceName("emqx-headless")
          .withNewSelector().withMatchLabels(APP).endSelector()
          .withNewTemplate().withNewMetadata().withLabels(APP).endMetadata()
            .withNewSpec().addNewContainer().withName("emqx").withImage("emqx:5.8.0")
              .addNewPort().withName("mqtt").withContainerPort(1883).endPort().endContainer()
            .endSpec()
          .endTemplate()
        .endSpec().build();
  }

  boolean statefulSetSteady() {
    StatefulSet s = client.apps().statefulSets().withName(STS).get();
    int replicas = s.getSpec().getReplicas();
    var st = s.getStatus();
    return st != null && st.getObservedGeneration() != null && st.getObservedGeneration() >= s.getMetadata().getGeneration()
        && st.getReadyReplicas() != null && st.getReadyReplicas() == replicas
        && st.getReplicas() != null && st.getReplicas() == replicas;
  }

  /** The pods the Service sends new connections to: its selector's, Ready (containers and gates), not going. */
  List<Pod> routable() {
    Map<String, String> selector = client.services().withName("mqtt").get().getSpec().getSelector();
    return client.pods().withLabels(selector).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions()
            .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
        .toList();
  }

  InetSocketAddress routeAsTheService() {
    List<Pod> s = routable();
    if (s.isEmpty()) {
      return new InetSocketAddress(dev.ferry.cluster.LabNetwork.API_SERVER, 9);
    }
    return h.cluster.mqtt(s.get(ThreadLocalRandom.current().nextInt(s.size())).getMetadata().getName());
  }

  /** Records every StatefulSet pod created and every replicas value of the StatefulSet. */
  void record() {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    informers.add(client.pods().inform(new ResourceEventHandler<>() {
      public void onAdd(Pod p) {
        String key = p.getMetadata().getName() + "/" + p.getMetadata().getUid();
        if (p.getMetadata().getName().startsWith(STS + "-") && seen.add(key)) {
          stsPodsCreated.add(key);
        }
      }

      public void onUpdate(Pod old, Pod p) {
        onAdd(p);
      }

      public void onDelete(Pod p, boolean unknown) {}
    }));
    informers.add(client.apps().statefulSets().inform(new ResourceEventHandler<>() {
      public void onAdd(StatefulSet s) {
        stsReplicas.add(s.getSpec().getReplicas());
      }

      public void onUpdate(StatefulSet old, StatefulSet s) {
        if (!s.getSpec().getReplicas().equals(old.getSpec().getReplicas())) {
          stsReplicas.add(s.getSpec().getReplicas());
        }
      }

      public void onDelete(StatefulSet s, boolean unknown) {}
    }));
  }
}
