package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.DrainStatus;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.api.v1alpha1.LosslessDeploymentPhase;
import dev.ferry.api.v1alpha1.LosslessDeploymentStatus;
import dev.ferry.lab.cluster.Workloads;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ferry get}'s tree, from what the cluster says: a blue-green release in its drain. */
class GetCommandTest {

  static Pod pod(String name, String revision, boolean ready, boolean serving, boolean terminating) {
    var p = new PodBuilder().withNewMetadata().withName(name).addToLabels(FerryNames.REVISION_LABEL, revision).endMetadata()
        .withNewStatus().withPhase("Running").withPodIP("198.18.1.7")
          .addNewCondition().withType("ContainersReady").withStatus(ready ? "True" : "False").endCondition()
          .addNewCondition().withType(FerryNames.SERVING_CONDITION).withStatus(serving ? "True" : "False").endCondition()
          .addNewCondition().withType("Ready").withStatus(ready && serving ? "True" : "False").endCondition()
        .endStatus().build();
    if (terminating) {
      p.getMetadata().setDeletionTimestamp("2026-12-07T05:00:00Z");
    }
    return p;
  }

  @Test
  void anAdoptionShowsTheWorkloadItsPhaseAndThePodsRemoved() {
    var a = new dev.ferry.api.v1alpha1.AdoptionStatus();
    a.setPhase(dev.ferry.api.v1alpha1.AdoptionPhase.DRAINING);
    a.setPhaseStartedAt("2026-12-07T05:00:00Z");
    a.setWorkload("StatefulSet/emqx");
    a.setRemoved(List.of("emqx-2", "emqx-1"));
    assertThat(GetCommand.adoption(a, Instant.parse("2026-12-07T05:00:42Z")))
        .isEqualTo("Adoption:   StatefulSet/emqx Draining for 42s, removed emqx-2, emqx-1" + System.lineSeparator());
  }

  @Test
  void aDrainInProgressShowsRevisionsPodsAndAnEta() {
    LosslessDeployment ld = Workloads.appLosslessDeployment("mqtt", 2, "emqx:5.8.1", Map.of(), 1, 0,
        new dev.ferry.api.v1alpha1.LifecycleSpec(), false);
    ld.getMetadata().setNamespace("shop");
    var s = new LosslessDeploymentStatus();
    s.setPhase(LosslessDeploymentPhase.DRAINING);
    s.setPhaseStartedAt("2026-12-07T04:59:30Z");
    s.setCurrentRevision("new");
    s.setUpdateRevision("new");
    s.setReady("2/2");
    var d = new DrainStatus();
    d.setPod("mqtt-old-1");
    d.setState("evicting");
    d.setStartedAt("2026-12-07T04:59:50Z");
    d.setInitialConnections(1000);
    d.setConnections(600);
    s.setDrain(d);
    ld.setStatus(s);
    String tree = GetCommand.render(ld, List.of(pod("mqtt-new-1", "new", true, true, false), pod("mqtt-new-2", "new", true, true, false),
        pod("mqtt-old-1", "old", true, false, false), pod("mqtt-old-2", "old", true, false, true)), List.of(),
        Instant.parse("2026-12-07T05:00:00Z"));
    System.out.println(tree);
    assertThat(tree).contains("Phase:      Draining for 30s")
        .contains("├─ new (current)\n│  ├─ mqtt-new-1")
        .contains("└─ old (old)\n   ├─ mqtt-old-1                         Running, ready, out of service")
        .contains("   └─ mqtt-old-2                         Terminating")
        // 400 of 1,000 evicted in 10 s: 40/s, 600 left, 15 s to go
        .contains("connections 600 left of 1000, 40/s, ETA 15s");
  }

  @Test
  void aRepeatedEventShowsHowOftenAndSinceWhenAsKubectlDescribeDoes() {
    LosslessDeployment ld = Workloads.appLosslessDeployment("mqtt", 2, "emqx:5.8.1", Map.of(), 1, 0,
        new dev.ferry.api.v1alpha1.LifecycleSpec(), false);
    ld.getMetadata().setNamespace("shop");
    var status = new LosslessDeploymentStatus();
    status.setPhase(LosslessDeploymentPhase.DRAINING);
    status.setPhaseStartedAt("2026-12-07T04:57:00Z");
    ld.setStatus(status);
    var stalled = new io.fabric8.kubernetes.api.model.EventBuilder().withType("Warning").withReason("DrainStalled")
        .withMessage("no progress").withCount(4).withFirstTimestamp("2026-12-07T04:58:00Z")
        .withLastTimestamp("2026-12-07T04:59:55Z").build();
    var started = new io.fabric8.kubernetes.api.model.EventBuilder().withType("Normal").withReason("DrainStarted")
        .withMessage("draining mqtt-old-1").withCount(1).withFirstTimestamp("2026-12-07T04:57:00Z")
        .withLastTimestamp("2026-12-07T04:57:00Z").build();
    String tree = GetCommand.render(ld, List.of(), List.of(stalled, started), Instant.parse("2026-12-07T05:00:00Z"));
    assertThat(tree).containsPattern("3m +Normal +DrainStarted +draining mqtt-old-1")
        .contains("5s (x4 over 2m) Warning DrainStalled");
  }
}
