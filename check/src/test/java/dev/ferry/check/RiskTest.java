package dev.ferry.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One pair of fixtures per risk: {@code <risk-id>.yaml} has that risk and no other, and
 * {@code <risk-id>-fixed.yaml}, with the fix docs/check.md gives, has none.
 */
class RiskTest {

  @ParameterizedTest
  @EnumSource(Risk.class)
  void eachRiskIsFoundAndItsFixClearsIt(Risk risk) throws Exception {
    CheckResult risky = Fixtures.check(risk.id() + ".yaml");
    assertThat(Fixtures.risks(risky)).as(risky.findings().toString()).containsExactly(risk);
    Finding f = risky.findings().get(0);
    assertThat(f.what()).isNotBlank();
    assertThat(f.fix()).isNotBlank();
    assertThat(f.object().source()).contains(risk.id() + ".yaml#");

    CheckResult fixed = Fixtures.check(risk.id() + "-fixed.yaml");
    assertThat(fixed.findings()).as(fixed.findings().toString()).isEmpty();
    assertThat(fixed.clean()).isTrue();
  }

  @Test
  void theCleanBaseIsClean() throws Exception {
    assertThat(Fixtures.check("clean.yaml").findings()).isEmpty();
  }

  @Test
  void noReadinessProbe() throws Exception {
    Finding f = Fixtures.check("no-readiness-probe.yaml").findings().get(0);
    assertThat(f.object().display()).isEqualTo("Deployment/web");
    assertThat(f.container()).isEqualTo("web");
    assertThat(f.fix()).contains("readinessProbe", "port: http");
  }

  @Test
  void aPortTheContainerDoesNotDeclareIsAPlaceholderNotAGuess() throws Exception {
    String yaml = java.nio.file.Files.readString(Fixtures.path("no-readiness-probe.yaml"))
        .replace("          ports:\n            - {name: http, containerPort: 8080}\n", "");
    Finding f = Checker.check(Fixtures.parse("noport.yaml", yaml), CheckOptions.defaults()).findings().stream()
        .filter(x -> x.risk() == Risk.NO_READINESS_PROBE).findFirst().orElseThrow();
    assertThat(f.fix()).contains("port: <port>", "<port>: the port it serves on, which the container does not declare")
        .doesNotContain("8080");
    assertThat(f.patch().at("/spec/template/spec/containers/0/readinessProbe/httpGet/port").asText())
        .isEqualTo("<port>");
    assertThat(f.patch().at("/spec/template/spec/containers/0/readinessProbe/httpGet/path").asText())
        .isEqualTo("<path>");
  }

  @Test
  void noPreStopSuggestsTheAssumedPropagation() throws Exception {
    Finding f = Fixtures.check("no-prestop.yaml").findings().get(0);
    assertThat(f.what()).contains("5s (assumed, --propagation-seconds)");
    assertThat(f.fix()).contains("preStop: {sleep: {seconds: 5}}");
  }

  @Test
  void propagationIsOverridable() throws Exception {
    // The fixed fixture sleeps 5 s: enough for the default, not for 15 s.
    var options = new CheckOptions(15, 10, java.util.Set.of("nginx"), java.util.Set.of());
    CheckResult r = Checker.check(Fixtures.read("no-prestop-fixed.yaml"), options);
    assertThat(Fixtures.risks(r)).containsExactly(Risk.PRESTOP_TOO_SHORT);
    assertThat(r.findings().get(0).what()).contains("lasts 5s", "15s");
  }

  @Test
  void preStopTooShortNamesTheHook() throws Exception {
    Finding f = Fixtures.check("prestop-too-short.yaml").findings().get(0);
    assertThat(f.what()).contains("sh -c sleep 2", "lasts 2s");
    assertThat(f.fix()).contains("at least 5s");
  }

  @Test
  void aPreStopOfUnknownLengthIsNotCalledTooShort() throws Exception {
    // A script of the image may wait long enough: check cannot tell, so it does not cry wolf.
    String yaml = java.nio.file.Files.readString(Fixtures.path("prestop-too-short.yaml"))
        .replace("\"sleep 2\"", "\"sleep 2; /app/drain.sh\"");
    assertThat(Checker.check(Fixtures.parse("script.yaml", yaml), CheckOptions.defaults()).findings()).isEmpty();
  }

