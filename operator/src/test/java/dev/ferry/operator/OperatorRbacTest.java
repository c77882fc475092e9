package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.cluster.PodStatuses;
import dev.ferry.operator.support.Fixtures;
import dev.ferry.operator.support.OperatorHarness;
import dev.ferry.operator.support.TestKube;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator's permissions are exactly deploy/operator/'s, and each is needed: every other
 * operator test runs as the operator's own ServiceAccount (a missing permission fails it); here one
 * rule is taken away and the apiserver's refusal shows, with the old state kept and nothing half
 * done.
 */
@Tag("real-kube")
class OperatorRbacTest {
  OperatorHarness h;

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void withoutPodsStatusNoPodIsLetIntoTheServiceAndTheRefusalIsReported() throws Exception {
    h = new OperatorHarness(Duration.ofMillis(300));
    h.startOperator(TestKube.operatorClientWithout("ferry-operator-no-pod-status",
        rule -> rule.getResources().contains("pods/status")));
    h.client.resources(LosslessDeployment.class).resource(Fixtures.mqtt(h.client, "emqx:5.8.0")).create();

    await().atMost(Duration.ofSeconds(30)).until(() -> h.events().stream().map(Event::getMessage)
        .anyMatch(m -> m != null && m.contains("forbidden") && m.contains("pods/status")));
    Event refused = h.events().stream().filter(e -> e.getMessage() != null && e.getMessage().contains("forbidden")).findFirst().orElseThrow();
    assertThat(refused.getType()).isEqualTo("Warning");
    assertThat(refused.getMessage()).contains("system:serviceaccount:ferry-system:ferry-operator-no-pod-status");
    await().atMost(Duration.ofSeconds(30)).until(() -> h.pods().size() == 2
        && h.pods().stream().allMatch(p -> PodStatuses.isTrue(p, "ContainersReady")));
    Thread.sleep(1000); // the operator's next passes
    assertThat(h.serving()).as("no gate could be opened").isEmpty();
    assertThat(h.phase("mqtt")).isNotEqualTo(LosslessDeploymentPhase.HEALTHY);
  }
}
