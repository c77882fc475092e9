package dev.ferry.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Our kubelet under the real controllers: the ReplicaSet controller's pods bound, run on their own
 * addresses and published by the real EndpointSlice controller only once their readiness gate is
 * True; a deleted pod's preStop hook, SIGTERM and final deletion; a Job's pod run to completion
 * and the Job Complete.
 */
@Tag("real-kube")
class KubeletTest {
  static final String NS = "kubelet";
  static TestCluster cluster;
  static KubernetesClient client;
  static Kubelet kubelet;
  /** What happened to the containers, in order: "start <pod>", "prestop <pod>", "sigterm <pod>". */
  static final List<String> happened = new CopyOnWriteArrayList<>();
  /** Where each pod's preStop call came from, by pod. */
  static final Map<String, String> hookCallers = new java.util.concurrent.ConcurrentHashMap<>();

  /** A web server per pod on port 8080; GET /prestop is recorded; an image "job:N" exits with code N. */
  static final ContainerRuntime RUNTIME = (pod, env, ip) -> {
    String name = pod.getMetadata().getName();
    happened.add("start " + name);
    String image = pod.getSpec().getContainers().get(0).getImage();
    if (image.startsWith("job:")) {
      int code = Integer.parseInt(image.substring(4));
      return new ContainerRuntime.Container() {
        public boolean ready() {
          return false;
        }

        public CompletableFuture<ContainerRuntime.Exit> exited() {
          return CompletableFuture.completedFuture(new ContainerRuntime.Exit(code, code == 0 ? "Completed" : "Error", env.get("GREETING")));
        }

        public CompletableFuture<Void> terminate() {
          return CompletableFuture.completedFuture(null);
        }

        public void kill() {}
      };
    }
    HttpServer server = HttpServer.create(new InetSocketAddress(ip, 8080), 10);
    server.createContext("/prestop", ex -> {
      happened.add("prestop " + name);
      hookCallers.put(name, ex.getRemoteAddress().getAddress().getHostAddress());
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    server.start();
    return new ContainerRuntime.Container() {
      public boolean ready() {
        return true;
      }

      public CompletableFuture<Void> terminate() {
        happened.add("sigterm " + name);
        server.stop(0);
        return CompletableFuture.completedFuture(null);
      }

      public void kill() {
        server.stop(0);
      }
    };
  };

  @BeforeAll
  static void start() {
    cluster = TestCluster.start(KubeletTest.class, NS, RUNTIME);
    client = cluster.client();
    kubelet = cluster.kubelet();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static PodTemplateSpec template(String app, String image) {
    return new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", app).endMetadata()
        .withNewSpec().addNewReadinessGate().withConditionType("example.com/gate").endReadinessGate()
        .withTerminationGracePeriodSeconds(5L)
        .addNewContainer().withName("web").withImage(image)
        .withNewLifecycle().withNewPreStop().withNewHttpGet().withPath("/prestop").withNewPort(8080).endHttpGet().endPreStop().endLifecycle()
        .endContainer().endSpec().build();
  }

  @Test
  void replicaSetPodsRunOnTheirOwnAddressesAndServeOnlyOnceTheirGateIsTrue() {
    client.services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().addToSelector("app", "web").addNewPort().withPort(80).withNewTargetPort(8080).endPort().endSpec().build()).create();
    client.apps().replicaSets().inNamespace(NS).resource(new ReplicaSetBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withTemplate(template("web", "web:1")).endSpec().build()).create();

    await().atMost(Duration.ofSeconds(30)).until(() -> running("web").size() == 2
        && running("web").stream().allMatch(p -> PodStatuses.isTrue(p, "ContainersReady")));
    List<Pod> pods = running("web");
    assertThat(pods).allSatisfy(p -> {
      assertThat(p.getSpec().getNodeName()).isEqualTo(kubelet.nodeName());
      assertThat(p.getStatus().getPodIP()).startsWith("198.18.");
      assertThat(PodStatuses.isTrue(p, "Ready")).as("Ready waits for the gate").isFalse();
    });
    assertThat(readyEndpoints("web")).isEmpty();

    openGate(pods.get(0));
    await().atMost(Duration.ofSeconds(20)).until(() -> readyEndpoints("web").equals(List.of(pods.get(0).getStatus().getPodIP())));

    String victim = pods.get(0).getMetadata().getName();
    client.pods().inNamespace(NS).withName(victim).delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace(NS).withName(victim).get() == null);
    assertThat(happened).containsSubsequence("prestop " + victim, "sigterm " + victim);
    String nodeIp = client.nodes().withName(kubelet.nodeName()).get().getStatus().getAddresses().stream()
        .filter(a -> "InternalIP".equals(a.getType())).findFirst().orElseThrow().getAddress();
    assertThat(hookCallers.get(victim)).as("an httpGet hook comes from the node").isEqualTo(nodeIp);
    await().atMost(Duration.ofSeconds(20)).until(() -> running("web").size() == 2); // the ReplicaSet replaced it
  }

  @Test
  void aJobsPodRunsToCompletionWithItsSecretInItsEnvironment() {
    client.secrets().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName("greeting").endMetadata().addToStringData("text", "hello").build()).create();
    client.batch().v1().jobs().inNamespace(NS).resource(new JobBuilder().withNewMetadata().withName("once").endMetadata()
        .withNewSpec().withBackoffLimit(0).withNewTemplate().withNewSpec().withRestartPolicy("Never")
        .addNewContainer().withName("task").withImage("job:0")
        .addNewEnv().withName("GREETING").withNewValueFrom().withNewSecretKeyRef("text", "greeting", false).endValueFrom().endEnv()
        .endContainer().endSpec().endTemplate().endSpec().build()).create();

    await().atMost(Duration.ofSeconds(30)).until(() -> {
      var job = client.batch().v1().jobs().inNamespace(NS).withName("once").get();
      return job.getStatus() != null && job.getStatus().getConditions() != null
          && job.getStatus().getConditions().stream().anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
    });
    Pod pod = client.pods().inNamespace(NS).withLabel("job-name", "once").list().getItems().get(0);
    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getMessage()).isEqualTo("hello");
  }

  @Test
  void anExecHooksCallComesFromInsideThePod() {
    client.pods().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("exec-hook").endMetadata()
        .withNewSpec().withTerminationGracePeriodSeconds(5L).addNewContainer().withName("web").withImage("web:1")
          .withNewLifecycle().withNewPreStop().withNewExec().withCommand("sh", "-c", "curl -fsS http://localhost:8080/prestop")
          .endExec().endPreStop().endLifecycle()
        .endContainer().endSpec().build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> kubelet.ipOf("exec-hook") != null
        && "Running".equals(client.pods().inNamespace(NS).withName("exec-hook").get().getStatus().getPhase()));
    client.pods().inNamespace(NS).withName("exec-hook").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace(NS).withName("exec-hook").get() == null);
    // Run in the container, so from loopback: what a service trusting local callers only (Dubbo's QoS) lets in.
    assertThat(hookCallers.get("exec-hook")).isEqualTo("127.0.0.1");
  }

  @Test
  void theNodeIsReadyAndItsLeaseIsRenewed() {
    var node = client.nodes().withName(kubelet.nodeName()).get();
    assertThat(node.getStatus().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Ready");
      assertThat(c.getStatus()).isEqualTo("True");
    });
    var leases = client.leases().inNamespace("kube-node-lease");
    await().atMost(Duration.ofSeconds(10)).until(() -> leases.withName(kubelet.nodeName()).get() != null);
    var first = leases.withName(kubelet.nodeName()).get();
    assertThat(first.getSpec().getHolderIdentity()).isEqualTo(kubelet.nodeName());
    assertThat(first.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
    // Renewed every 10 s, well within its 40 s: the node-lifecycle controller would see a live node.
    await().atMost(Duration.ofSeconds(20)).until(() ->
        leases.withName(kubelet.nodeName()).get().getSpec().getRenewTime().isAfter(first.getSpec().getRenewTime()));
  }

  static List<Pod> running(String app) {
    return client.pods().inNamespace(NS).withLabel("app", app).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null && "Running".equals(p.getStatus().getPhase())).toList();
  }

  static List<String> readyEndpoints(String service) {
    return client.discovery().v1().endpointSlices().inNamespace(NS).withLabel("kubernetes.io/service-name", service).list()
        .getItems().stream().flatMap(s -> s.getEndpoints() == null ? java.util.stream.Stream.<Endpoint>empty() : s.getEndpoints().stream())
        .filter(e -> e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getReady()))
        .flatMap(e -> e.getAddresses().stream()).sorted().toList();
  }

  static void openGate(Pod pod) {
    PodStatuses.update(client, NS, pod.getMetadata().getName(), p -> {
      var cs = new java.util.ArrayList<>(p.getStatus().getConditions());
      cs.add(new PodConditionBuilder().withType("example.com/gate").withStatus("True").build());
      p.getStatus().setConditions(cs);
      return true;
    });
  }
}
