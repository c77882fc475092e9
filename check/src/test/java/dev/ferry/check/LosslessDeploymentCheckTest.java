package dev.ferry.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A LosslessDeployment is judged by the pod template the operator renders from it. */
class LosslessDeploymentCheckTest {

  @Test
  void withoutLifecycleFerryRendersNoPreStop() throws Exception {
    CheckResult r = Fixtures.check("ld-risky.yaml");
    assertThat(Fixtures.risks(r)).containsExactly(Risk.NO_READINESS_PROBE, Risk.NO_PRESTOP);
    assertThat(r.findings().get(0).object().display()).isEqualTo("LosslessDeployment/orders");
    assertThat(r.findings().get(0).what()).contains("Ferry opens its serving gate");
    assertThat(r.findings().get(1).fix()).contains("add spec.lifecycle: {preStopSleepSeconds: 5}");
  }

  @Test
  void withLifecycleTheRenderedPreStopAndGracePeriodAreEnough() throws Exception {
    assertThat(Fixtures.check("ld-fixed.yaml").findings()).isEmpty();
  }

  @Test
  void aLifecyclePreStopShorterThanItsOwnPropagationIsARisk() throws Exception {
    String yaml = Files.readString(Fixtures.path("ld-fixed.yaml"))
        .replace("    preStopSleepSeconds: 10", "    preStopSleepSeconds: 3\n    propagationSeconds: 8");
    CheckResult r = Checker.check(Fixtures.parse("ld.yaml", yaml), CheckOptions.defaults());
    assertThat(Fixtures.risks(r)).containsExactly(Risk.PRESTOP_TOO_SHORT);
    assertThat(r.findings().get(0).what()).contains("lasts 3s", "8s", "spec.lifecycle.propagationSeconds");
    assertThat(r.findings().get(0).fix()).isEqualTo("set spec.lifecycle.preStopSleepSeconds: 8");
  }

  @Test
  void aTemplateGracePeriodThatCannotCoverTheLifecycleIsARisk() throws Exception {
    String yaml = Files.readString(Fixtures.path("ld-fixed.yaml"))
        .replace("    spec:\n      containers:", "    spec:\n      terminationGracePeriodSeconds: 20\n      containers:");
    CheckResult r = Checker.check(Fixtures.parse("ld.yaml", yaml), CheckOptions.defaults());
    assertThat(Fixtures.risks(r)).containsExactly(Risk.GRACE_TOO_SHORT);
    assertThat(r.findings().get(0).what()).contains("20", "preStop 10s", "shutdown 20s (spec.lifecycle.shutdownSeconds)");
    assertThat(r.findings().get(0).fix()).contains("remove spec.template.spec.terminationGracePeriodSeconds", "30");
  }

  @Test
  void aContainersOwnPreStopIsKeptAndJudged() throws Exception {
    String yaml = Files.readString(Fixtures.path("ld-fixed.yaml"))
        .replace("            periodSeconds: 2", "            periodSeconds: 2\n          lifecycle:\n"
            + "            preStop: {exec: {command: [sleep, \"1\"]}}");
    CheckResult r = Checker.check(Fixtures.parse("ld.yaml", yaml), CheckOptions.defaults());
    assertThat(Fixtures.risks(r)).containsExactly(Risk.PRESTOP_TOO_SHORT);
    assertThat(r.findings().get(0).fix()).contains("own preStop (Ferry keeps it as it is)");
  }

  @Test
  void dubboProviderOfflineComesFromOfflineUrlButDelayMustBeDubbos() throws Exception {
    CheckResult r = Fixtures.check("ld-dubbo.yaml");
    assertThat(Fixtures.risks(r)).containsExactly(Risk.REGISTRY_NO_DELAY);
    assertThat(r.findings().get(0).fix()).contains("DUBBO_PROVIDER_DELAY", "delayOnlineSeconds delays the Service");
    assertThat(Fixtures.check("ld-dubbo-fixed.yaml").findings()).isEmpty();
  }

  @Test
  void dubboProviderWithoutOfflineUrl() throws Exception {
    String yaml = Files.readString(Fixtures.path("ld-dubbo-fixed.yaml"))
        .replace("    offlineUrl: http://localhost:22222/offline\n", "");
    CheckResult r = Checker.check(Fixtures.parse("ld.yaml", yaml), CheckOptions.defaults());
    assertThat(Fixtures.risks(r)).containsExactly(Risk.REGISTRY_NO_OFFLINE);
    assertThat(r.findings().get(0).fix()).isEqualTo(
        "set spec.lifecycle.offlineUrl: http://127.0.0.1:22222/offline (Ferry's preStop calls it, then sleeps)");
  }

  @Test
  void anOfflineUrlMarksARegistryServiceThatNeedsDelayOnline() throws Exception {
    String yaml = Files.readString(Fixtures.path("ld-fixed.yaml"))
        .replace("    shutdownSeconds: 20", "    shutdownSeconds: 20\n    offlineUrl: http://localhost:8080/deregister");
    CheckResult r = Checker.check(Fixtures.parse("ld.yaml", yaml), CheckOptions.defaults());
    assertThat(Fixtures.risks(r)).containsExactly(Risk.REGISTRY_NO_DELAY);
    assertThat(r.findings().get(0).fix()).contains("spec.lifecycle.delayOnlineSeconds");
    CheckResult delayed = Checker.check(Fixtures.parse("ld.yaml", yaml.replace("    shutdownSeconds: 20",
        "    shutdownSeconds: 20\n    delayOnlineSeconds: 5")), CheckOptions.defaults());
    assertThat(delayed.findings()).isEmpty();
  }

  @Test
  void theShippedRollingExampleIsClean() throws Exception {
    Path example = Path.of("..", "deploy", "examples", "http-rolling.yaml");
    CheckResult r = Checker.check(YamlInput.read(java.util.List.of(example.toString()), System.in),
        CheckOptions.defaults());
    assertThat(r.findings()).as(r.findings().toString()).isEmpty();
  }
}
