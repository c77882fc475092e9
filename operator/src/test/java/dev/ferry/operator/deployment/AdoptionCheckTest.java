package dev.ferry.operator.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.AdoptKind;
import dev.ferry.api.v1alpha1.AdoptSpec;
import dev.ferry.api.v1alpha1.LosslessDeploymentSpec;
import dev.ferry.api.v1alpha1.ServiceReference;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What must hold before an adoption changes anything: each problem names its field. */
class AdoptionCheckTest {

  static LosslessDeploymentSpec spec() {
    var spec = new LosslessDeploymentSpec();
    spec.setReplicas(3);
    spec.setSelector(new LabelSelectorBuilder().addToMatchLabels("app", "emqx").build());
    spec.setService(new ServiceReference("emqx"));
    var adopt = new AdoptSpec();
    adopt.setKind(AdoptKind.STATEFUL_SET);
    adopt.setName("emqx");
    spec.setAdopt(adopt);
    return spec;
  }

  static StatefulSet steady(Map<String, String> labels) {
    return new StatefulSetBuilder().withNewMetadata().withName("emqx").withGeneration(2L).endMetadata()
        .withNewSpec().withReplicas(3).withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
        .endTemplate().endSpec()
        .withNewStatus().withObservedGeneration(2L).withReplicas(3).withReadyReplicas(3)
          .withCurrentRevision("emqx-1").withUpdateRevision("emqx-1").endStatus()
        .build();
  }

  static Service service(Map<String, String> selector) {
    return new ServiceBuilder().withNewMetadata().withName("emqx").endMetadata()
        .withNewSpec().withSelector(selector).endSpec().build();
  }

  static List<String> fields(List<SpecProblem> problems) {
    return problems.stream().map(SpecProblem::field).toList();
  }

  @Test
  void aSteadyStatefulSetItsServiceSelectsIsAdoptable() {
    assertThat(AdoptionCheck.cluster(spec(), steady(Map.of("app", "emqx", "x", "y")), null,
        service(Map.of("app", "emqx")))).isEmpty();
  }

  @Test
  void eachProblemNamesItsField() {
    assertThat(fields(AdoptionCheck.cluster(spec(), null, null, service(Map.of("app", "emqx")))))
        .containsExactly("spec.adopt.name");
    StatefulSet rolling = steady(Map.of("app", "emqx"));
    rolling.getStatus().setUpdateRevision("emqx-2");
    assertThat(AdoptionCheck.cluster(spec(), rolling, null, service(Map.of("app", "emqx"))))
        .singleElement().satisfies(p -> assertThat(p.toString()).contains("spec.adopt.name", "being rolled out"));
    StatefulSet unready = steady(Map.of("app", "emqx"));
    unready.getStatus().setReadyReplicas(2);
    assertThat(AdoptionCheck.cluster(spec(), unready, null, service(Map.of("app", "emqx"))))
        .singleElement().satisfies(p -> assertThat(p.why()).contains("2/3 pods ready"));
    assertThat(fields(AdoptionCheck.cluster(spec(), steady(Map.of("app", "other")), null,
        service(Map.of("app", "other"))))).containsExactly("spec.selector");
    assertThat(fields(AdoptionCheck.cluster(spec(), steady(Map.of("app", "emqx")), null, null)))
        .containsExactly("spec.service.name");
    assertThat(fields(AdoptionCheck.cluster(spec(), steady(Map.of("app", "emqx")), null,
        service(Map.of("app", "emqx", "tier", "x"))))).containsExactly("spec.service.name");
  }

  @Test
  void theSpecAloneNeedsAServiceAtLeastOneReplicaAKindAndAName() {
    var spec = spec();
    spec.setService(null);
    spec.setReplicas(0);
    spec.getAdopt().setKind(null);
    spec.getAdopt().setName("Not_A_Name");
    List<SpecProblem> p = new ArrayList<>();
    AdoptionCheck.spec(spec, p);
    assertThat(fields(p)).containsExactlyInAnyOrder("spec.adopt.kind", "spec.adopt.name", "spec.service", "spec.replicas");
  }
}
