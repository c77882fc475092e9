package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.LifecycleSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.RollingStrategy;
import dev.ferry.api.v1alpha1.StrategyType;
import dev.ferry.operator.support.Fixtures;
import dev.ferry.operator.support.OperatorHarness;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A spec the CRD lets through but the operator cannot carry out gets a condition that names the
 * field and why, and nothing in the cluster is touched. (What the CRD itself forbids never reaches
 * the operator on a real apiserver: CrdValidationTest.)
 */
@org.junit.jupiter.api.Tag("real-kube")
class InvalidSpecTest {

  KubernetesClient client;
  OperatorHarness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new OperatorHarness(Duration.ofMillis(300));
    client = h.client;
    h.startOperator();
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  static Stream<Arguments> invalidSpecs() {
    return Stream.of(
        Arguments.of("an expand migration without a schema version", "spec.migrations.schemaVersion: is required",
            (Consumer<LosslessDeployment>) ld -> ld.getSpec().setMigrations(Fixtures.migrations(null, 600))),
        Arguments.of("a contract without a revision history to read the retired versions from",
            "spec.revisionHistoryLimit: must be at least 1 with a contract migration",
            (Consumer<LosslessDeployment>) ld -> {
              ld.getSpec().setMigrations(Fixtures.migrations("1.0", 600));
              ld.getSpec().setRevisionHistoryLimit(0);
            }),
        Arguments.of("a migration Job deleted soon after it finishes",
            "spec.migrations.expand.spec.ttlSecondsAfterFinished: must be unset or at least 3600",
            (Consumer<LosslessDeployment>) ld -> {
              var m = Fixtures.migrations("1.0", 600);
              m.getExpand().getSpec().setTtlSecondsAfterFinished(30);
              ld.getSpec().setMigrations(m);
            }),
        Arguments.of("an automatic rebalance of brokers the operator cannot ask",
            "spec.rebalance.auto: needs spec.drain.type emqx",
            (Consumer<LosslessDeployment>) ld -> {
              ld.getSpec().setDrain(null);
              var auto = new dev.ferry.api.v1alpha1.AutoRebalanceSpec();
              auto.setAuto(true);
              ld.getSpec().setRebalance(auto);
            }),
        Arguments.of("a missing Secret", "Secret 'nope' not found",
            (Consumer<LosslessDeployment>) ld -> ld.getSpec().getDrain().getEmqx().setApiKeySecret("nope")),
        Arguments.of("a selector that does not match the template", "spec.selector",
            (Consumer<LosslessDeployment>) ld -> ld.getSpec().getSelector().setMatchLabels(Map.of("app", "other"))),
        Arguments.of("maxSurge and maxUnavailable both 0", "cannot both be 0",
            (Consumer<LosslessDeployment>) ld -> {
              ld.getSpec().getStrategy().setType(StrategyType.ROLLING);
              RollingStrategy r = new RollingStrategy();
              r.setMaxSurge(new IntOrString(0));
              r.setMaxUnavailable(new IntOrString(0));
              ld.getSpec().getStrategy().setRolling(r);
            }),
        Arguments.of("a grace period that cannot fit preStop plus shutdown",
            "spec.template.spec.terminationGracePeriodSeconds: 20s cannot cover preStop (10s) plus the app's shutdown (30s)",
            (Consumer<LosslessDeployment>) ld -> {
              LifecycleSpec l = new LifecycleSpec();
              l.setPreStopSleepSeconds(10);
              l.setShutdownSeconds(30);
              ld.getSpec().setLifecycle(l);
              ld.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(20L);
            }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSpecs")
  void isReportedWithTheFieldAndNothingIsCreated(String what, String named, Consumer<LosslessDeployment> breakIt) {
    LosslessDeployment ld = Fixtures.mqtt(client, "emqx:5.8.0");
    breakIt.accept(ld);
    client.resources(LosslessDeployment.class).inNamespace(h.ns).resource(ld).create();

    await().atMost(Duration.ofSeconds(15)).until(() -> ready(h.ld("mqtt")) != null
        && "InvalidSpec".equals(ready(h.ld("mqtt")).getReason()));
    Condition c = ready(h.ld("mqtt"));
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getMessage()).contains(named);
    assertThat(client.apps().replicaSets().inNamespace(h.ns).list().getItems()).isEmpty();
    assertThat(h.pods()).isEmpty();
    assertThat(h.events()).filteredOn(e -> "InvalidSpec".equals(e.getReason()))
        .extracting(Event::getType).contains("Warning");
  }

  @Test
  void breakingARunningDeploymentLeavesItServingAndFixingItCarriesOn() {
    client.resources(LosslessDeployment.class).inNamespace(h.ns).resource(Fixtures.mqtt(client, "emqx:5.8.0")).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY
        && h.serving().size() == 2);
    var podsBefore = h.pods().stream().map(p -> p.getMetadata().getName()).sorted().toList();

    h.edit("mqtt", ld -> {
      ld.getSpec().getDrain().getEmqx().setApiKeySecret("nope");
      ld.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("emqx:5.8.1");
      return ld;
    });
    await().atMost(Duration.ofSeconds(15)).until(() -> "InvalidSpec".equals(ready(h.ld("mqtt")).getReason()));
    assertThat(h.pods().stream().map(p -> p.getMetadata().getName()).sorted().toList()).isEqualTo(podsBefore);
    assertThat(h.serving()).hasSize(2);
    assertThat(client.apps().replicaSets().inNamespace(h.ns).list().getItems()).hasSize(1);

    h.edit("mqtt", ld -> {
      ld.getSpec().getDrain().getEmqx().setApiKeySecret("mqtt-api-key");
      return ld;
    });
    await().atMost(Duration.ofSeconds(45)).until(() -> h.phase("mqtt") == LosslessDeploymentPhase.HEALTHY
        && h.pods().stream().noneMatch(p -> podsBefore.contains(p.getMetadata().getName()))
        && h.serving().size() == 2);
  }

  static Condition ready(LosslessDeployment ld) {
    if (ld == null || ld.getStatus() == null || ld.getStatus().getConditions() == null) {
      return null;
    }
    return ld.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
  }
}
