package dev.ferry.operator.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.LifecycleSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What lossless online/offline puts into the pods Ferry creates. */
class TemplateRendererTest {

  static LosslessDeployment ld(LifecycleSpec lifecycle) throws Exception {
    try (InputStream in = TemplateRendererTest.class.getResourceAsStream("/mqtt-ld.yaml")) {
      LosslessDeployment ld = Serialization.unmarshal(in, LosslessDeployment.class);
      ld.getSpec().setLifecycle(lifecycle);
      return ld;
    }
  }

  static LifecycleSpec lifecycle(int sleep, String offlineUrl, int shutdown, int warmup) {
    LifecycleSpec l = new LifecycleSpec();
    l.setPreStopSleepSeconds(sleep);
    l.setOfflineUrl(offlineUrl);
    l.setShutdownSeconds(shutdown);
    l.setWarmupSeconds(warmup);
    return l;
  }

  @Test
  void theSchemaVersionIsPartOfTheTemplateSoEachVersionIsItsOwnRevision() throws Exception {
    LosslessDeployment ld = ld(null);
    ld.getSpec().setMigrations(dev.ferry.operator.support.Fixtures.migrations("2.1", 600));
    PodTemplateSpec t = TemplateRenderer.render(ld);
    assertThat(t.getMetadata().getAnnotations()).containsEntry(FerryNames.SCHEMA_VERSION_ANNOTATION, "2.1");
    assertThat(FerryNames.SCHEMA_VERSION_ANNOTATION).isEqualTo("ferry.dev/schema-version"); // the lab reads it

    LosslessDeployment other = ld(null);
    other.getSpec().setMigrations(dev.ferry.operator.support.Fixtures.migrations("2.2", 600));
    assertThat(dev.ferry.operator.kube.Revisions.hash(TemplateRenderer.render(other), 0))
        .isNotEqualTo(dev.ferry.operator.kube.Revisions.hash(t, 0));
    assertThat(TemplateRenderer.render(ld(null)).getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void everyPodCarriesTheServingGateAndItsDeploymentLabel() throws Exception {
    PodTemplateSpec t = TemplateRenderer.render(ld(null));
    assertThat(t.getSpec().getReadinessGates()).extracting(g -> g.getConditionType()).containsExactly(FerryNames.SERVING_CONDITION);
    assertThat(t.getMetadata().getLabels()).containsEntry(FerryNames.DEPLOYMENT_LABEL, "mqtt");
    assertThat(t.getSpec().getContainers().get(0).getLifecycle()).isNull();
  }

  @Test
  void aPreStopSleepAndAGracePeriodThatCoversItAndTheShutdown() throws Exception {
    PodTemplateSpec t = TemplateRenderer.render(ld(lifecycle(10, null, 30, 0)));
    var preStop = t.getSpec().getContainers().get(0).getLifecycle().getPreStop();
    assertThat(preStop.getSleep().getSeconds()).isEqualTo(10L);
    assertThat(t.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(40L);
  }

  @Test
  void theOfflineUrlIsCalledFirstThenTheSleepEvenIfTheCallFails() throws Exception {
    PodTemplateSpec t = TemplateRenderer.render(ld(lifecycle(10, "http://localhost:22222/offline", 30, 120)));
    List<String> command = t.getSpec().getContainers().get(0).getLifecycle().getPreStop().getExec().getCommand();
    assertThat(command.get(2)).startsWith("wget").contains("'http://localhost:22222/offline'")
        .contains("|| curl").endsWith("; sleep 10");
    assertThat(t.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(45L);
    assertThat(t.getMetadata().getAnnotations()).containsEntry(FerryNames.WARMUP_SECONDS_ANNOTATION, "120");
  }

  @Test
  void aContainersOwnPreStopAndAnExplicitGracePeriodAreKept() throws Exception {
    LosslessDeployment ld = ld(lifecycle(10, null, 30, 0));
    ld.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(90L);
    ld.getSpec().getTemplate().getSpec().getContainers().get(0).setLifecycle(new io.fabric8.kubernetes.api.model.LifecycleBuilder()
        .withPreStop(new LifecycleHandlerBuilder().withNewExec().withCommand("/drain.sh").endExec().build()).build());
    PodTemplateSpec t = TemplateRenderer.render(ld);
    assertThat(t.getSpec().getContainers().get(0).getLifecycle().getPreStop().getExec().getCommand()).containsExactly("/drain.sh");
    assertThat(t.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(90L);
  }

  @Test
  void aGracePeriodThatCannotFitIsAnInvalidSpec() throws Exception {
    LosslessDeployment ld = ld(lifecycle(10, "http://localhost:22222/offline", 30, 0));
    ld.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(20L);
    List<SpecProblem> problems = SpecValidator.validate(ld.getSpec(), name -> new io.fabric8.kubernetes.api.model.SecretBuilder()
        .addToStringData("key", "k").addToStringData("secret", "s").build());
    assertThat(problems).extracting(SpecProblem::field).containsExactly("spec.template.spec.terminationGracePeriodSeconds");
    assertThat(problems.get(0).why()).contains("20s").contains("45s");
  }
}
