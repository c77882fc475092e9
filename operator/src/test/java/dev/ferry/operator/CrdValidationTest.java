package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.api.v1alpha1.DrainType;
import dev.ferry.api.v1alpha1.HttpDrain;
import dev.ferry.api.v1alpha1.LifecycleSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.operator.support.Fixtures;
import dev.ferry.operator.support.TestKube;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule the CRDs state (OpenAPI minimums, maximums, enums, patterns, required fields, and the
 * CEL rules) is enforced by the real kube-apiserver, with the message a user of kubectl sees: the
 * field's path and what is wrong with it. The operator checks the same fields again
 * (SpecValidator) for what gets past an apiserver; InvalidSpecTest covers the rules only it knows.
 */
@Tag("real-kube")
class CrdValidationTest {
  static String ns;
  static KubernetesClient client;

  @BeforeAll
  static void namespace() {
    ns = TestKube.newNamespace("crd");
    client = TestKube.adminClient(ns);
  }

  @AfterAll
  static void cleanUp() {
    TestKube.deleteNamespace(ns);
    client.close();
  }

  static Arguments rejects(String what, Consumer<LosslessDeployment> breakIt, String... message) {
    return Arguments.of(what, breakIt, message);
  }

  static Stream<Arguments> schemaRules() {
    return Stream.of(
        rejects("a rate of 0", ld -> ld.getSpec().getDrain().setConnEvictRate(0),
            "spec.drain.connEvictRate: Invalid value: 0", "should be greater than or equal to 1"),
        rejects("drain.parallel above 10", ld -> ld.getSpec().getDrain().setParallel(11),
            "spec.drain.parallel: Invalid value: 11", "should be less than or equal to 10"),
        rejects("a negative waitTakeover", ld -> ld.getSpec().getDrain().setWaitTakeover(-1),
            "spec.drain.waitTakeover: Invalid value: -1", "should be greater than or equal to 0"),
        rejects("negative replicas", ld -> ld.getSpec().setReplicas(-1),
            "spec.replicas: Invalid value: -1", "should be greater than or equal to 0"),
        rejects("an http drain without its settings", ld -> ld.getSpec().getDrain().setType(DrainType.HTTP),
            "spec.drain: Invalid value", "drain.http is required when drain.type is http"),
        rejects("an emqx drain without its settings", ld -> ld.getSpec().getDrain().setEmqx(null),
            "spec.drain: Invalid value", "drain.emqx is required when drain.type is emqx"),
        rejects("an http drain on port 0", ld -> {
              ld.getSpec().getDrain().setType(DrainType.HTTP);
              HttpDrain http = new HttpDrain();
              http.setPort(0);
              ld.getSpec().getDrain().setHttp(http);
            }, "spec.drain.http.port: Invalid value: 0", "should be greater than or equal to 1"),
        rejects("an http drain path without a slash", ld -> {
              ld.getSpec().getDrain().setType(DrainType.HTTP);
              HttpDrain http = new HttpDrain();
              http.setPort(8080);
              http.setPath("drain");
              ld.getSpec().getDrain().setHttp(http);
            }, "spec.drain.http.path: Invalid value: \"drain\"", "should match '^/.*'"),
        rejects("an EMQX API scheme that is not http or https", ld -> ld.getSpec().getDrain().getEmqx().setScheme("ftp"),
            "spec.drain.emqx.scheme: Invalid value: \"ftp\"", "should match '^(http|https)$'"),
        rejects("an EMQX API port above 65535", ld -> ld.getSpec().getDrain().getEmqx().setPort(70000),
            "spec.drain.emqx.port: Invalid value: 70000", "should be less than or equal to 65535"),
        rejects("an offline URL that is not a URL", ld -> {
              LifecycleSpec l = new LifecycleSpec();
              l.setOfflineUrl("localhost:22222/offline");
              ld.getSpec().setLifecycle(l);
            }, "spec.lifecycle.offlineUrl: Invalid value: \"localhost:22222/offline\"", "should match '^https?://.+'"),
        rejects("a negative rollback window", ld -> ld.getSpec().setMigrations(Fixtures.migrations("1.0", -1)),
            "spec.migrations.rollbackWindowSeconds: Invalid value: -1", "should be greater than or equal to 0"),
        rejects("a session check without a prefix", ld -> {
              var m = Fixtures.migrations("1.0", 600);
              var pg = new dev.ferry.api.v1alpha1.PostgresSessionCheck();
              pg.setSecretName("db-monitor");
              var check = new dev.ferry.api.v1alpha1.SessionCheck();
              check.setPostgres(pg);
              m.setSessionCheck(check);
              ld.getSpec().setMigrations(m);
            }, "spec.migrations.sessionCheck.postgres.applicationNamePrefix: Required value"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("schemaRules")
  void theApiServerRejectsWithTheFieldAndTheRule(String what, Consumer<LosslessDeployment> breakIt, String[] message) {
    LosslessDeployment ld = Fixtures.mqtt(client, "emqx:5.8.0");
    ld.getMetadata().setName("broken");
    breakIt.accept(ld);
    assertThatThrownBy(() -> client.resources(LosslessDeployment.class).resource(ld).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("LosslessDeployment.ferry.dev \"broken\" is invalid")
        .hasMessageContainingAll(message);
    assertThat(client.resources(LosslessDeployment.class).withName("broken").get()).isNull();
  }

  @Test
  void anUnknownDrainTypeIsRejectedNamingTheSupportedOnes() throws Exception {
    String yaml;
    try (var in = getClass().getResourceAsStream("/mqtt-ld.yaml")) {
      yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).replace("type: emqx", "type: haproxy");
    }
    var generic = client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
    generic.getMetadata().setNamespace(ns);
    assertThatThrownBy(() -> client.genericKubernetesResources("ferry.dev/v1alpha1", "LosslessDeployment").resource(generic).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContainingAll("spec.drain.type: Unsupported value: \"haproxy\"", "supported values: \"emqx\", \"http\", \"none\"");
  }

  @Test
  void aRebalanceCannotBeChangedOnceCreated() throws Exception {
    Rebalance rb;
    try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(System.getProperty("ferry.root", ".."))
        .resolve("deploy/examples/rebalance.yaml"))) {
      rb = client.getKubernetesSerialization().unmarshal(in, Rebalance.class);
    }
    rb.getMetadata().setNamespace(ns);
    client.resources(Rebalance.class).resource(rb).create();
    assertThatThrownBy(() -> client.resources(Rebalance.class).withName(rb.getMetadata().getName()).edit(r -> {
          r.getSpec().setConnEvictRate(500);
          return r;
        }))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("spec is immutable: a Rebalance runs once; delete it and create a new one");
  }

  @Test
  void aRebalanceThresholdMustBeAboveOne() throws Exception {
    Rebalance rb;
    try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(System.getProperty("ferry.root", ".."))
        .resolve("deploy/examples/rebalance.yaml"))) {
      rb = client.getKubernetesSerialization().unmarshal(in, Rebalance.class);
    }
    rb.getMetadata().setNamespace(ns);
    rb.getMetadata().setName("too-strict");
    rb.getSpec().setRelConnThreshold("1.0");
    assertThatThrownBy(() -> client.resources(Rebalance.class).resource(rb).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("spec.relConnThreshold: Invalid value: \"1.0\"");
  }
}
