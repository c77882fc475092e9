package dev.ferry.operator.support;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.cluster.Kubelet;
import dev.ferry.operator.FerryOperator;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The world of an operator test: the real kube-apiserver, etcd and kube-controller-manager
 * ({@link TestKube}, one per test JVM) with Ferry's CRDs and the operator's RBAC from
 * {@code deploy/operator/}; a namespace of the test's own; our kubelet running its pods
 * ({@link TestPods}: real brokers, drain servers, migration Jobs); and the operator itself, as its
 * own ServiceAccount, so that a permission it lacks fails the test.
 */
public final class OperatorHarness implements AutoCloseable {
  /** The test's namespace. */
  public final String ns;
  /** An admin client whose default namespace is {@link #ns}. */
  public final KubernetesClient client;
  public final TestPods cluster;
  private final Kubelet kubelet;
  private KubernetesClient operatorClient;
  private FerryOperator operator;

  public OperatorHarness(Duration podStartup) {
    this.ns = TestKube.newNamespace("t");
    this.client = TestKube.adminClient(ns);
    client.secrets().inNamespace(ns).resource(new SecretBuilder()
        .withNewMetadata().withName("mqtt-api-key").withNamespace(ns).endMetadata()
        .addToStringData(FerryNames.EMQX_API_KEY_SECRET_KEY, TestPods.API_KEY)
        .addToStringData(FerryNames.EMQX_API_SECRET_SECRET_KEY, TestPods.API_SECRET)
        .build()).create();
    this.cluster = new TestPods(podStartup).record(client, ns);
    this.kubelet = Kubelet.start(client, cluster, Kubelet.Settings.of(ns));
  }

  /** Starts the operator, watching the test's namespace, as its ServiceAccount, with server-side apply. */
  public OperatorHarness startOperator() throws Exception {
    return startOperator(TestKube.operatorClient());
  }

  /** Starts the operator with this client (closed with the operator). */
  public OperatorHarness startOperator(KubernetesClient client) throws Exception {
    operatorClient = client;
    operator = FerryOperator.start(operatorClient, new FerryOperator.Options(
        Set.of(ns), true, new InetSocketAddress("127.0.0.1", 0)));
    return this;
  }

  /** Stops the operator as a crash would look to the cluster: it just goes away. */
  public void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
      operatorClient.close();
      operatorClient = null;
    }
  }

  public FerryOperator operator() {
    return operator;
  }

  public LosslessDeployment ld(String name) {
    return client.resources(LosslessDeployment.class).inNamespace(ns).withName(name).get();
  }

  /**
   * Edits a LosslessDeployment as a user would, trying again when the operator's status write got
   * there first (409), as kubectl edit users do.
   */
  public void edit(String name, java.util.function.UnaryOperator<LosslessDeployment> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.resources(LosslessDeployment.class).inNamespace(ns).withName(name).edit(change);
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 20) {
          throw e;
        }
      }
    }
  }

  /**
   * Creates the broker LosslessDeployment of {@link Fixtures#mqtt} with {@code image}, changed by
   * {@code tweak}, waits until it is Healthy with all its pods serving, and returns its revision.
   */
  public String deployMqtt(String image, java.util.function.Consumer<LosslessDeployment> tweak) {
    LosslessDeployment ld = Fixtures.mqtt(client, image);
    tweak.accept(ld);
    client.resources(LosslessDeployment.class).inNamespace(ns).resource(ld).create();
    int replicas = ld.getSpec().getReplicas();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> phase("mqtt") == LosslessDeploymentPhase.HEALTHY && serving().size() == replicas);
    return ld("mqtt").getStatus().getCurrentRevision();
  }

  /** Changes the image of a LosslessDeployment's template: a release. */
  public void image(String name, String image) {
    edit(name, ld -> {
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      return ld;
    });
  }

  /** Healthy on a revision other than {@code revision}: a release of it completed. */
  public boolean healthyOnAnotherThan(String name, String revision) {
    var s = ld(name).getStatus();
    return s.getPhase() == LosslessDeploymentPhase.HEALTHY && !revision.equals(s.getCurrentRevision());
  }

  /** One of a LosslessDeployment's status conditions. */
  public io.fabric8.kubernetes.api.model.Condition condition(String name, String type) {
    return ld(name).getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  public LosslessDeploymentPhase phase(String name) {
    LosslessDeployment ld = ld(name);
    return ld == null || ld.getStatus() == null ? null : ld.getStatus().getPhase();
  }

  /**
   * The live pods of the namespace's LosslessDeployments: not a migration Job's, and not one being
   * deleted (on a real cluster a deleted pod stays, Terminating, through its preStop hook and grace
   * period).
   */
  public List<Pod> pods() {
    return allPods().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** The pods of the namespace's LosslessDeployments, Terminating ones too. */
  public List<Pod> allPods() {
    return client.pods().inNamespace(ns).withLabel(FerryNames.REVISION_LABEL).list().getItems();
  }

  /** Pods that a Service would route new clients to now: containers ready and gate True. */
  public List<Pod> serving() {
    return pods().stream()
        .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null)
        .filter(p -> p.getStatus().getConditions().stream().anyMatch(c -> "ContainersReady".equals(c.getType()) && "True".equals(c.getStatus()))
            && p.getStatus().getConditions().stream().anyMatch(c -> FerryNames.SERVING_CONDITION.equals(c.getType()) && "True".equals(c.getStatus())))
        .toList();
  }

  /** What the Service does for a new connection: one of the serving pods, at random. */
  public InetSocketAddress routeNewConnection() {
    List<Pod> s = serving();
    if (s.isEmpty()) {
      // Nothing serves: the client will be refused and try again.
      return new InetSocketAddress(dev.ferry.cluster.LabNetwork.API_SERVER, 9);
    }
    return cluster.mqtt(s.get(ThreadLocalRandom.current().nextInt(s.size())).getMetadata().getName());
  }

  public List<Event> events() {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  @Override
  public void close() {
    stopOperator();
    kubelet.close();
    cluster.close();
    TestKube.deleteNamespace(ns);
    client.close();
  }
}
