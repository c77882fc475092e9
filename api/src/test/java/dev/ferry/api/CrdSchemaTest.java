package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalanceSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceSubresourceScale;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The checked-in CRDs carry the names, columns and validation that the Java annotations ask for. */
class CrdSchemaTest {

  private static final CustomResourceDefinition LD = Crds.load(LosslessDeployment.class);
  private static final CustomResourceDefinition RB = Crds.load(Rebalance.class);

  @Test
  void namesScopeAndVersion() {
    assertThat(LD.getMetadata().getName()).isEqualTo("losslessdeployments.ferry.dev");
    assertThat(LD.getSpec().getGroup()).isEqualTo(FerryNames.GROUP);
    assertThat(LD.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(LD.getSpec().getNames().getKind()).isEqualTo("LosslessDeployment");
    assertThat(LD.getSpec().getNames().getShortNames()).containsExactly("ld");
    assertThat(LD.getSpec().getNames().getCategories()).containsExactly("ferry");

    assertThat(RB.getMetadata().getName()).isEqualTo("rebalances.ferry.dev");
    assertThat(RB.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(RB.getSpec().getNames().getKind()).isEqualTo("Rebalance");
    assertThat(RB.getSpec().getNames().getShortNames()).containsExactly("rb");
    assertThat(RB.getSpec().getNames().getCategories()).containsExactly("ferry");

    for (CustomResourceDefinition crd : List.of(LD, RB)) {
      assertThat(Crds.onlyVersion(crd).getName()).isEqualTo(FerryNames.VERSION_V1ALPHA1);
      assertThat(Crds.onlyVersion(crd).getServed()).isTrue();
      assertThat(Crds.onlyVersion(crd).getStorage()).isTrue();
    }
  }

  @Test
  void statusIsASubresourceAndLosslessDeploymentsCanBeScaled() {
    assertThat(Crds.onlyVersion(LD).getSubresources().getStatus()).isNotNull();
    CustomResourceSubresourceScale scale = Crds.onlyVersion(LD).getSubresources().getScale();
    assertThat(scale.getSpecReplicasPath()).isEqualTo(".spec.replicas");
    assertThat(scale.getStatusReplicasPath()).isEqualTo(".status.replicas");
    assertThat(scale.getLabelSelectorPath()).isEqualTo(".status.selector");

    assertThat(Crds.onlyVersion(RB).getSubresources().getStatus()).isNotNull();
    assertThat(Crds.onlyVersion(RB).getSubresources().getScale()).isNull();
  }

  @Test
  void printerColumns() {
    // In kubectl's order, as `kubectl get deploy` reads: READY first, AGE last (GenerateCrds keeps it).
    assertThat(Crds.onlyVersion(LD).getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath,
            CustomResourceColumnDefinition::getType)
        .containsExactly(
            tuple("Ready", ".status.ready", "string"),
            tuple("Phase", ".status.phase", "string"),
            tuple("Current", ".status.currentRevision", "string"),
            tuple("Update", ".status.updateRevision", "string"),
            tuple("Age", ".metadata.creationTimestamp", "date"));

    assertThat(Crds.onlyVersion(RB).getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath,
            CustomResourceColumnDefinition::getType)
        .containsExactly(
            tuple("Phase", ".status.phase", "string"),
            tuple("Target", ".spec.targetRef.name", "string"),
            tuple("Age", ".metadata.creationTimestamp", "date"));
  }

  @Test
  void losslessDeploymentRequiresSelectorTemplateAndStrategy() {
    assertThat(Crds.at(LD, "spec").getRequired()).containsExactlyInAnyOrder("selector", "template", "strategy");
    assertThat(Crds.at(LD, "spec.strategy").getRequired()).containsExactly("type");
    assertThat(enumOf(Crds.at(LD, "spec.strategy.type"))).containsExactly("BlueGreen", "Rolling");
    assertThat(Crds.at(LD, "spec.service").getRequired()).containsExactly("name");
  }

  @Test
  void drainIsValidated() {
    assertThat(Crds.at(LD, "spec.drain").getRequired()).containsExactly("type");
    assertThat(enumOf(Crds.at(LD, "spec.drain.type"))).containsExactly("emqx", "http", "none");
    assertThat(Crds.at(LD, "spec.drain.connEvictRate").getMinimum()).isEqualTo(1);
    assertThat(Crds.at(LD, "spec.drain.sessEvictRate").getMinimum()).isEqualTo(1);
    assertThat(Crds.at(LD, "spec.drain.waitTakeover").getMinimum()).isEqualTo(0);
    assertThat(Crds.at(LD, "spec.drain.waitHealthCheck").getMinimum()).isEqualTo(0);
    assertThat(Crds.at(LD, "spec.drain.timeoutSeconds").getMinimum()).isEqualTo(1);
    assertThat(Crds.at(LD, "spec.drain.emqx").getRequired()).containsExactly("apiKeySecret");
    assertThat(Crds.at(LD, "spec.drain.emqx.port").getMinimum()).isEqualTo(1);
    assertThat(Crds.at(LD, "spec.drain.emqx.port").getMaximum()).isEqualTo(65535);
    assertThat(Crds.at(LD, "spec.drain.http").getRequired()).containsExactly("port");
    assertThat(Crds.at(LD, "spec.migrations.sessionCheck.postgres").getRequired())
        .containsExactlyInAnyOrder("secretName", "applicationNamePrefix");
    assertThat(Crds.at(LD, "spec.drain").getXKubernetesValidations())
        .extracting(ValidationRule::getRule)
        .containsExactlyInAnyOrder("self.type != 'emqx' || has(self.emqx)", "self.type != 'http' || has(self.http)");
  }

  @Test
  void countsAndDurationsCannotBeNegative() {
    Map<String, Integer> minimums = Map.ofEntries(
        Map.entry("spec.replicas", 0),
        Map.entry("spec.revisionHistoryLimit", 0),
        Map.entry("spec.strategy.blueGreen.initialDelaySeconds", 0),
        Map.entry("spec.strategy.blueGreen.progressDeadlineSeconds", 1),
        Map.entry("spec.strategy.rolling.progressDeadlineSeconds", 1),
        Map.entry("spec.lifecycle.preStopSleepSeconds", 0),
        Map.entry("spec.lifecycle.warmupSeconds", 0),
        Map.entry("spec.lifecycle.delayOnlineSeconds", 0),
        Map.entry("spec.lifecycle.propagationSeconds", 0),
        Map.entry("spec.lifecycle.shutdownSeconds", 0),
        Map.entry("spec.migrations.rollbackWindowSeconds", 0));
    minimums.forEach((path, minimum) ->
        assertThat(Crds.at(LD, path).getMinimum()).as(path).isEqualTo(minimum.doubleValue()));
  }

  @Test
  void rollingSurgeAndUnavailableAreIntOrString() {
    for (String field : List.of("maxSurge", "maxUnavailable")) {
      assertThat(Crds.at(LD, "spec.strategy.rolling." + field).getXKubernetesIntOrString()).as(field).isTrue();
    }
    assertThat(Crds.at(LD, "spec.strategy.rolling.maxSurge").getDefault().asText()).isEqualTo("25%");
    assertThat(Crds.at(LD, "spec.strategy.rolling.maxUnavailable").getDefault().asInt()).isZero();
  }

  @Test
  void templatesAreFullKubernetesSchemas() {
    // Typed all the way down (not x-kubernetes-preserve-unknown-fields), so kubectl explain and
    // validation reach into the pod and job templates.
    for (String template : List.of("spec.template", "spec.migrations.expand.spec.template",
        "spec.migrations.contract.spec.template")) {
      assertThat(Crds.at(LD, template + ".spec.containers[].image").getType()).as(template).isEqualTo("string");
      assertThat(Crds.at(LD, template + ".metadata.labels").getAdditionalProperties().getSchema().getType())
          .as(template).isEqualTo("string");
    }
    assertThat(Crds.at(LD, "spec.selector.matchLabels").getAdditionalProperties().getSchema().getType())
        .isEqualTo("string");
  }

  @Test
  void phasesAreEnums() {
    assertThat(enumOf(Crds.at(LD, "status.phase"))).containsExactlyInAnyOrder("Healthy", "Provisioning",
        "AwaitingPromotion", "Switching", "Settling", "Draining", "Rolling", "Aborted", "Degraded");
    assertThat(enumOf(Crds.at(LD, "status.schema.phase"))).containsExactlyInAnyOrder("Expanding", "Expanded",
        "Contracting", "Contracted", "Failed");
    assertThat(enumOf(Crds.at(RB, "status.phase"))).containsExactlyInAnyOrder("Pending", "Processing",
        "Completed", "Failed");
  }

  @Test
  void statusUsesKubernetesConditions() {
    for (CustomResourceDefinition crd : List.of(LD, RB)) {
      assertThat(Crds.at(crd, "status.conditions[]").getProperties().keySet())
          .containsExactlyInAnyOrder("type", "status", "reason", "message", "lastTransitionTime",
              "observedGeneration");
    }
  }

  @Test
  void rebalanceIsValidatedLikeTheEmqxOperators() {
    assertThat(Crds.at(RB, "spec").getRequired()).containsExactlyInAnyOrder("targetRef", "connEvictRate");
    assertThat(Crds.at(RB, "spec.targetRef").getRequired()).containsExactly("name");
    assertThat(Crds.at(RB, "spec.targetRef.kind").getDefault().asText()).isEqualTo("LosslessDeployment");
    for (String field : List.of("connEvictRate", "sessEvictRate", "absConnThreshold", "absSessThreshold")) {
      assertThat(Crds.at(RB, "spec." + field).getMinimum()).as(field).isEqualTo(1);
    }
    for (String field : List.of("waitTakeover", "waitHealthCheck")) {
      assertThat(Crds.at(RB, "spec." + field).getMinimum()).as(field).isEqualTo(0);
    }
    for (String field : List.of("relConnThreshold", "relSessThreshold")) {
      JSONSchemaProps threshold = Crds.at(RB, "spec." + field);
      assertThat(threshold.getType()).as(field).isEqualTo("string");
      assertThat(threshold.getPattern()).as(field).isEqualTo(RebalanceSpec.RELATIVE_THRESHOLD_PATTERN);
      assertThat(threshold.getDefault().asText()).as(field).isEqualTo("1.1");
    }
    assertThat(Crds.at(RB, "spec").getXKubernetesValidations())
        .extracting(ValidationRule::getRule)
        .containsExactly("self == oldSelf");
  }

  @Test
  void rebalanceStatesUseEmqxSnakeCaseNames() {
    assertThat(Crds.at(RB, "status.rebalanceStates[]").getProperties().keySet()).containsExactlyInAnyOrder(
        "state", "coordinator_node", "donors", "recipients", "connection_eviction_rate", "session_eviction_rate");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.1", "1.05", "1.5", "2", "2.0", "3.25", "10", "12.5", "100"})
  void relativeThresholdAcceptsDecimalsAboveOne(String threshold) {
    assertThat(Pattern.compile(RebalanceSpec.RELATIVE_THRESHOLD_PATTERN).matcher(threshold).find()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "1.0", "1.00", "0.9", "0", "01.5", "-2", "1.", ".5", "1,1", "abc", ""})
  void relativeThresholdRejectsEverythingElse(String threshold) {
    assertThat(Pattern.compile(RebalanceSpec.RELATIVE_THRESHOLD_PATTERN).matcher(threshold).find()).isFalse();
  }

  /** kubectl explain shows these descriptions; every field of a Ferry type must have one. */
  @Test
  void everyFerryFieldIsDescribed() {
    // Kubernetes' own types embedded in ours, whose inner fields fabric8 does not describe.
    Set<String> kubernetesTypes = Set.of("spec.selector", "spec.template", "spec.migrations.expand",
        "spec.migrations.contract", "status.conditions");
    List<String> undescribed = new ArrayList<>();
    collectUndescribed(Crds.rootSchema(LD), "", kubernetesTypes, undescribed);
    collectUndescribed(Crds.rootSchema(RB), "", kubernetesTypes, undescribed);
    assertThat(undescribed).isEmpty();
  }

  private static void collectUndescribed(JSONSchemaProps schema, String path, Set<String> skip, List<String> out) {
    if (!path.isEmpty() && (schema.getDescription() == null || schema.getDescription().isBlank())) {
      out.add(path);
    }
    if (skip.contains(path)) {
      return;
    }
    JSONSchemaProps object = schema.getItems() != null ? schema.getItems().getSchema() : schema;
    if (object.getProperties() != null) {
      object.getProperties().forEach((name, child) ->
          collectUndescribed(child, path.isEmpty() ? name : path + "." + name, skip, out));
    }
  }

  private static List<String> enumOf(JSONSchemaProps schema) {
    return schema.getEnum().stream().map(JsonNode::asText).toList();
  }
}