  @Test
  void graceTooShortSaysWhatItNeeds() throws Exception {
    Finding f = Fixtures.check("grace-too-short.yaml").findings().get(0);
    assertThat(f.what()).contains("(unset: 30)", "preStop 30s", "shutdown 10s");
    assertThat(f.fix()).isEqualTo("set spec.template.spec.terminationGracePeriodSeconds: 40");
  }

  @Test
  void graceUsesDubbosShutdownWaitWhenTheContainerSetsIt() throws Exception {
    String yaml = java.nio.file.Files.readString(Fixtures.path("grace-too-short-fixed.yaml"));
    // 30 s preStop + 15 s Dubbo shutdown wait > the 40 s grace period.
    yaml = yaml.replace("          image: registry.example.com/web:1.0",
        "          image: registry.example.com/web:1.0\n          env:\n"
            + "            - {name: DUBBO_SERVICE_SHUTDOWN_WAIT, value: \"15000\"}");
    CheckResult r = Checker.check(Fixtures.parse("dubbo.yaml", yaml), CheckOptions.defaults());
    assertThat(r.findings()).filteredOn(f -> f.risk() == Risk.GRACE_TOO_SHORT).singleElement()
        .satisfies(f -> assertThat(f.what()).contains("shutdown 15s (dubbo.service.shutdown.wait)"));
  }

  @Test
  void externalTrafficLocalIsFineWhenThePodsCannotMove() throws Exception {
    String yaml = java.nio.file.Files.readString(Fixtures.path("external-traffic-local.yaml"))
        .replace("      terminationGracePeriodSeconds: 40", "      terminationGracePeriodSeconds: 40\n"
            + "      nodeSelector: {kubernetes.io/hostname: node-1}");
    CheckResult r = Checker.check(Fixtures.parse("pinned.yaml", yaml), CheckOptions.defaults());
    assertThat(r.findings()).isEmpty();
  }

  @Test
  void aServiceSelectsOnlyWorkloadsOfItsNamespaceWithAllItsLabels() throws Exception {
    // Pinned pods cannot move, so Local is fine in front of them: but only of those the Service selects.
    String pinned = java.nio.file.Files.readString(Fixtures.path("external-traffic-local.yaml"))
        .replace("      terminationGracePeriodSeconds: 40", "      terminationGracePeriodSeconds: 40\n"
            + "      nodeSelector: {kubernetes.io/hostname: node-1}");
    String inA = pinned.replace("  name: web\n", "  name: web\n  namespace: a\n");
    assertThat(Checker.check(Fixtures.parse("a.yaml", inA), CheckOptions.defaults()).findings()).isEmpty();
    String workloadInB = inA.replaceFirst("  namespace: a\n", "  namespace: b\n");
    assertThat(Fixtures.risks(Checker.check(Fixtures.parse("b.yaml", workloadInB), CheckOptions.defaults())))
        .containsExactly(Risk.EXTERNAL_TRAFFIC_LOCAL);
    String moreLabels = inA.replace("selector: {app: web}", "selector: {app: web, tier: front}");
    assertThat(Fixtures.risks(Checker.check(Fixtures.parse("c.yaml", moreLabels), CheckOptions.defaults())))
        .containsExactly(Risk.EXTERNAL_TRAFFIC_LOCAL);
  }

  @Test
  void externalTrafficLocalWithoutAnyWorkloadInTheInputIsARisk() throws Exception {
    String yaml = """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          type: NodePort
          externalTrafficPolicy: Local
          selector: {app: web}
          ports: [{port: 80}]
        """;
    CheckResult r = Checker.check(Fixtures.parse("svc.yaml", yaml), CheckOptions.defaults());
    assertThat(Fixtures.risks(r)).containsExactly(Risk.EXTERNAL_TRAFFIC_LOCAL);
    assertThat(r.findings().get(0).object().display()).isEqualTo("Service/web");
  }

