package dev.ferry.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LifecycleBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kubelet's pure parts: a preStop hook as it runs it, and readiness gates. */
class PodRulesTest {

  static Pod withPreStop(io.fabric8.kubernetes.api.model.Lifecycle lifecycle) {
    return new PodBuilder().withNewSpec().addNewContainer().withName("emqx").withLifecycle(lifecycle).endContainer().endSpec().build();
  }

  @Test
  void preStopSleepComesFromASleepActionOrAnExecOfSleep() {
    assertThat(PreStopHook.of(withPreStop(new LifecycleBuilder().withNewPreStop().withNewSleep(5L).endPreStop().build()), 80).sleep())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(PreStopHook.of(withPreStop(new LifecycleBuilder().withNewPreStop().withNewExec()
        .withCommand("/bin/sh", "-c", "sleep 2.5").endExec().endPreStop().build()), 80).sleep()).isEqualTo(Duration.ofMillis(2500));
    assertThat(PreStopHook.of(withPreStop(new LifecycleBuilder().withNewPreStop().withNewExec()
        .withCommand("emqx", "ctl", "stop").endExec().endPreStop().build()), 80).sleep()).isZero();
    assertThat(PreStopHook.of(withPreStop(null), 80)).isEqualTo(new PreStopHook(null, Duration.ZERO, false));
  }

  @Test
  void theOperatorsRenderedHookIsAnOfflineCallThenASleepInThePod() {
    // As operator/.../TemplateRenderer renders lifecycle.offlineUrl and preStopSleepSeconds.
    String script = "wget -q -T 5 -O /dev/null 'http://localhost:22222/offline' 2>/dev/null"
        + " || curl -fsS -m 5 -o /dev/null 'http://localhost:22222/offline' 2>/dev/null; sleep 3";
    PreStopHook hook = PreStopHook.of(withPreStop(new LifecycleBuilder().withNewPreStop().withNewExec()
        .withCommand("sh", "-c", script).endExec().endPreStop().build()), 80);
    assertThat(hook.url()).isEqualTo("http://localhost:22222/offline");
    assertThat(hook.sleep()).isEqualTo(Duration.ofSeconds(3));
    assertThat(hook.fromContainer()).as("an exec hook calls from inside the pod").isTrue();
    assertThat(PreStopHook.inPod(hook.url(), "198.18.1.7")).isEqualTo("http://198.18.1.7:22222/offline");
    assertThat(PreStopHook.inPod(hook.url(), "2001:2::1:7")).isEqualTo("http://[2001:2::1:7]:22222/offline");
  }

  @Test
  void anHttpGetActionCallsThePodsPortAndAnotherHostIsLeftAlone() {
    PreStopHook get = PreStopHook.of(withPreStop(new LifecycleBuilder().withNewPreStop().withNewHttpGet().withPath("/offline")
        .withNewPort(8080).endHttpGet().endPreStop().build()), 80);
    assertThat(get.url()).isEqualTo("http://localhost:8080/offline");
    assertThat(get.sleep()).isEqualTo(Duration.ZERO);
    assertThat(get.fromContainer()).as("the kubelet sends an httpGet action from the node").isFalse();
    assertThat(PreStopHook.inPod("http://registry.example:80/x?y=1", "198.18.1.7")).isEqualTo("http://registry.example:80/x?y=1");
  }

  @Test
  void readyNeedsEveryReadinessGateTrue() {
    Pod pod = new PodBuilder().withNewSpec().withReadinessGates(new PodReadinessGate("a"), new PodReadinessGate("b")).endSpec()
        .withNewStatus().withConditions(new PodConditionBuilder().withType("a").withStatus("True").build()).endStatus().build();
    assertThat(PodStatuses.gatesTrue(pod)).isFalse();
    pod.getStatus().setConditions(List.of(
        new PodConditionBuilder().withType("a").withStatus("True").build(),
        new PodConditionBuilder().withType("b").withStatus("False").build()));
    assertThat(PodStatuses.gatesTrue(pod)).isFalse();
    pod.getStatus().setConditions(List.of(
        new PodConditionBuilder().withType("a").withStatus("True").build(),
        new PodConditionBuilder().withType("b").withStatus("True").build()));
    assertThat(PodStatuses.gatesTrue(pod)).isTrue();
    assertThat(PodStatuses.gatesTrue(new PodBuilder().withNewSpec().endSpec().build())).isTrue();
  }
}
