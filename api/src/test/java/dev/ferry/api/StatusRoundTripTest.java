package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.ContractedVersion;
import dev.ferry.api.v1alpha1.DrainStatus;
import dev.ferry.api.v1alpha1.DrainType;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.LosslessDeploymentStatus;
import dev.ferry.api.v1alpha1.Rebalance;
import dev.ferry.api.v1alpha1.RebalancePhase;
import dev.ferry.api.v1alpha1.RebalanceState;
import dev.ferry.api.v1alpha1.RebalanceStatus;
import dev.ferry.api.v1alpha1.SchemaPhase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Status as the operator writes it and kubectl shows it reads back into the same Java fields. */
class StatusRoundTripTest {

  @Test
  void losslessDeploymentStatusMidDrain() {
    String yaml = fixture("status/mqtt-draining.yaml");
    LosslessDeployment mqtt = Serialization.unmarshal(yaml, LosslessDeployment.class);

    LosslessDeploymentStatus status = mqtt.getStatus();
    assertThat(status.getObservedGeneration()).isEqualTo(4L);
    assertThat(status.getPhase()).isEqualTo(LosslessDeploymentPhase.DRAINING);
    assertThat(status.getPhaseStartedAt()).isEqualTo("2026-11-24T10:15:30Z");
    assertThat(status.getCurrentRevision()).isEqualTo("7d1a5c9b8f");
    assertThat(status.getUpdateRevision()).isEqualTo("7d1a5c9b8f");
    assertThat(status.getCollisionCount()).isEqualTo(1);
    assertThat(status.getReplicas()).isEqualTo(5);
    assertThat(status.getReadyReplicas()).isEqualTo(5);
    assertThat(status.getUpdatedReplicas()).isEqualTo(3);
    assertThat(status.getSelector()).isEqualTo("app=mqtt");
    Condition progressing = status.getConditions().get(0);
    assertThat(progressing.getType()).isEqualTo("Progressing");
    assertThat(progressing.getStatus()).isEqualTo("True");
    assertThat(progressing.getReason()).isEqualTo("Draining");
    assertThat(progressing.getObservedGeneration()).isEqualTo(4L);
    DrainStatus drain = status.getDrain();
    assertThat(drain.getPod()).isEqualTo("mqtt-6f9c4d7b5-x2k8p");
    assertThat(drain.getNode()).isEqualTo("emqx@10.1.2.3");
    assertThat(drain.getState()).isEqualTo("evicting_conns");
    assertThat(drain.getStartedAt()).isEqualTo("2026-11-24T10:16:00Z");
    assertThat(drain.getInitialConnections()).isEqualTo(33412);
    assertThat(drain.getConnections()).isEqualTo(812);
    assertThat(drain.getInitialSessions()).isEqualTo(120);
    assertThat(drain.getSessions()).isEqualTo(40);
    assertThat(status.getDrained()).containsExactly("mqtt-6f9c4d7b5-a1b2c");
    assertThat(status.getSchema().getVersion()).isEqualTo("7");
    assertThat(status.getSchema().getPhase()).isEqualTo(SchemaPhase.EXPANDED);
    assertThat(status.getSchema().getExpandedAt()).isEqualTo("2026-11-24T10:14:10Z");
    assertThat(status.getSchema().getReleaseCompletedAt()).isEqualTo("2026-11-23T09:00:00Z");
    assertThat(status.getSchema().getContracted())
        .containsExactly(new ContractedVersion("6", "2026-11-23T09:30:00Z", List.of("5")));
    assertThat(status.getMessage()).isEqualTo("draining old pods one at a time");

    assertThat(Trees.missing(Trees.parse(yaml), Trees.of(mqtt))).isEmpty();
    assertThat(SchemaValidator.validate(Trees.parse(yaml), Crds.rootSchema(Crds.load(LosslessDeployment.class))))
        .isEmpty();
  }

  @Test
  void rebalanceStatusKeepsEmqxNames() {
    String yaml = fixture("status/rebalance-processing.yaml");
    Rebalance rebalance = Serialization.unmarshal(yaml, Rebalance.class);

    RebalanceStatus status = rebalance.getStatus();
    assertThat(status.getObservedGeneration()).isEqualTo(1L);
    assertThat(status.getPhase()).isEqualTo(RebalancePhase.PROCESSING);
    assertThat(status.getStartedTime()).isEqualTo("2026-11-24T11:00:00Z");
    assertThat(status.getCompletedTime()).isEqualTo("2026-11-24T11:05:00Z");
    RebalanceState state = status.getRebalanceStates().get(0);
    assertThat(state.getState()).isEqualTo("evicting_conns");
    assertThat(state.getCoordinatorNode()).isEqualTo("emqx@10.1.2.3");
    assertThat(state.getDonors()).containsExactly("emqx@10.1.2.3", "emqx@10.1.2.4");
    assertThat(state.getRecipients()).containsExactly("emqx@10.1.2.9");
    assertThat(state.getConnectionEvictionRate()).isEqualTo(10);
    assertThat(state.getSessionEvictionRate()).isEqualTo(10);
    assertThat(status.getConditions()).extracting(Condition::getType).containsExactly("Processing");
    assertThat(status.getMessage()).isEqualTo("rebalancing");

    assertThat(Trees.missing(Trees.parse(yaml), Trees.of(rebalance))).isEmpty();
    assertThat(SchemaValidator.validate(Trees.parse(yaml), Crds.rootSchema(Crds.load(Rebalance.class)))).isEmpty();
  }

  @Test
  void fieldsFromANewerCrdDoNotStopAnOlderOperator() {
    String yaml = fixture("status/mqtt-draining.yaml")
        .replace("  drain:\n    type: emqx\n", "  drain:\n    type: emqx\n    fieldOfTheFuture: 1\n")
        .replace("  drained:\n", "  somethingNew: {a: b}\n  drained:\n");

    LosslessDeployment mqtt = Serialization.unmarshal(yaml, LosslessDeployment.class);

    assertThat(yaml).contains("fieldOfTheFuture", "somethingNew");
    assertThat(mqtt.getSpec().getDrain().getType()).isEqualTo(DrainType.EMQX);
    assertThat(mqtt.getStatus().getDrained()).containsExactly("mqtt-6f9c4d7b5-a1b2c");
  }

  @Test
  void emptyListsAndUnsetFieldsAreLeftOut() {
    LosslessDeployment mqtt = new LosslessDeployment();
    mqtt.setStatus(new LosslessDeploymentStatus());
    mqtt.getStatus().setPhase(LosslessDeploymentPhase.HEALTHY);

    assertThat(Trees.of(mqtt).get("status").toString()).isEqualTo("{\"phase\":\"Healthy\"}");
  }

  @Test
  void equalStatusesAreEqual() {
    LosslessDeployment first = Serialization.unmarshal(fixture("status/mqtt-draining.yaml"),
        LosslessDeployment.class);
    LosslessDeployment second = Serialization.unmarshal(fixture("status/mqtt-draining.yaml"),
        LosslessDeployment.class);

    // The operator compares statuses to skip patches that would change nothing.
    assertThat(second.getStatus()).isEqualTo(first.getStatus()).hasSameHashCodeAs(first.getStatus());
    assertThat(second.getSpec()).isEqualTo(first.getSpec());
    second.getStatus().getDrain().setConnections(811);
    assertThat(second.getStatus()).isNotEqualTo(first.getStatus());
  }

  private static String fixture(String name) {
    try (InputStream in = StatusRoundTripTest.class.getResourceAsStream("/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
