package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.support.TestKube;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user applies is accepted by a real kube-apiserver, admission and validation included:
 * every file under {@code deploy/} (the CRDs, the operator's install, the examples) and the Helm
 * chart as {@code helm template} renders it (the chart leaves the CRDs to {@code deploy/crds/}). Applied with server-side apply in dry-run mode, so
 * that the test's own cluster keeps its state.
 */
@Tag("real-kube")
class ManifestsOnApiServerTest {
  static final Path ROOT = Path.of(System.getProperty("ferry.root", ".."));
  static String ns;
  static KubernetesClient client;

  @BeforeAll
  static void namespace() {
    ns = TestKube.newNamespace("manifests");
    client = TestKube.adminClient(ns);
  }

  @AfterAll
  static void cleanUp() {
    TestKube.deleteNamespace(ns);
    client.close();
  }

  @Test
  void everyManifestUnderDeployIsAccepted() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(ROOT.resolve("deploy"))) {
      files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .filter(p -> !p.startsWith(ROOT.resolve("deploy/helm")) && !p.getFileName().toString().equals("kustomization.yaml"))
          .sorted().toList();
    }
    assertThat(files).hasSizeGreaterThan(10);
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata o : client.load(in).items()) {
          applyDryRun(o, file.toString());
        }
      }
    }
  }

  @Test
  void theHelmChartRendersAndIsAccepted(@TempDir Path tmp) throws Exception {
    String rendered = helm(tmp, "template", "ferry", ROOT.resolve("deploy/helm/ferry").toString(),
        "--namespace", "ferry-system", "--api-versions", "ferry.dev/v1alpha1");
    List<HasMetadata> objects = new ArrayList<>();
    try (InputStream in = new java.io.ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8))) {
      objects.addAll(client.load(in).items());
    }
    assertThat(objects).extracting(HasMetadata::getKind)
        .contains("ClusterRole", "ClusterRoleBinding", "ServiceAccount", "Deployment");
    for (HasMetadata o : objects) {
      applyDryRun(o, "helm template");
    }
  }

  /** Server-side apply, dry run: validation, defaulting and admission, nothing stored. */
  private static void applyDryRun(HasMetadata o, String from) {
    var resource = o.getMetadata().getNamespace() == null && isNamespaced(o) ? client.resource(o).inNamespace(ns) : client.resource(o);
    try {
      HasMetadata answer = resource.dryRun().fieldManager("ferry-test").forceConflicts().serverSideApply();
      assertThat(answer.getMetadata().getName()).as(from).isEqualTo(o.getMetadata().getName());
    } catch (RuntimeException e) {
      throw new AssertionError(o.getKind() + " " + o.getMetadata().getName() + " from " + from + " was refused: " + e.getMessage(), e);
    }
  }

  private static boolean isNamespaced(HasMetadata o) {
    return !List.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding").contains(o.getKind());
  }

  /** Runs the helm that kube/build.sh built (FERRY_HELM); the test fails without one. */
  static String helm(Path tmp, String... args) throws IOException, InterruptedException {
    String helm = System.getenv("FERRY_HELM");
    assertThat(helm).as("FERRY_HELM (scripts/test sets it to the helm kube/build.sh built)").isNotBlank();
    List<String> command = new ArrayList<>(List.of(helm));
    command.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
    b.environment().put("HELM_CACHE_HOME", tmp.resolve("cache").toString());
    b.environment().put("HELM_CONFIG_HOME", tmp.resolve("config").toString());
    b.environment().put("HELM_DATA_HOME", tmp.resolve("data").toString());
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("helm " + String.join(" ", args) + ":\n" + out).isZero();
    return out;
  }
}
