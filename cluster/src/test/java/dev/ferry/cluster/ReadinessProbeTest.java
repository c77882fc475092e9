package dev.ferry.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

/** The kubelet's prober: ready at a success, unready only after failureThreshold failures in a row. */
class ReadinessProbeTest {

  static Pod pod(Integer failureThreshold) {
    var b = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withUid("u").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("i");
    if (failureThreshold != null) {
      b = b.withNewReadinessProbe().withNewTcpSocket().withNewPort(80).endTcpSocket()
          .withFailureThreshold(failureThreshold).endReadinessProbe();
    }
    return b.endContainer().endSpec().build();
  }

  /** The readiness after each probe result, starting from a container never probed. */
  static String after(Pod pod, boolean... results) {
    Kubelet.PodRun run = new Kubelet.PodRun(pod);
    StringBuilder out = new StringBuilder();
    for (boolean ok : results) {
      run.probeOk = Kubelet.probed(run, ok, Kubelet.failureThreshold(pod));
      out.append(run.probeOk ? 'R' : '-');
    }
    return out.toString();
  }

  @Test
  void withoutAThresholdTheDefaultThreeFailuresInARowTakeAReadyContainerOut() {
    Pod p = pod(null);
    assertThat(Kubelet.failureThreshold(p)).isEqualTo(3);
    // Not ready before its first success, however few failures; then two misses are forgiven.
    assertThat(after(p, false, true, false, false, true, false, false, false, true))
        .isEqualTo("-RRRRRR-R");
  }

  @Test
  void thePodsOwnThresholdCounts() {
    assertThat(after(pod(1), true, false, true)).isEqualTo("R-R");
    assertThat(after(pod(5), true, false, false, false, false, false)).isEqualTo("RRRRR-");
  }
}