  @Test
  void ingressNginxByAnnotationOrIngressClassOrDefaultClass() throws Exception {
    String legacy = """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: legacy
          annotations: {kubernetes.io/ingress.class: nginx}
        spec:
          defaultBackend: {service: {name: web, port: {number: 80}}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: internal}
        spec:
          ingressClassName: internal
          defaultBackend: {service: {name: web, port: {number: 80}}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: no-class}
        spec:
          defaultBackend: {service: {name: web, port: {number: 80}}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: traefik}
        spec:
          ingressClassName: traefik
          defaultBackend: {service: {name: web, port: {number: 80}}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata:
          name: internal
          annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
        spec: {controller: k8s.io/ingress-nginx}
        """;
    CheckResult r = Checker.check(Fixtures.parse("ingresses.yaml", legacy), CheckOptions.defaults());
    assertThat(r.findings()).extracting(f -> f.object().name()).containsExactly("legacy", "internal", "no-class");
    assertThat(r.findings()).extracting(Finding::risk).containsOnly(Risk.NGINX_NO_SERVICE_UPSTREAM);
    // Without the IngressClass, only the class named nginx is known to be ingress-nginx's.
    CheckResult alone = Checker.check(Fixtures.parse("x.yaml", legacy.substring(0, legacy.lastIndexOf("---"))),
        CheckOptions.defaults());
    assertThat(alone.findings()).extracting(f -> f.object().name()).containsExactly("legacy");
    // --ingress-nginx-class adds names.
    CheckResult named = Checker.check(Fixtures.parse("x.yaml", legacy.substring(0, legacy.lastIndexOf("---"))),
        new CheckOptions(5, 10, java.util.Set.of("nginx", "internal"), java.util.Set.of()));
    assertThat(named.findings()).extracting(f -> f.object().name()).containsExactly("legacy", "internal");
  }

  @Test
  void registryNoOfflineShowsHowTheServiceWasRecognised() throws Exception {
    Finding f = Fixtures.check("registry-no-offline.yaml").findings().get(0);
    assertThat(f.what()).contains("Dubbo provider (env DUBBO_REGISTRY_ADDRESS)", "its preStop does not");
    // The hook's own 10 s sleep is kept, not cut to the 5 s of propagation.
    assertThat(f.fix()).contains("http://127.0.0.1:22222/offline", "sleep 10", "in place of its sleep action");
  }

  @Test
  void dubboIsRecognisedByItsQosPortToo() throws Exception {
    String yaml = java.nio.file.Files.readString(Fixtures.path("clean.yaml"))
        .replace("            - {name: http, containerPort: 8080}",
            "            - {name: http, containerPort: 8080}\n            - {name: qos, containerPort: 22222}");
    CheckResult r = Checker.check(Fixtures.parse("qos.yaml", yaml), CheckOptions.defaults());
    assertThat(Fixtures.risks(r)).containsExactly(Risk.REGISTRY_NO_OFFLINE, Risk.REGISTRY_NO_DELAY);
    assertThat(r.findings().get(0).what()).contains("port 22222 (Dubbo QoS)");
  }

  @Test
  void ignoredRisksAreSetApartByOptionOrAnnotation() throws Exception {
    var byOption = Checker.check(Fixtures.read("no-prestop.yaml"),
        new CheckOptions(5, 10, java.util.Set.of("nginx"), java.util.Set.of(Risk.NO_PRESTOP)));
    assertThat(byOption.findings()).isEmpty();
    assertThat(byOption.ignored()).extracting(Finding::risk).containsExactly(Risk.NO_PRESTOP);

    String yaml = java.nio.file.Files.readString(Fixtures.path("no-prestop.yaml"))
        .replace("  name: web\n", "  name: web\n  annotations:\n    ferry.dev/check-ignore: \"no-prestop, x\"\n");
    var byAnnotation = Checker.check(Fixtures.parse("a.yaml", yaml), CheckOptions.defaults());
    assertThat(byAnnotation.findings()).isEmpty();
    assertThat(byAnnotation.ignored()).hasSize(1);
  }

  @Test
  void everyFixtureCheckedTogetherKeepsInputOrder() throws Exception {
    CheckResult r = Fixtures.check("no-readiness-probe.yaml", "nginx-no-service-upstream.yaml");
    assertThat(Fixtures.risks(r)).isEqualTo(List.of(Risk.NO_READINESS_PROBE, Risk.NGINX_NO_SERVICE_UPSTREAM));
    assertThat(r.checked()).extracting(ObjectRef::display)
        .containsExactly("Deployment/web", "Deployment/web", "Service/web", "Ingress/web");
  }
}
