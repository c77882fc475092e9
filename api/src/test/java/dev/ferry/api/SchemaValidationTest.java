package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.Rebalance;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** What the API server would reject, checked against the CRDs with a valid example broken on purpose. */
class SchemaValidationTest {

  @Test
  void connEvictRateBelowOne() {
    assertThat(brokenMqtt(ld -> drain(ld).put("connEvictRate", 0)))
        .containsExactly("spec.drain.connEvictRate: 0 is below the minimum 1.0");
  }

  @Test
  void unknownDrainType() {
    assertThat(brokenMqtt(ld -> drain(ld).put("type", "grpc")))
        .singleElement().asString().startsWith("spec.drain.type: 'grpc' is not one of");
  }

  @Test
  void unknownStrategyType() {
    assertThat(brokenMqtt(ld -> ((ObjectNode) ld.get("spec").get("strategy")).put("type", "Canary")))
        .singleElement().asString().startsWith("spec.strategy.type: 'Canary' is not one of");
  }

  @Test
  void missingSelectorAndTemplate() {
    assertThat(brokenMqtt(ld -> ((ObjectNode) ld.get("spec")).remove(List.of("selector", "template"))))
        .containsExactlyInAnyOrder("spec.selector: required", "spec.template: required");
  }

  @Test
  void negativeReplicas() {
    assertThat(brokenMqtt(ld -> ((ObjectNode) ld.get("spec")).put("replicas", -1)))
        .containsExactly("spec.replicas: -1 is below the minimum 0.0");
  }

  @Test
  void misspelledField() {
    assertThat(brokenMqtt(ld -> drain(ld).put("connEvictRat", 5)))
        .containsExactly("spec.drain.connEvictRat: unknown field (the API server would drop it)");
  }

  @Test
  void emqxDrainWithoutApiKeySecret() {
    assertThat(brokenMqtt(ld -> ((ObjectNode) drain(ld).get("emqx")).remove("apiKeySecret")))
        .containsExactly("spec.drain.emqx.apiKeySecret: required");
  }

  @Test
  void relativeThresholdOfOne() {
    JsonNode rebalance = Trees.parse(RepoFiles.read(RepoFiles.EXAMPLES.resolve("rebalance.yaml")));
    ((ObjectNode) rebalance.get("spec")).put("relConnThreshold", "1.0");

    assertThat(SchemaValidator.validate(rebalance, Crds.rootSchema(Crds.load(Rebalance.class))))
        .singleElement().asString().startsWith("spec.relConnThreshold: '1.0' does not match");
  }

  @Test
  void rebalanceWithoutRate() {
    JsonNode rebalance = Trees.parse(RepoFiles.read(RepoFiles.EXAMPLES.resolve("rebalance.yaml")));
    ((ObjectNode) rebalance.get("spec")).remove("connEvictRate");

    assertThat(SchemaValidator.validate(rebalance, Crds.rootSchema(Crds.load(Rebalance.class))))
        .containsExactly("spec.connEvictRate: required");
  }

  private static List<String> brokenMqtt(Consumer<JsonNode> breakIt) {
    JsonNode mqtt = Trees.parse(RepoFiles.read(RepoFiles.EXAMPLES.resolve("mqtt-bluegreen.yaml")));
    breakIt.accept(mqtt);
    return SchemaValidator.validate(mqtt, Crds.rootSchema(Crds.load(LosslessDeployment.class)));
  }

  private static ObjectNode drain(JsonNode losslessDeployment) {
    return (ObjectNode) losslessDeployment.get("spec").get("drain");
  }
}
