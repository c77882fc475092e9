package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.FerryNames;
import dev.ferry.api.crd.FerryCrds;
import dev.ferry.api.v1alpha1.LifecycleSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.LosslessDeploymentStatus;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.cluster.ControlPlane;
import dev.ferry.lab.cluster.Workloads;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The verbs against a real kube-apiserver, with kubectl's flags: {@code promote} promotes exactly
 * the revision awaiting promotion, and says in one line (exit 2) when there is nothing to promote;
 * {@code list} lists as {@code kubectl get deploy} does.
 */
@Tag("real-kube")
class VerbsOnApiServerTest {
  static ControlPlane plane;
  static KubernetesClient admin;

  @BeforeAll
  static void start() throws Exception {
    plane = ControlPlane.start(ControlPlane.Settings.in(Path.of("target/kube/" + VerbsOnApiServerTest.class.getSimpleName())));
    admin = plane.newAdminClient();
    FerryCrds.apply(admin, java.time.Duration.ofSeconds(30));
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
    LosslessDeployment ld = Workloads.appLosslessDeployment("web", 2, "web:1", Map.of(), 1, 0, new LifecycleSpec(), true);
    ld.getMetadata().setNamespace("shop");
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) { // the CRD is served a moment after it is created
      try {
        admin.resource(ld).create();
        break;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  @AfterAll
  static void stop() {
    admin.close();
    plane.close();
  }

  static void setPhase(LosslessDeploymentPhase phase) {
    admin.resources(LosslessDeployment.class).inNamespace("shop").withName("web").editStatus(l -> {
      LosslessDeploymentStatus s = l.getStatus() == null ? new LosslessDeploymentStatus() : l.getStatus();
      s.setPhase(phase);
      s.setCurrentRevision("5d8f7c9b6");
      s.setUpdateRevision("7b9c4d2f1");
      l.setStatus(s);
      return l;
    });
  }

  @Test
  void rebalanceCreatesOneRebalanceAtTheDrainsRates() {
    String kubeconfig = plane.adminKubeconfig().toString();
    var created = ClusterCommandsTest.run("rebalance", "web", "--kubeconfig", kubeconfig, "-n", "shop", "--wait-takeover", "5");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out()).matches("rebalance\\.ferry\\.dev/web-[a-z0-9]{5} created\n");
    var all = admin.resources(Rebalance.class).inNamespace("shop").list().getItems();
    assertThat(all).hasSize(1);
    var spec = all.get(0).getSpec();
    assertThat(spec.getTargetRef().getName()).isEqualTo("web");
    assertThat(spec.getConnEvictRate()).as("the LosslessDeployment's drain rate").isEqualTo(1000);
    assertThat(spec.getWaitTakeover()).isEqualTo(5);

    var again = ClusterCommandsTest.run("rebalance", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).isEqualTo("ferry rebalance: error: a Rebalance of shop/web is already pending or in progress: "
        + all.get(0).getMetadata().getName() + "\n");
    assertThat(ClusterCommandsTest.run("rebalance", "api", "--kubeconfig", kubeconfig, "-n", "shop").err())
        .isEqualTo("ferry rebalance: error: LosslessDeployment shop/api not found on " + plane.url() + "\n");
    assertThat(ClusterCommandsTest.run("rebalance", "web", "--kubeconfig", kubeconfig, "--conn-evict-rate", "0").err())
        .isEqualTo("ferry rebalance: error: --conn-evict-rate must be at least 1, was 0\n");
  }

  @Test
  void getShowsTheReleaseAsATreeAndWatchesIt() {
    String kubeconfig = plane.adminKubeconfig().toString();
    String now = java.time.Instant.now().minusSeconds(10).toString();
    admin.resources(LosslessDeployment.class).inNamespace("shop").withName("web").editStatus(l -> {
      var s = l.getStatus() == null ? new LosslessDeploymentStatus() : l.getStatus();
      s.setPhase(LosslessDeploymentPhase.DRAINING);
      s.setCurrentRevision("7b9c4d2f1");
      s.setUpdateRevision("7b9c4d2f1");
      s.setReady("1/2");
      s.setMessage("draining web-5d8f7c9b6-aaaaa");
      var d = new dev.ferry.api.v1alpha1.DrainStatus();
      d.setPod("web-5d8f7c9b6-aaaaa");
      d.setState("evicting");
      d.setStartedAt(now);
      d.setInitialConnections(500);
      d.setConnections(100);
      s.setDrain(d);
      l.setStatus(s);
      return l;
    });
    for (String[] pod : new String[][] {{"web-5d8f7c9b6-aaaaa", "5d8f7c9b6"}, {"web-7b9c4d2f1-bbbbb", "7b9c4d2f1"}}) {
      admin.pods().inNamespace("shop").resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
          .withName(pod[0]).addToLabels(FerryNames.DEPLOYMENT_LABEL, "web").addToLabels(FerryNames.REVISION_LABEL, pod[1])
          .endMetadata().withNewSpec().addNewContainer().withName("web").withImage("web:1").endContainer().endSpec().build())
          .create();
    }
    admin.v1().events().inNamespace("shop").resource(new io.fabric8.kubernetes.api.model.EventBuilder()
        .withNewMetadata().withName("web.drain").endMetadata()
        .withNewInvolvedObject().withKind("LosslessDeployment").withName("web").withNamespace("shop").endInvolvedObject()
        .withType("Normal").withReason("DrainStarted").withMessage("draining web-5d8f7c9b6-aaaaa")
        .withLastTimestamp(now).build()).create();

    var tree = ClusterCommandsTest.run("get", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(tree.code()).as(tree.err()).isZero();
    assertThat(tree.out()).contains("Name:       shop/web", "Strategy:   Rolling", "Phase:      Draining", "Ready:      1/2",
        "├─ 7b9c4d2f1 (current)", "└─ 5d8f7c9b6 (old)", "web-5d8f7c9b6-aaaaa", "web-7b9c4d2f1-bbbbb",
        "Drain:      web-5d8f7c9b6-aaaaa  evicting", "connections 100 left of 500", "ETA ",
        "DrainStarted", "Events:");

    var watched = ClusterCommandsTest.run("get", "web", "--kubeconfig", kubeconfig, "-n", "shop", "-w", "--timeout", "2");
    assertThat(watched.code()).isZero();
    assertThat(watched.out().split("Name:       shop/web", -1).length - 1).as("frames").isGreaterThanOrEqualTo(2);

    assertThat(ClusterCommandsTest.run("get", "web", "--kubeconfig", kubeconfig, "-n", "shop", "-o", "yaml").out())
        .containsPattern("kind: \"?LosslessDeployment").doesNotContain("managedFields");
    admin.pods().inNamespace("shop").withLabel(FerryNames.DEPLOYMENT_LABEL, "web").withGracePeriod(0).delete();
  }

  @Test
  void listsAsKubectlGetDeployDoes() {
    String kubeconfig = plane.adminKubeconfig().toString();
    setPhase(LosslessDeploymentPhase.HEALTHY);
    admin.resources(LosslessDeployment.class).inNamespace("shop").withName("web").editStatus(l -> {
      l.getStatus().setReady("2/2");
      return l;
    });
    var table = ClusterCommandsTest.run("list", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(table.code()).as(table.err()).isZero();
    assertThat(table.out().lines().toList()).hasSize(2);
    assertThat(table.out().lines().toList().get(0)).matches("NAME +READY +PHASE +CURRENT +UPDATE +AGE");
    assertThat(table.out().lines().toList().get(1)).matches("web +2/2 +Healthy +5d8f7c9b6 +7b9c4d2f1 +\\d+[smhd]");

    var all = ClusterCommandsTest.run("list", "--kubeconfig", kubeconfig, "-A", "-o", "wide");
    assertThat(all.out()).startsWith("NAMESPACE").contains("STRATEGY").contains("shop   ").contains("Rolling");
    assertThat(ClusterCommandsTest.run("list", "--kubeconfig", kubeconfig, "-n", "shop", "-o", "name").out())
        .isEqualTo("losslessdeployment.ferry.dev/web\n");
    var json = ClusterCommandsTest.run("list", "--kubeconfig", kubeconfig, "-n", "shop", "-o", "json");
    assertThat(json.out()).as(json.err())
        .contains("\"kind\" : \"List\"").contains("\"name\" : \"web\"");
    var empty = ClusterCommandsTest.run("list", "--kubeconfig", kubeconfig, "-n", "default");
    assertThat(empty.code()).isZero();
    assertThat(empty.err()).isEqualTo("No resources found in default namespace.\n");
    assertThat(ClusterCommandsTest.run("list", "--kubeconfig", kubeconfig, "-o", "table").err())
        .isEqualTo("ferry list: error: -o table: the formats are wide, json, yaml and name\n");
  }

  @Test
  void promotesTheRevisionAwaitingPromotionAndNothingElse() {
    String kubeconfig = plane.adminKubeconfig().toString();
    setPhase(LosslessDeploymentPhase.HEALTHY);
    var healthy = ClusterCommandsTest.run("promote", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(healthy.code()).isEqualTo(2);
    assertThat(healthy.err()).isEqualTo("ferry promote: error: shop/web is not awaiting promotion (phase Healthy)\n");

    var missing = ClusterCommandsTest.run("promote", "api", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).isEqualTo("ferry promote: error: LosslessDeployment shop/api not found on " + plane.url() + "\n");

    setPhase(LosslessDeploymentPhase.AWAITING_PROMOTION);
    var promoted = ClusterCommandsTest.run("promote", "web", "--kubeconfig", kubeconfig, "--context", "lab", "-n", "shop");
    assertThat(promoted.code()).as(promoted.err()).isZero();
    assertThat(promoted.out()).isEqualTo("promoted shop/web to revision 7b9c4d2f1\n");
    assertThat(admin.resources(LosslessDeployment.class).inNamespace("shop").withName("web").get()
        .getMetadata().getAnnotations()).containsEntry(FerryNames.PROMOTE_ANNOTATION, "7b9c4d2f1");
  }

  static void setStatus(LosslessDeploymentPhase phase, String current, String update, String since) {
    admin.resources(LosslessDeployment.class).inNamespace("shop").withName("web").editStatus(l -> {
      LosslessDeploymentStatus st = l.getStatus() == null ? new LosslessDeploymentStatus() : l.getStatus();
      st.setPhase(phase);
      st.setCurrentRevision(current);
      st.setUpdateRevision(update);
      st.setPhaseStartedAt(since);
      l.setStatus(st);
      return l;
    });
  }

  static LosslessDeployment web() {
    return admin.resources(LosslessDeployment.class).inNamespace("shop").withName("web").get();
  }

  @Test
  void abortRetryPauseAndResumeWriteWhatTheOperatorActsOnOrSayWhyNot() {
    String kubeconfig = plane.adminKubeconfig().toString();
    setStatus(LosslessDeploymentPhase.HEALTHY, "5d8f7c9b6", "5d8f7c9b6", "2026-12-07T08:00:00Z");
    var idle = ClusterCommandsTest.run("abort", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(idle.code()).isEqualTo(2);
    assertThat(idle.err()).isEqualTo("ferry abort: error: shop/web has no release in progress (phase Healthy, revision 5d8f7c9b6)\n");

    setStatus(LosslessDeploymentPhase.DRAINING, "5d8f7c9b6", "7b9c4d2f1", "2026-12-07T08:01:00Z");
    var notAborted = ClusterCommandsTest.run("retry", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(notAborted.code()).isEqualTo(2);
    assertThat(notAborted.err()).isEqualTo("ferry retry: error: shop/web is not aborted (phase Draining)\n");
    var abort = ClusterCommandsTest.run("abort", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(abort.code()).as(abort.err()).isZero();
    assertThat(abort.out()).isEqualTo("aborting the release of revision 7b9c4d2f1 of shop/web: revision 5d8f7c9b6 comes back\n");
    assertThat(web().getMetadata().getAnnotations()).containsEntry(FerryNames.ABORT_ANNOTATION, "7b9c4d2f1");

    setStatus(LosslessDeploymentPhase.ABORTED, "5d8f7c9b6", "7b9c4d2f1", "2026-12-07T08:02:03Z");
    var retry = ClusterCommandsTest.run("retry", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(retry.code()).as(retry.err()).isZero();
    assertThat(retry.out()).isEqualTo("retrying the release of revision 7b9c4d2f1 of shop/web\n");
    assertThat(web().getMetadata().getAnnotations()).doesNotContainKey(FerryNames.ABORT_ANNOTATION)
        .containsEntry(FerryNames.RETRY_ANNOTATION, "7b9c4d2f1@2026-12-07T08:02:03Z");

    var pause = ClusterCommandsTest.run("pause", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(pause.out()).isEqualTo("shop/web paused\n");
    assertThat(web().getSpec().getPaused()).isTrue();
    assertThat(ClusterCommandsTest.run("get", "web", "--kubeconfig", kubeconfig, "-n", "shop").out())
        .contains("Phase:      Aborted for ").contains(" (paused: ferry resume goes on)\n");
    assertThat(ClusterCommandsTest.run("pause", "web", "--kubeconfig", kubeconfig, "-n", "shop").out())
        .isEqualTo("shop/web is paused already\n");
    var resume = ClusterCommandsTest.run("resume", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(resume.out()).isEqualTo("shop/web resumed\n");
    assertThat(web().getSpec().getPaused()).isNull();

    var missing = ClusterCommandsTest.run("pause", "api", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).isEqualTo("ferry pause: error: LosslessDeployment shop/api not found on " + plane.url() + "\n");
  }

  @Test
  void undoSetsTheTemplateBackToAnEarlierRevisionAndNamesTheOnesThereAre() {
    String kubeconfig = plane.adminKubeconfig().toString();
    LosslessDeployment ld = web();
    var older = io.fabric8.kubernetes.client.utils.Serialization.clone(ld.getSpec().getTemplate());
    older.getSpec().getContainers().get(0).setImage("web:0");
    revisionSet(ld, "aaa1", 1, older);
    revisionSet(ld, "bbb2", 2, ld.getSpec().getTemplate());

    var unknown = ClusterCommandsTest.run("undo", "web", "--to-revision", "9", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).isEqualTo("ferry undo: error: shop/web has no revision 9 (it has revisions 1, 2)\n");

    var undo = ClusterCommandsTest.run("undo", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(undo.code()).as(undo.err()).isZero();
    assertThat(undo.out()).isEqualTo("rolling shop/web back to revision 1 (aaa1)\n");
    assertThat(web().getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("web:0");

    var back = ClusterCommandsTest.run("undo", "web", "--to-revision", "2", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(back.out()).isEqualTo("rolling shop/web back to revision 2 (bbb2)\n");
    assertThat(web().getSpec().getTemplate()).isEqualTo(ld.getSpec().getTemplate());

    // `ferry get` lists what undo goes back to.
    var get = ClusterCommandsTest.run("get", "web", "--kubeconfig", kubeconfig, "-n", "shop");
    assertThat(get.out()).contains("History:").containsPattern("\\n  1 +aaa1 +0 +web:0\\n")
        .containsPattern("\\n  2 +bbb2 +0 +web:1\\n");
  }

  /** A revision set as the operator makes it: owned by the LosslessDeployment, numbered, with its source template. */
  static void revisionSet(LosslessDeployment ld, String revision, int number, io.fabric8.kubernetes.api.model.PodTemplateSpec source) {
    var template = io.fabric8.kubernetes.client.utils.Serialization.clone(source);
    template.getMetadata().getLabels().put(FerryNames.REVISION_LABEL, revision);
    admin.apps().replicaSets().inNamespace("shop").resource(new io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder()
        .withNewMetadata().withName("web-" + revision)
          .addToLabels(FerryNames.DEPLOYMENT_LABEL, "web").addToLabels(FerryNames.REVISION_LABEL, revision)
          .addToAnnotations(FerryNames.REVISION_NUMBER_ANNOTATION, Integer.toString(number))
          .addToAnnotations(FerryNames.SOURCE_TEMPLATE_ANNOTATION, io.fabric8.kubernetes.client.utils.Serialization.asJson(source))
          .addNewOwnerReference().withApiVersion("ferry.dev/v1alpha1").withKind("LosslessDeployment").withName("web")
            .withUid(ld.getMetadata().getUid()).withController(true).endOwnerReference()
        .endMetadata()
        .withNewSpec().withReplicas(0).withNewSelector().addToMatchLabels(FerryNames.REVISION_LABEL, revision).endSelector()
          .withTemplate(template).endSpec()
        .build()).create();
  }
}
