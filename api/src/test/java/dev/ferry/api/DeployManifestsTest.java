package dev.ferry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifests under deploy/operator/ and the Helm chart under deploy/helm/ferry/ are what a user
 * installs the operator with. No real cluster runs here, so this test holds them to what the operator
 * needs: every file parses into its kind with no misspelled field, the RBAC grants exactly the table
 * below (nothing more: no {@code *}, no listing Secrets; nothing less), every binding binds a role that
 * exists to the ServiceAccount the Deployment runs as, and the Deployment runs {@code ferry operator}
 * locked down, with its probes on /healthz.
 *
 * <p>The chart's templates are Go templates, not YAML. Its RBAC rules are kept as plain YAML in two
 * named templates in {@code templates/_helpers.tpl} ({@code ferry.rules.operator},
 * {@code ferry.rules.leaderElection}); the test cuts the body of each {@code define} out of the file
 * text, parses it as the rules of a Role, and checks it against the same table. It then checks
 * textually that every Role and ClusterRole in {@code templates/} takes its rules from one of those
 * two, and that no {@code apiGroups:} or {@code verbs:} line appears anywhere else, so no rule can
 * escape the check. When a {@code helm} binary is at hand ({@code FERRY_HELM}, or {@code helm} on the
 * PATH) {@link RenderedByHelm} also renders the chart for both installs and checks the objects
 * exactly as it checks deploy/operator/; without one those tests are skipped.
 */
class DeployManifestsTest {

  static final Path OPERATOR = RepoFiles.ROOT.resolve("deploy/operator");
  static final Path CHART = RepoFiles.ROOT.resolve("deploy/helm/ferry");

  /**
   * What the operator does against the API, one row per apiGroup and resource: the single source of
   * truth of this test. A change of what the operator calls starts here.
   */
  static final List<Rule> OPERATOR_RULES = List.of(
      new Rule("ferry.dev", "losslessdeployments", "get list watch patch update"),
      new Rule("ferry.dev", "rebalances", "get list watch patch update create delete"),
      new Rule("ferry.dev", "losslessdeployments/status", "get patch update"),
      new Rule("ferry.dev", "rebalances/status", "get patch update"),
      new Rule("ferry.dev", "losslessdeployments/finalizers", "update"),
      new Rule("ferry.dev", "rebalances/finalizers", "update"),
      new Rule("apps", "replicasets", "get list watch create update patch delete"),
      new Rule("", "pods", "get list watch update patch"),
      new Rule("", "pods/status", "get update patch"),
      new Rule("", "services", "get list watch create patch"),
      new Rule("apps", "statefulsets", "get patch delete"),
      new Rule("apps", "deployments", "get patch delete"),
      new Rule("discovery.k8s.io", "endpointslices", "list"),
      new Rule("", "secrets", "get"),
      new Rule("", "events", "get create patch"),
      new Rule("events.k8s.io", "events", "create patch"),
      new Rule("batch", "jobs", "get list watch create"));

  /** Leader election: only in the operator's own namespace, in both installs. */
  static final List<Rule> LEADER_ELECTION_RULES = List.of(
      new Rule("coordination.k8s.io", "leases", "get create update"));

  static final String PLACEHOLDER_IMAGE = "ghcr.io/ferry-dev/ferry:0.1.0";
  static final int METRICS_PORT = 8080;

  /** Every file in deploy/operator/ and the kind it must hold; a new file must be added here. */
  static final Map<String, Class<? extends HasMetadata>> OPERATOR_FILES = new LinkedHashMap<>();

  static {
    OPERATOR_FILES.put("namespace.yaml", Namespace.class);
    OPERATOR_FILES.put("serviceaccount.yaml", ServiceAccount.class);
    OPERATOR_FILES.put("clusterrole.yaml", ClusterRole.class);
    OPERATOR_FILES.put("clusterrolebinding.yaml", ClusterRoleBinding.class);
    OPERATOR_FILES.put("role.yaml", Role.class);
    OPERATOR_FILES.put("rolebinding.yaml", RoleBinding.class);
    OPERATOR_FILES.put("leader-election-role.yaml", Role.class);
    OPERATOR_FILES.put("leader-election-rolebinding.yaml", RoleBinding.class);
    OPERATOR_FILES.put("deployment.yaml", Deployment.class);
    OPERATOR_FILES.put("service.yaml", Service.class);
  }

  /** Only in the single-namespace install; kustomization.yaml (cluster-wide) leaves them out. */
  static final Set<String> NAMESPACED_ONLY = Set.of("role.yaml", "rolebinding.yaml");
  /** Only in the cluster-wide install. */
  static final Set<String> CLUSTER_WIDE_ONLY = Set.of("clusterrole.yaml", "clusterrolebinding.yaml");

  // ---------------------------------------------------------------------------------------------
  // deploy/operator/

