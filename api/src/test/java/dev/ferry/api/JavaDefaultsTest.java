package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.v1alpha1.BlueGreenStrategy;
import dev.ferry.api.v1alpha1.DrainSpec;
import dev.ferry.api.v1alpha1.EmqxDrain;
import dev.ferry.api.v1alpha1.HttpDrain;
import dev.ferry.api.v1alpha1.LifecycleSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentSpec;
import dev.ferry.api.v1alpha1.MigrationsSpec;
import dev.ferry.api.v1alpha1.PostgresSessionCheck;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalanceSpec;
import dev.ferry.api.v1alpha1.RollingStrategy;
import dev.ferry.api.v1alpha1.SessionCheck;
import dev.ferry.api.v1alpha1.TargetReference;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A new Java object must look like what the API server makes of an empty section: the same defaults,
 * and nothing set that the schema does not default. Otherwise the operator would behave differently
 * against the lab's mock server (which applies no defaults) than against a real cluster.
 */
class JavaDefaultsTest {

  static Stream<Arguments> sections() {
    CustomResourceDefinition ld = Crds.load(LosslessDeployment.class);
    CustomResourceDefinition rb = Crds.load(Rebalance.class);
    return Stream.of(
        section(ld, "spec", LosslessDeploymentSpec::new),
        section(ld, "spec.strategy.blueGreen", BlueGreenStrategy::new),
        section(ld, "spec.strategy.rolling", RollingStrategy::new),
        section(ld, "spec.drain", DrainSpec::new),
        section(ld, "spec.drain.emqx", EmqxDrain::new),
        section(ld, "spec.drain.http", HttpDrain::new),
        section(ld, "spec.lifecycle", LifecycleSpec::new),
        section(ld, "spec.migrations", MigrationsSpec::new),
        section(ld, "spec.migrations.sessionCheck", SessionCheck::new),
        section(ld, "spec.migrations.sessionCheck.postgres", PostgresSessionCheck::new),
        section(rb, "spec", RebalanceSpec::new),
        section(rb, "spec.targetRef", TargetReference::new));
  }

  private static Arguments section(CustomResourceDefinition crd, String path, Supplier<Object> newObject) {
    return Arguments.of(crd.getSpec().getNames().getKind() + " " + path, Crds.at(crd, path), newObject.get());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sections")
  void newObjectHasTheSchemaDefaults(String section, JSONSchemaProps schema, Object newObject) {
    JsonNode java = Trees.of(newObject);
    List<String> mismatches = new ArrayList<>();
    for (Map.Entry<String, JSONSchemaProps> property : schema.getProperties().entrySet()) {
      JsonNode schemaDefault = property.getValue().getDefault();
      JsonNode javaValue = java.get(property.getKey());
      String have = javaValue == null ? "unset" : javaValue.toString();
      String want = schemaDefault == null ? "unset" : schemaDefault.toString();
      if (!have.equals(want)) {
        mismatches.add(property.getKey() + ": Java " + have + ", schema " + want);
      }
    }
    assertThat(mismatches).as(section).isEmpty();
  }
}
