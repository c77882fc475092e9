package dev.ferry.lab.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The preStop hooks the kubelet runs for request/response pods: the URL it calls, then the sleep. */
class PreStopTest {

  static Pod pod(io.fabric8.kubernetes.api.model.LifecycleHandler preStop) {
    return new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec()
        .addNewContainer().withName("c").withImage("dubbo-provider:1")
          .withNewLifecycle().withPreStop(preStop).endLifecycle().endContainer()
        .endSpec().build();
  }

  @Test
  void theOperatorsRenderedHookIsAnOfflineCallThenASleep() {
    // As operator/.../TemplateRenderer renders lifecycle.offlineUrl and preStopSleepSeconds.
    String script = "wget -q -T 5 -O /dev/null 'http://localhost:22222/offline' 2>/dev/null"
        + " || curl -fsS -m 5 -o /dev/null 'http://localhost:22222/offline' 2>/dev/null; sleep 3";
    Kubelet.PreStop hook = Kubelet.PreStop.of(pod(new LifecycleHandlerBuilder().withNewExec()
        .withCommand("sh", "-c", script).endExec().build()));
    assertThat(hook.url()).isEqualTo("http://localhost:22222/offline");
    assertThat(hook.sleep()).isEqualTo(Duration.ofSeconds(3));
    assertThat(Kubelet.PreStop.inPod(hook.url(), "127.0.12.3")).isEqualTo("http://127.0.12.3:22222/offline");
  }

  @Test
  void aSleepActionAndAnHttpGetAction() {
    Kubelet.PreStop sleep = Kubelet.PreStop.of(pod(new LifecycleHandlerBuilder().withNewSleep().withSeconds(4L).endSleep().build()));
    assertThat(sleep.url()).isNull();
    assertThat(sleep.sleep()).isEqualTo(Duration.ofSeconds(4));
    Kubelet.PreStop get = Kubelet.PreStop.of(pod(new LifecycleHandlerBuilder().withNewHttpGet().withPath("/offline")
        .withNewPort(8080).endHttpGet().build()));
    assertThat(get.url()).isEqualTo("http://localhost:8080/offline");
    assertThat(get.sleep()).isEqualTo(Duration.ZERO);
    assertThat(Kubelet.PreStop.inPod("http://registry.example:80/x?y=1", "127.0.12.3")).isEqualTo("http://registry.example:80/x?y=1");
  }

  @Test
  void imagesThatRunAsApplications() {
    assertThat(PodApp.handles("web:2")).isTrue();
    assertThat(PodApp.handles("registry.example/team/dubbo-provider:3.3")).isTrue();
    assertThat(PodApp.handles("emqx:5.8.1")).isFalse();
    assertThat(PodApp.handles("webhook:1")).isFalse();
  }
}