  @Test
  void everyManifestParsesIntoItsKindWithoutUnknownFields() {
    assertThat(yamlFiles(OPERATOR)).as("files in deploy/operator/ (add new ones to OPERATOR_FILES)")
        .containsExactlyInAnyOrderElementsOf(
            Stream.concat(OPERATOR_FILES.keySet().stream(), Stream.of("kustomization.yaml")).toList());

    OPERATOR_FILES.forEach((file, kind) -> {
      List<String> documents = documents(RepoFiles.read(OPERATOR.resolve(file)));
      assertThat(documents).as(file + ": one object per file").hasSize(1);
      HasMetadata object = Serialization.unmarshal(documents.get(0));
      assertThat(object).as(file).isInstanceOf(kind);
      // A misspelled field (readOnlyRootFileSystem, runAsNonroot) would not land in the model and be
      // missing after the round trip; the API server would drop it or refuse the object.
      assertThat(Trees.missing(Trees.parse(documents.get(0)), Trees.of(object))).as(file).isEmpty();
    });
  }

  @Test
  void namespacedObjectsAreInTheOperatorsNamespaceAndClusterScopedOnesInNone() {
    Installation all = Installation.of(operatorObjects(OPERATOR_FILES.keySet()));
    String ns = all.one(Namespace.class).getMetadata().getName();

    assertThat(ns).isEqualTo("ferry-system");
    for (HasMetadata object : all.objects()) {
      boolean clusterScoped = object instanceof Namespace || object instanceof ClusterRole
          || object instanceof ClusterRoleBinding;
      assertThat(object.getMetadata().getNamespace()).as(describe(object))
          .isEqualTo(clusterScoped ? null : ns);
    }
  }

  @Test
  void kustomizationIsTheClusterWideInstall() {
    JsonNode kustomization = Trees.parse(RepoFiles.read(OPERATOR.resolve("kustomization.yaml")));
    List<String> resources = new ArrayList<>();
    kustomization.get("resources").forEach(r -> resources.add(r.asText()));

    assertThat(kustomization.get("kind").asText()).isEqualTo("Kustomization");
    assertThat(resources).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(OPERATOR_FILES.keySet().stream()
            .filter(f -> !NAMESPACED_ONLY.contains(f)).toList());
  }

  @Test
  void clusterWideInstallGrantsExactlyTheTable() {
    Installation install = Installation.of(operatorObjects(OPERATOR_FILES.keySet().stream()
        .filter(f -> !NAMESPACED_ONLY.contains(f)).toList()));

    install.assertGrantsExactlyTheTable(Set.of());
    assertThat(install.all(ClusterRole.class)).hasSize(1);
    assertThat(install.all(ClusterRoleBinding.class)).hasSize(1);
    assertThat(install.all(Role.class)).as("only the leader-election Role").hasSize(1);
  }

  @Test
  void singleNamespaceInstallGrantsExactlyTheTableInItsNamespaceOnly() {
    Installation install = Installation.of(operatorObjects(OPERATOR_FILES.keySet().stream()
        .filter(f -> !CLUSTER_WIDE_ONLY.contains(f)).toList()));

    // deployment.yaml watches all namespaces; docs/install.md sets FERRY_NAMESPACES=ferry-system.
    install.assertGrantsExactlyTheTable(Set.of("ferry-system"));
    assertThat(install.all(ClusterRole.class)).isEmpty();
    assertThat(install.all(ClusterRoleBinding.class)).isEmpty();
    assertThat(install.all(Role.class)).extracting(r -> r.getMetadata().getNamespace())
        .containsOnly("ferry-system");
  }

  @Test
  void clusterRoleAndRoleHaveTheSameRules() {
    ClusterRole clusterRole = load("clusterrole.yaml", ClusterRole.class);
    Role role = load("role.yaml", Role.class);

    // Same rules, same order, same comments' places: a reader compares them side by side.
    assertThat(role.getRules()).isEqualTo(clusterRole.getRules());
    assertThat(role.getMetadata().getName()).isEqualTo(clusterRole.getMetadata().getName());
  }

  @Test
  void deploymentRunsTheOperatorLockedDown() {
    Installation install = Installation.of(operatorObjects(OPERATOR_FILES.keySet()));
    Deployment deployment = install.one(Deployment.class);

    assertOperatorDeployment(deployment, install.one(ServiceAccount.class).getMetadata().getName());
    Container operator = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(operator.getImage()).isEqualTo(PLACEHOLDER_IMAGE);
    assertThat(env(operator)).containsEntry("FERRY_NAMESPACES", "")
        .containsEntry("FERRY_METRICS_ADDRESS", "0.0.0.0:" + METRICS_PORT);
  }

  @Test
  void metricsServiceSelectsTheOperatorPod() {
    Installation install = Installation.of(operatorObjects(OPERATOR_FILES.keySet()));

    assertMetricsService(install.one(Service.class), install.one(Deployment.class));
  }

  // ---------------------------------------------------------------------------------------------
  // deploy/helm/ferry/

