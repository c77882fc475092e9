package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.v1alpha1.BlueGreenStrategy;
import dev.ferry.api.v1alpha1.DrainSpec;
import dev.ferry.api.v1alpha1.DrainType;
import dev.ferry.api.v1alpha1.LifecycleSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentSpec;
import dev.ferry.api.v1alpha1.MigrationsSpec;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalanceSpec;
import dev.ferry.api.v1alpha1.StrategyType;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The examples in deploy/examples/ are what users copy. They must be valid against the CRDs, and every
 * field in them must land in the Java types where the operator will look for it.
 */
class ExamplesTest {

  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "LosslessDeployment", LosslessDeployment.class,
      "Rebalance", Rebalance.class);

  @ParameterizedTest
  @ValueSource(strings = {"mqtt-bluegreen.yaml", "http-rolling.yaml", "rebalance.yaml"})
  void exampleIsValidAgainstItsCrd(String file) {
    JsonNode example = Trees.parse(example(file));
    Class<? extends HasMetadata> kind = KINDS.get(example.get("kind").asText());

    assertThat(example.get("apiVersion").asText()).isEqualTo(HasMetadata.getApiVersion(kind));
    assertThat(SchemaValidator.validate(example, Crds.rootSchema(Crds.load(kind)))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"mqtt-bluegreen.yaml", "http-rolling.yaml", "rebalance.yaml"})
  void everyFieldSurvivesTheRoundTripThroughTheJavaTypes(String file) {
    JsonNode example = Trees.parse(example(file));
    HasMetadata resource = Serialization.unmarshal(example(file), KINDS.get(example.get("kind").asText()));

    // A misspelled or misplaced field would be dropped on the way in and be missing here.
    assertThat(Trees.missing(example, Trees.of(resource))).isEmpty();
  }

  @Test
  void blueGreenMqttExample() {
    LosslessDeployment mqtt = Serialization.unmarshal(example("mqtt-bluegreen.yaml"), LosslessDeployment.class);

    assertThat(mqtt.getMetadata().getName()).isEqualTo("mqtt");
    LosslessDeploymentSpec spec = mqtt.getSpec();
    assertThat(spec.getReplicas()).isEqualTo(3);
    assertThat(spec.getSelector().getMatchLabels()).containsExactlyEntriesOf(Map.of("app", "mqtt"));
    assertThat(spec.getTemplate().getMetadata().getLabels()).containsExactlyEntriesOf(Map.of("app", "mqtt"));
    Container emqx = spec.getTemplate().getSpec().getContainers().get(0);
    assertThat(emqx.getName()).isEqualTo("emqx");
    assertThat(emqx.getPorts()).extracting(p -> p.getName() + ":" + p.getContainerPort())
        .containsExactly("mqtt:1883", "dashboard:18083");
    assertThat(emqx.getReadinessProbe().getHttpGet().getPort()).isEqualTo(new IntOrString("dashboard"));
    assertThat(spec.getService().getName()).isEqualTo("mqtt");
    assertThat(spec.getRevisionHistoryLimit()).isEqualTo(5);

    assertThat(spec.getStrategy().getType()).isEqualTo(StrategyType.BLUE_GREEN);
    BlueGreenStrategy blueGreen = spec.getStrategy().getBlueGreen();
    assertThat(blueGreen.getInitialDelaySeconds()).isEqualTo(60);
    assertThat(blueGreen.getAutoPromote()).isTrue();
    assertThat(blueGreen.getProgressDeadlineSeconds()).isEqualTo(600);
    assertThat(spec.getStrategy().getRolling()).isNull();

    DrainSpec drain = spec.getDrain();
    assertThat(drain.getType()).isEqualTo(DrainType.EMQX);
    assertThat(drain.getConnEvictRate()).isEqualTo(200);
    assertThat(drain.getSessEvictRate()).isEqualTo(200);
    assertThat(drain.getWaitTakeover()).isEqualTo(5);
    assertThat(drain.getWaitHealthCheck()).isZero();
    assertThat(drain.getTimeoutSeconds()).isEqualTo(1800);
    assertThat(drain.getEmqx().getPort()).isEqualTo(18083);
    assertThat(drain.getEmqx().getApiKeySecret()).isEqualTo("mqtt-api-key");
    assertThat(drain.getEmqx().getApiVersion()).isEqualTo(dev.ferry.api.v1alpha1.EmqxApiVersion.AUTO);
    assertThat(drain.getEmqx().getRedirectTo()).as("EMQX's REST API ignores it: not in the example").isNull();
    assertThat(drain.getHttp()).isNull();

    // A preStop for pods deleted by someone else than Ferry (`ferry check` asks for one); the rest defaults.
    LifecycleSpec lifecycle = new LifecycleSpec();
    lifecycle.setPreStopSleepSeconds(5);
    assertThat(spec.getLifecycle()).isEqualTo(lifecycle);
    assertThat(spec.getMigrations()).isNull();
    assertThat(mqtt.getStatus()).isNull();
  }

  @Test
  void rollingHttpExample() {
    LosslessDeployment orders = Serialization.unmarshal(example("http-rolling.yaml"), LosslessDeployment.class);

    assertThat(orders.getMetadata().getName()).isEqualTo("orders");
    LosslessDeploymentSpec spec = orders.getSpec();
    assertThat(spec.getReplicas()).isEqualTo(4);
    assertThat(spec.getSelector().getMatchLabels()).containsExactlyEntriesOf(Map.of("app", "orders"));
    assertThat(spec.getTemplate().getSpec().getContainers()).extracting(Container::getImage)
        .containsExactly("registry.example.com/orders:2.4.1");
    assertThat(spec.getService().getName()).isEqualTo("orders");
    assertThat(spec.getRevisionHistoryLimit()).as("default").isEqualTo(10);

    assertThat(spec.getStrategy().getType()).isEqualTo(StrategyType.ROLLING);
    assertThat(spec.getStrategy().getRolling().getMaxSurge()).isEqualTo(new IntOrString("25%"));
    assertThat(spec.getStrategy().getRolling().getMaxUnavailable()).isEqualTo(new IntOrString(0));
    assertThat(spec.getStrategy().getRolling().getProgressDeadlineSeconds()).isEqualTo(300);
    assertThat(spec.getStrategy().getBlueGreen()).isNull();
    assertThat(spec.getStrategy().blueGreenOrDefaults()).isEqualTo(new BlueGreenStrategy());

    DrainSpec drain = spec.getDrain();
    assertThat(drain.getType()).isEqualTo(DrainType.HTTP);
    assertThat(drain.getConnEvictRate()).isEqualTo(50);
    assertThat(drain.getSessEvictRate()).as("default").isEqualTo(1000);
    assertThat(drain.getWaitTakeover()).isEqualTo(2);
    assertThat(drain.getTimeoutSeconds()).isEqualTo(120);
    assertThat(drain.getHttp().getPort()).isEqualTo(8081);
    assertThat(drain.getHttp().getPath()).isEqualTo("/ferry/drain");
    assertThat(drain.getEmqx()).isNull();

    LifecycleSpec lifecycle = spec.getLifecycle();
    assertThat(lifecycle.getPreStopSleepSeconds()).isEqualTo(10);
    assertThat(lifecycle.getOfflineUrl()).isEqualTo("http://localhost:22222/offline");
    assertThat(lifecycle.getWarmupSeconds()).isEqualTo(120);
    assertThat(lifecycle.getDelayOnlineSeconds()).isEqualTo(5);
    assertThat(lifecycle.getPropagationSeconds()).isEqualTo(3);
    assertThat(lifecycle.getShutdownSeconds()).isEqualTo(20);

    MigrationsSpec migrations = spec.getMigrations();
    assertThat(migrations.getSchemaVersion()).isEqualTo("7");
    assertThat(migrations.getRollbackWindowSeconds()).isEqualTo(900);
    assertThat(migrations.getExpand().getSpec().getBackoffLimit()).isEqualTo(2);
    assertThat(migrations.getExpand().getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(migrations.getExpand().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .containsExactly("expand");
    assertThat(migrations.getContract().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .containsExactly("contract");
  }

  @Test
  void rebalanceExample() {
    Rebalance rebalance = Serialization.unmarshal(example("rebalance.yaml"), Rebalance.class);

    assertThat(rebalance.getMetadata().getName()).isEqualTo("mqtt-after-scale-out");
    RebalanceSpec spec = rebalance.getSpec();
    assertThat(spec.getTargetRef().getKind()).isEqualTo("LosslessDeployment");
    assertThat(spec.getTargetRef().getName()).isEqualTo("mqtt");
    assertThat(spec.getConnEvictRate()).isEqualTo(10);
    assertThat(spec.getSessEvictRate()).isEqualTo(10);
    assertThat(spec.getWaitTakeover()).isEqualTo(10);
    assertThat(spec.getWaitHealthCheck()).isEqualTo(10);
    assertThat(spec.getAbsConnThreshold()).isEqualTo(100);
    assertThat(spec.getAbsSessThreshold()).isEqualTo(100);
    assertThat(spec.getRelConnThreshold()).isEqualTo("1.1");
    assertThat(spec.getRelSessThreshold()).isEqualTo("1.1");
    assertThat(rebalance.getStatus()).isNull();
  }

  @Test
  void anUnsetDrainIsTypeNoneWithDefaults() {
    LosslessDeploymentSpec spec = new LosslessDeploymentSpec();

    assertThat(spec.getDrain()).isNull();
    assertThat(spec.drainOrDefaults().getType()).isEqualTo(DrainType.NONE);
    assertThat(spec.drainOrDefaults().getWaitTakeover()).isEqualTo(new DrainSpec().getWaitTakeover());
  }

  private static String example(String file) {
    return RepoFiles.read(RepoFiles.EXAMPLES.resolve(file));
  }
}