  @Test
  void chartYamlIsAnApplicationChartOfTheRightVersion() {
    JsonNode chart = Trees.parse(RepoFiles.read(CHART.resolve("Chart.yaml")));

    assertThat(chart.get("apiVersion").asText()).isEqualTo("v2");
    assertThat(chart.get("name").asText()).isEqualTo("ferry");
    assertThat(chart.get("type").asText()).isEqualTo("application");
    assertThat(chart.get("version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(PLACEHOLDER_IMAGE).endsWith(":" + chart.get("appVersion").asText());
    assertThat(Files.exists(CHART.resolve("crds"))).as("the chart carries no copy of deploy/crds").isFalse();
  }

  @Test
  void valuesParseAndAgreeWithTheKubectlManifests() {
    JsonNode values = Trees.parse(RepoFiles.read(CHART.resolve("values.yaml")));
    JsonNode chart = Trees.parse(RepoFiles.read(CHART.resolve("Chart.yaml")));
    Container operator = load("deployment.yaml", Deployment.class).getSpec().getTemplate().getSpec()
        .getContainers().get(0);

    assertThat(values.at("/rbac/create").asBoolean()).isTrue();
    assertThat(values.at("/watchNamespaces").isArray()).isTrue();
    assertThat(values.at("/watchNamespaces")).isEmpty();
    assertThat(values.at("/metrics/serviceMonitor/enabled").isBoolean()).isTrue();
    assertThat(values.at("/metrics/serviceMonitor/enabled").asBoolean()).as("off by default").isFalse();
    assertThat(values.at("/metrics/port").asInt()).isEqualTo(METRICS_PORT);
    assertThat(values.at("/crds/check").asBoolean()).isTrue();
    assertThat(values.at("/image/pullPolicy").asText()).isEqualTo("IfNotPresent");
    String tag = values.at("/image/tag").asText().isEmpty() ? chart.get("appVersion").asText()
        : values.at("/image/tag").asText();
    assertThat(values.at("/image/repository").asText() + ":" + tag).isEqualTo(operator.getImage());
    assertThat(values.at("/javaToolOptions").asText()).isEqualTo(env(operator).get("JAVA_TOOL_OPTIONS"));
    assertThat(values.get("resources")).isEqualTo(Trees.of(operator.getResources()));
    assertThat(values.at("/terminationGracePeriodSeconds").asLong()).isEqualTo(
        load("deployment.yaml", Deployment.class).getSpec().getTemplate().getSpec()
            .getTerminationGracePeriodSeconds());
  }

  @Test
  void chartRulesAreTheTable() {
    Map<String, List<PolicyRule>> defines = chartRuleDefines();

    assertThat(defines).containsOnlyKeys("ferry.rules.operator", "ferry.rules.leaderElection");
    assertThat(grants(defines.get("ferry.rules.operator"), "ferry.rules.operator"))
        .containsExactlyInAnyOrderElementsOf(flatten(OPERATOR_RULES));
    assertThat(grants(defines.get("ferry.rules.leaderElection"), "ferry.rules.leaderElection"))
        .containsExactlyInAnyOrderElementsOf(flatten(LEADER_ELECTION_RULES));
    // The same rules as the kubectl manifests, in the same order.
    assertThat(defines.get("ferry.rules.operator")).isEqualTo(load("clusterrole.yaml", ClusterRole.class).getRules());
    assertThat(defines.get("ferry.rules.leaderElection"))
        .isEqualTo(load("leader-election-role.yaml", Role.class).getRules());
  }

  @Test
  void everyRoleInTheTemplatesTakesItsRulesFromTheCheckedDefines() {
    Pattern roleKind = Pattern.compile("(?m)^kind: (ClusterRole|Role)\\s*$");
    Pattern rulesInclude = Pattern.compile(
        "(?m)^rules:\\s*\\n\\s*\\{\\{-? include \"(ferry\\.rules\\.[A-Za-z]+)\" [.$] \\| nindent 2 }}\\s*$");
    Pattern ruleField = Pattern.compile("(?m)^\\s*-?\\s*(apiGroups|verbs|nonResourceURLs|resourceNames|aggregationRule)\\s*:");
    Map<String, List<String>> includesByFile = new TreeMap<>();

    for (Map.Entry<String, String> template : templates().entrySet()) {
      String text = template.getKey().equals("_helpers.tpl")
          ? DEFINE.matcher(template.getValue()).replaceAll("") : template.getValue();
      assertThat(ruleField.matcher(text).find())
          .as(template.getKey() + ": an RBAC rule outside the ferry.rules.* defines would escape this test")
          .isFalse();
      long roles = roleKind.matcher(text).results().count();
      List<String> includes = rulesInclude.matcher(text).results().map(m -> m.group(1)).toList();
      assertThat(includes).as(template.getKey() + ": every Role/ClusterRole includes its rules").hasSize((int) roles);
      if (roles > 0) {
        includesByFile.put(template.getKey(), includes);
      }
    }

    assertThat(includesByFile).containsExactlyInAnyOrderEntriesOf(Map.of(
        "clusterrole.yaml", List.of("ferry.rules.operator"),
        "role.yaml", List.of("ferry.rules.operator"),
        "leader-election-rbac.yaml", List.of("ferry.rules.leaderElection")));
  }

  @Test
  void chartBindsEachRoleItCreatesToTheOperatorsServiceAccount() {
    Map<String, String> templates = templates();

    // The role's name and the binding's roleRef name are the same template expression ($ inside a
    // range is the root context, as . is outside one).
    assertThat(roleRefName(templates.get("clusterrolebinding.yaml"), "ClusterRole"))
        .isEqualTo(metadataName(templates.get("clusterrole.yaml")));
    assertThat(roleRefName(templates.get("rolebinding.yaml"), "Role"))
        .isEqualTo(metadataName(templates.get("role.yaml")));
    String leaderElection = templates.get("leader-election-rbac.yaml");
    String[] roleAndBinding = leaderElection.split("(?m)^---\\s*$");
    assertThat(roleAndBinding).hasSize(2);
    assertThat(roleRefName(roleAndBinding[1], "Role")).isEqualTo(metadataName(roleAndBinding[0]));

    String serviceAccount = "name: {{ include \"ferry.serviceAccountName\" . }}";
    for (String binding : List.of(templates.get("clusterrolebinding.yaml"), templates.get("rolebinding.yaml"),
        roleAndBinding[1])) {
      assertThat(normalized(binding)).contains("subjects:\n  - kind: ServiceAccount\n    " + serviceAccount);
    }
    assertThat(normalized(templates.get("deployment.yaml")))
        .contains("serviceAccountName: {{ include \"ferry.serviceAccountName\" . }}");
    assertThat(normalized(templates.get("serviceaccount.yaml"))).contains(serviceAccount);
  }

  @Test
  void chartChoosesClusterWideOrPerNamespaceRbacByWatchNamespaces() {
    Map<String, String> templates = templates();

    for (String clusterWide : List.of("clusterrole.yaml", "clusterrolebinding.yaml")) {
      assertThat(templates.get(clusterWide))
          .contains("{{- if and .Values.rbac.create (empty .Values.watchNamespaces) }}");
    }
    for (String perNamespace : List.of("role.yaml", "rolebinding.yaml")) {
      assertThat(templates.get(perNamespace)).contains("{{- if .Values.rbac.create }}")
          .contains("{{- range $ns := .Values.watchNamespaces }}").contains("namespace: {{ $ns }}");
    }
    assertThat(templates.get("leader-election-rbac.yaml")).contains("{{- if .Values.rbac.create }}")
        .doesNotContain("watchNamespaces");
    assertThat(templates.get("deployment.yaml")).contains(
        "- name: FERRY_NAMESPACES\n              value: {{ join \",\" .Values.watchNamespaces | quote }}");
    assertThat(templates.get("servicemonitor.yaml")).startsWith("{{- if .Values.metrics.serviceMonitor.enabled }}");
  }

  @Test
  void chartDeploymentTemplateRunsTheOperatorLockedDown() {
    String deployment = templates().get("deployment.yaml");

    assertThat(deployment).contains("replicas: 1", "type: Recreate", "args: [\"operator\"]",
        "- name: FERRY_METRICS_ADDRESS", "- name: JAVA_TOOL_OPTIONS", "runAsNonRoot: true",
        "readOnlyRootFilesystem: true", "allowPrivilegeEscalation: false", "drop: [\"ALL\"]",
        "type: RuntimeDefault", "mountPath: /tmp");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(deployment).contains(probe + ":\n            httpGet:\n              path: /healthz\n"
          + "              port: metrics");
    }
    assertThat(deployment).doesNotContain("privileged: true").doesNotContain("add:");
  }

  /**
   * The chart rendered by Helm for both installs, checked like deploy/operator/. Runs only where a
   * helm binary is found: FERRY_HELM, or helm on the PATH. Tests must not need Helm, so without one
   * these are skipped (JUnit reports them as skipped, with the reason).
   */
  @Nested
  class RenderedByHelm {

    @TempDir
    Path tmp;

    @Test
    void clusterWide() {
      Installation install = Installation.of(helmTemplate(tmp, "--set", "metrics.serviceMonitor.enabled=true"));

      install.assertGrantsExactlyTheTable(Set.of());
      assertThat(install.all(ClusterRole.class)).hasSize(1);
      assertThat(install.all(Role.class)).as("only the leader-election Role").hasSize(1);
      Deployment deployment = install.one(Deployment.class);
      assertOperatorDeployment(deployment, install.one(ServiceAccount.class).getMetadata().getName());
      Container operator = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(operator.getImage()).isEqualTo(PLACEHOLDER_IMAGE);
      assertThat(env(operator)).containsEntry("FERRY_NAMESPACES", "");
      assertMetricsService(install.one(Service.class), deployment);
      HasMetadata serviceMonitor = install.objects().stream().filter(o -> "ServiceMonitor".equals(o.getKind()))
          .findFirst().orElseThrow();
      assertThat(serviceMonitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
      assertThat(Trees.of(serviceMonitor).at("/spec/endpoints/0/port").asText()).isEqualTo("metrics");
    }

    @Test
    void watchingTwoNamespaces() {
      Installation install = Installation.of(helmTemplate(tmp, "--set", "watchNamespaces={apps,payments}"));

      install.assertGrantsExactlyTheTable(Set.of("apps", "payments"));
      assertThat(install.all(ClusterRole.class)).isEmpty();
      assertThat(install.all(ClusterRoleBinding.class)).isEmpty();
      assertThat(install.all(Role.class)).extracting(r -> r.getMetadata().getNamespace())
          .containsExactlyInAnyOrder("apps", "payments", "ferry-system");
      assertThat(install.objects()).noneMatch(o -> "ServiceMonitor".equals(o.getKind()));
      Deployment deployment = install.one(Deployment.class);
      assertOperatorDeployment(deployment, install.one(ServiceAccount.class).getMetadata().getName());
      assertThat(env(deployment.getSpec().getTemplate().getSpec().getContainers().get(0)))
          .containsEntry("FERRY_NAMESPACES", "apps,payments");
    }

    @Test
    void passesHelmLint() {
      // helm lint renders offline, where no cluster serves Ferry's CRDs: the check is turned off.
      Result result = helm(tmp, List.of("lint", CHART.toString(), "--strict", "--set", "crds.check=false"));

      assertThat(result.exitCode()).as("helm lint:\n" + result.output()).isZero();
      assertThat(result.output()).contains("1 chart(s) linted, 0 chart(s) failed");
    }

    @Test
    void refusesToInstallWithoutTheCrds() {
      Result result = helm(tmp, List.of("template", "ferry", CHART.toString(), "--namespace", "ferry-system"));

      assertThat(result.exitCode()).isNotZero();
      assertThat(result.output()).contains("kubectl apply --server-side -f deploy/crds/");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Checks shared by the kubectl manifests and the rendered chart.

  /** One row of the table: the verbs on one resource of one API group ("" is the core group). */
  record Rule(String apiGroup, String resource, String verbs) {}

  /** One verb on one resource: what RBAC grants, with rules of any shape flattened. */
  record Grant(String apiGroup, String resource, String verb) {
    @Override
    public String toString() {
      return (apiGroup.isEmpty() ? "core" : apiGroup) + "/" + resource + " " + verb;
    }
  }

  static List<Grant> flatten(List<Rule> table) {
    List<Grant> grants = new ArrayList<>();
    for (Rule row : table) {
      for (String verb : row.verbs().split(" ")) {
        grants.add(new Grant(row.apiGroup(), row.resource(), verb));
      }
    }
    return grants;
  }

  /**
   * Every grant of these rules. Fails on what a table of verbs cannot express and no least-privilege
   * role needs: wildcards, non-resource URLs, resourceNames (which cannot limit create or list anyway).
   */
  static List<Grant> grants(List<PolicyRule> rules, String where) {
    List<Grant> grants = new ArrayList<>();
    for (PolicyRule rule : rules) {
      String what = where + " rule " + rule;
      assertThat(rule.getNonResourceURLs()).as(what).isNullOrEmpty();
      assertThat(rule.getResourceNames()).as(what).isNullOrEmpty();
      assertThat(rule.getApiGroups()).as(what).isNotEmpty().doesNotContain("*");
      assertThat(rule.getResources()).as(what).isNotEmpty().noneMatch(r -> r.contains("*"));
      assertThat(rule.getVerbs()).as(what).isNotEmpty().doesNotContain("*");
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            grants.add(new Grant(group, resource, verb));
          }
        }
      }
    }
    assertThat(grants).as(where + ": a verb granted twice").doesNotHaveDuplicates();
    return grants;
  }

  /** The objects of one install, and what RBAC grants its ServiceAccount. */
  record Installation(List<HasMetadata> objects) {

    static Installation of(List<HasMetadata> objects) {
      return new Installation(objects);
    }

    <T extends HasMetadata> List<T> all(Class<T> kind) {
      return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> kind) {
      List<T> all = all(kind);
      assertThat(all).as("one " + kind.getSimpleName()).hasSize(1);
      return all.get(0);
    }

    /**
     * Follows every binding to its role (which must exist in this install, in the binding's namespace
     * for a Role), checks that it binds the Deployment's ServiceAccount and nothing else, and compares
     * what the ServiceAccount ends up with to the table: the operator's rules in every namespace it
     * watches and nowhere else (every namespace when {@code watched} is empty: a ClusterRole), leases
     * only in its own namespace.
     */
    void assertGrantsExactlyTheTable(Set<String> watched) {
      Deployment deployment = one(Deployment.class);
      String ns = deployment.getMetadata().getNamespace();
      Subject operator = new Subject(null, "ServiceAccount", deployment.getSpec().getTemplate().getSpec()
          .getServiceAccountName(), ns);
      assertThat(all(ServiceAccount.class)).extracting(sa -> sa.getMetadata().getName() + "@" + sa.getMetadata().getNamespace())
          .containsExactly(operator.getName() + "@" + ns);

      Map<String, List<Grant>> grantsByScope = new TreeMap<>(); // "*" = every namespace
      for (ClusterRoleBinding binding : all(ClusterRoleBinding.class)) {
        assertThat(binding.getSubjects()).as(describe(binding)).containsExactly(operator);
        ClusterRole role = roleFor(binding.getRoleRef(), "ClusterRole", null, ClusterRole.class, describe(binding));
        grantsByScope.computeIfAbsent("*", k -> new ArrayList<>()).addAll(grants(role.getRules(), describe(role)));
      }
      for (RoleBinding binding : all(RoleBinding.class)) {
        assertThat(binding.getSubjects()).as(describe(binding)).containsExactly(operator);
        String bindingNs = binding.getMetadata().getNamespace();
        Role role = roleFor(binding.getRoleRef(), "Role", bindingNs, Role.class, describe(binding));
        grantsByScope.computeIfAbsent(bindingNs, k -> new ArrayList<>()).addAll(grants(role.getRules(), describe(role)));
      }
      assertThat(all(ClusterRole.class)).as("every ClusterRole is bound").allMatch(r ->
          all(ClusterRoleBinding.class).stream().anyMatch(b -> b.getRoleRef().getName().equals(r.getMetadata().getName())));
      assertThat(all(Role.class)).as("every Role is bound").allMatch(r -> all(RoleBinding.class).stream().anyMatch(b ->
          b.getRoleRef().getName().equals(r.getMetadata().getName())
              && b.getMetadata().getNamespace().equals(r.getMetadata().getNamespace())));

      Map<String, List<Grant>> expected = new TreeMap<>();
      for (String scope : watched.isEmpty() ? Set.of("*") : watched) {
        expected.put(scope, new ArrayList<>(flatten(OPERATOR_RULES)));
      }
      expected.computeIfAbsent(ns, k -> new ArrayList<>()).addAll(flatten(LEADER_ELECTION_RULES));
      assertThat(grantsByScope.keySet()).as("where the operator has rights (* = every namespace)")
          .containsExactlyInAnyOrderElementsOf(expected.keySet());
      expected.forEach((scope, grants) -> assertThat(grantsByScope.get(scope))
          .as("granted in " + (scope.equals("*") ? "every namespace" : "namespace " + scope))
          .containsExactlyInAnyOrderElementsOf(grants));
    }

    private <T extends HasMetadata> T roleFor(RoleRef ref, String kind, String ns, Class<T> type, String from) {
      assertThat(ref.getApiGroup()).as(from).isEqualTo("rbac.authorization.k8s.io");
      assertThat(ref.getKind()).as(from).isEqualTo(kind);
      Optional<T> role = all(type).stream().filter(r -> r.getMetadata().getName().equals(ref.getName())
          && Objects.equals(r.getMetadata().getNamespace(), ns)).findFirst();
      if (role.isEmpty()) {
        fail(from + " binds " + kind + " " + ref.getName() + (ns == null ? "" : " in " + ns) + ", which this install does not create");
      }
      return role.get();
    }
  }

  static void assertOperatorDeployment(Deployment deployment, String serviceAccount) {
    String d = describe(deployment);
    assertThat(deployment.getSpec().getReplicas()).as(d + " replicas").isEqualTo(1);
    assertThat(deployment.getSpec().getStrategy().getType()).as(d + ": never two operators at once")
        .isEqualTo("Recreate");
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).as(d + " pod labels")
        .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());

    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).as(d).isEqualTo(serviceAccount);
    assertThat(pod.getAutomountServiceAccountToken()).as(d + ": the in-cluster configuration needs the token")
        .isNotEqualTo(Boolean.FALSE);
    assertThat(pod.getTerminationGracePeriodSeconds()).as(d + " terminationGracePeriodSeconds").isBetween(30L, 120L);
    assertThat(pod.getHostNetwork()).as(d).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(d + " pod runAsNonRoot").isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).as(d).isEqualTo("RuntimeDefault");

    assertThat(pod.getContainers()).as(d + " containers").hasSize(1);
    Container operator = pod.getContainers().get(0);
    assertThat(operator.getCommand()).as(d + ": the image's entrypoint is the ferry CLI").isNullOrEmpty();
    assertThat(operator.getArgs()).as(d + " runs `ferry operator`").containsExactly("operator");
    assertThat(env(operator)).as(d + " env").containsOnlyKeys("FERRY_NAMESPACES", "FERRY_METRICS_ADDRESS", "JAVA_TOOL_OPTIONS");
    assertThat(env(operator).get("FERRY_METRICS_ADDRESS")).as(d).isEqualTo("0.0.0.0:" + METRICS_PORT);

    ContainerPort metrics = operator.getPorts().stream().filter(p -> "metrics".equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError(d + ": no port named metrics"));
    assertThat(metrics.getContainerPort()).as(d + " metrics port").isEqualTo(METRICS_PORT);
    assertThat(operator.getPorts()).as(d + " ports").hasSize(1);
    for (Map.Entry<String, Probe> probe : Map.of("startup", probeOf(operator.getStartupProbe(), d, "startup"),
        "liveness", probeOf(operator.getLivenessProbe(), d, "liveness"),
        "readiness", probeOf(operator.getReadinessProbe(), d, "readiness")).entrySet()) {
      HTTPGetAction get = probe.getValue().getHttpGet();
      assertThat(get).as(d + " " + probe.getKey() + " probe is an HTTP GET").isNotNull();
      assertThat(get.getPath()).as(d + " " + probe.getKey()).isEqualTo("/healthz");
      assertThat(portNumber(get.getPort(), operator)).as(d + " " + probe.getKey()).isEqualTo(METRICS_PORT);
    }

    SecurityContext security = operator.getSecurityContext();
    assertThat(security).as(d + " container securityContext").isNotNull();
    assertThat(security.getRunAsNonRoot()).as(d + " runAsNonRoot").isTrue();
    assertThat(security.getReadOnlyRootFilesystem()).as(d + " readOnlyRootFilesystem").isTrue();
    assertThat(security.getAllowPrivilegeEscalation()).as(d + " allowPrivilegeEscalation").isFalse();
    assertThat(security.getPrivileged()).as(d + " privileged").isNotEqualTo(Boolean.TRUE);
    assertThat(security.getCapabilities().getDrop()).as(d + " capabilities.drop").containsExactly("ALL");
    assertThat(security.getCapabilities().getAdd()).as(d + " capabilities.add").isNullOrEmpty();
    assertThat(security.getSeccompProfile().getType()).as(d + " seccomp").isEqualTo("RuntimeDefault");

    // The JVM writes to /tmp; with a read-only root it must be a volume.
    assertThat(operator.getVolumeMounts()).as(d + " /tmp").anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/tmp");
      Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(m.getName())).findFirst().orElseThrow();
      assertThat(volume.getEmptyDir()).isNotNull();
    });

    Map<String, Quantity> requests = operator.getResources().getRequests();
    Map<String, Quantity> limits = operator.getResources().getLimits();
    assertThat(requests).as(d + " requests").containsKeys("cpu", "memory");
    assertThat(limits).as(d + " limits").containsKeys("cpu", "memory");
    BigDecimal mib = BigDecimal.valueOf(1024 * 1024);
    assertThat(Quantity.getAmountInBytes(limits.get("memory"))).as(d + ": room for a JVM operator")
        .isBetween(mib.multiply(BigDecimal.valueOf(384)), mib.multiply(BigDecimal.valueOf(2048)));
    assertThat(Quantity.getAmountInBytes(requests.get("memory"))).as(d + " memory request <= limit")
        .isLessThanOrEqualTo(Quantity.getAmountInBytes(limits.get("memory")));
    assertThat(Quantity.getAmountInBytes(requests.get("cpu"))).as(d + " cpu request <= limit")
        .isLessThanOrEqualTo(Quantity.getAmountInBytes(limits.get("cpu")));
    assertThat(env(operator).get("JAVA_TOOL_OPTIONS")).as(d + ": the heap follows the memory limit")
        .contains("-XX:MaxRAMPercentage=");
  }

  static void assertMetricsService(Service service, Deployment deployment) {
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).as(describe(service) + " selector")
        .containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("metrics");
      assertThat(p.getPort()).isEqualTo(METRICS_PORT);
      assertThat(p.getTargetPort()).isEqualTo(new IntOrString("metrics"));
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Reading files.

  /** The body of a {@code define} in _helpers.tpl, up to its {@code end}. */
  static final Pattern DEFINE = Pattern.compile(
      "\\{\\{-?\\s*define\\s+\"([^\"]+)\"\\s*-?}}(.*?)\\{\\{-?\\s*end\\s*-?}}", Pattern.DOTALL);

  /** The {@code ferry.rules.*} named templates of the chart, parsed as the rules of a Role. */
  static Map<String, List<PolicyRule>> chartRuleDefines() {
    Map<String, List<PolicyRule>> rules = new TreeMap<>();
    Matcher define = DEFINE.matcher(RepoFiles.read(CHART.resolve("templates/_helpers.tpl")));
    while (define.find()) {
      String name = define.group(1);
      if (!name.startsWith("ferry.rules.")) {
        continue;
      }
      String body = define.group(2);
      assertThat(body).as(name + " must be plain YAML, so that this test can read it").doesNotContain("{{");
      Role role = Serialization.unmarshal("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n"
          + "metadata: {name: " + name + "}\nrules:\n" + body, Role.class);
      rules.put(name, role.getRules());
    }
    return rules;
  }

  /** File name to text of every file in the chart's templates/. */
  static Map<String, String> templates() {
    Map<String, String> templates = new TreeMap<>();
    try (Stream<Path> files = Files.list(CHART.resolve("templates"))) {
      files.forEach(f -> templates.put(f.getFileName().toString(), RepoFiles.read(f).replace("\r\n", "\n")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return templates;
  }

  private static String metadataName(String template) {
    return normalized(firstGroup(template, "(?m)^metadata:\\s*\\n\\s+name: (.+)$"));
  }

  private static String roleRefName(String template, String kind) {
    return normalized(firstGroup(template,
        "(?m)^roleRef:\\s*\\n\\s+apiGroup: rbac.authorization.k8s.io\\s*\\n\\s+kind: " + kind + "\\s*\\n\\s+name: (.+)$"));
  }

  private static String firstGroup(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("/" + regex + "/ in\n" + text).isTrue();
    return m.group(1).trim();
  }

  /** $ (the root context inside a range) as . (the root context outside one), LF line ends. */
  private static String normalized(String template) {
    return template.replace("\r\n", "\n").replace(" $ ", " . ").replace("$.", ".");
  }

  static List<String> yamlFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).filter(f -> !Files.isDirectory(dir.resolve(f))).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <T extends HasMetadata> T load(String file, Class<T> kind) {
    return Serialization.unmarshal(RepoFiles.read(OPERATOR.resolve(file)), kind);
  }

  static List<HasMetadata> operatorObjects(Iterable<String> files) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String file : files) {
      for (String document : documents(RepoFiles.read(OPERATOR.resolve(file)))) {
        objects.add(Serialization.unmarshal(document));
      }
    }
    return objects;
  }

  /** The YAML documents of a file, without the ones that hold only comments. */
  static List<String> documents(String yaml) {
    return Stream.of(yaml.replace("\r\n", "\n").split("(?m)^---\\s*$"))
        .filter(doc -> doc.lines().anyMatch(l -> !l.isBlank() && !l.stripLeading().startsWith("#")))
        .toList();
  }

  static Map<String, String> env(Container container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : container.getEnv()) {
      assertThat(env.put(var.getName(), var.getValue() == null ? "" : var.getValue())).as("env " + var.getName() + " twice").isNull();
    }
    return env;
  }

  private static Probe probeOf(Probe probe, String d, String which) {
    assertThat(probe).as(d + " has a " + which + " probe").isNotNull();
    return probe;
  }

  private static int portNumber(IntOrString port, Container container) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).findFirst()
        .map(ContainerPort::getContainerPort)
        .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()));
  }

  static String describe(HasMetadata object) {
    return object.getKind() + " " + Optional.ofNullable(object.getMetadata().getNamespace()).map(n -> n + "/").orElse("")
        + object.getMetadata().getName();
  }

  // ---------------------------------------------------------------------------------------------
  // Helm, where there is one.

  record Result(int exitCode, String output) {}

  /** The helm binary: FERRY_HELM, or helm on the PATH; the test is skipped without one. */
  static String helmBinary() {
    String configured = System.getenv("FERRY_HELM");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    return Stream.of(path.split(File.pathSeparator)).map(dir -> Path.of(dir, "helm"))
        .filter(Files::isExecutable).findFirst().map(Path::toString).orElse(null);
  }

  static Result helm(Path tmp, List<String> args) {
    String helm = helmBinary();
    if (helm == null && "1".equals(System.getenv("FERRY_REQUIRE_REAL_KUBE"))) {
      fail("no helm binary, and this machine must run the chart's tests (FERRY_REQUIRE_REAL_KUBE=1): kube/build.sh builds it");
    }
    assumeTrue(helm != null, "no helm binary (set FERRY_HELM or put helm on the PATH); chart checked textually only");
    List<String> command = new ArrayList<>();
    command.add(helm);
    command.addAll(args);
    try {
      Path out = tmp.resolve("helm-" + System.nanoTime() + ".out");
      // Helm keeps its cache and config under HOME; keep them out of the user's.
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
      builder.environment().put("HELM_CACHE_HOME", tmp.resolve("cache").toString());
      builder.environment().put("HELM_CONFIG_HOME", tmp.resolve("config").toString());
      builder.environment().put("HELM_DATA_HOME", tmp.resolve("data").toString());
      Process process = builder.start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(command + " did not finish in 60 s");
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code helm template} of the chart as release "ferry" in ferry-system, with the CRDs taken as served. */
  static List<HasMetadata> helmTemplate(Path tmp, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("template", "ferry", CHART.toString(), "--namespace", "ferry-system",
        "--api-versions", "ferry.dev/v1alpha1"));
    args.addAll(List.of(extraArgs));
    Result result = helm(tmp, args);
    assertThat(result.exitCode()).as("helm template:\n" + result.output()).isZero();
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : documents(result.output())) {
      HasMetadata object = Serialization.unmarshal(document);
      assertThat(Trees.missing(Trees.parse(document), Trees.of(object))).as(describe(object)).isEmpty();
      objects.add(object);
    }
    assertThat(objects.stream().map(DeployManifestsTest::describe).collect(Collectors.toList()))
        .as("no object twice").doesNotHaveDuplicates();
    return objects;
  }
}
