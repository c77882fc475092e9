package dev.ferry.operator.support;

import dev.ferry.api.crd.FerryCrds;
import dev.ferry.cluster.ControlPlane;
import dev.ferry.operator.kube.OperatorRbac;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * The one Kubernetes the operator's tests run on: the real etcd, kube-apiserver and
 * kube-controller-manager ({@link ControlPlane}), started once per test JVM, with Ferry's CRDs and
 * the operator's RBAC exactly as {@code deploy/} ships them (the operator's ServiceAccount, its
 * ClusterRole and binding, its leader-election Role). Each test gets a namespace of its own.
 */
public final class TestKube {
  public static final String OPERATOR_NAMESPACE = OperatorRbac.NAMESPACE;
  public static final String OPERATOR_ACCOUNT = OperatorRbac.SERVICE_ACCOUNT;

  private static ControlPlane plane;
  private static KubernetesClient admin;
  private static final AtomicInteger namespaces = new AtomicInteger();

  private TestKube() {}

  /** The control plane, started (and set up) on first use; it stops when the JVM does. */
  public static synchronized ControlPlane plane() {
    if (plane == null) {
      plane = ControlPlane.start(ControlPlane.Settings.in(Path.of("target/kube/operator-tests")));
      Runtime.getRuntime().addShutdownHook(new Thread(plane::close, "control-plane-stop"));
      admin = plane.newAdminClient();
      FerryCrds.apply(admin, Duration.ofSeconds(30));
      OperatorRbac.apply(admin);
    }
    return plane;
  }

  /** The admin's client (every permission); shared, never closed by a test. */
  public static KubernetesClient admin() {
    plane();
    return admin;
  }

  /** A new admin client whose default namespace is {@code namespace}; the caller closes it. */
  public static KubernetesClient adminClient(String namespace) {
    Config c = new ConfigBuilder(plane().adminConfig()).withNamespace(namespace).build();
    return new KubernetesClientBuilder().withConfig(c).build();
  }

  /**
   * A new client as the operator's ServiceAccount, with exactly the permissions of
   * {@code deploy/operator/}: a test whose operator lacks one fails. The caller closes it.
   */
  public static KubernetesClient operatorClient() {
    Config c = new ConfigBuilder(plane().serviceAccountConfig(OPERATOR_NAMESPACE, OPERATOR_ACCOUNT))
        .withNamespace(OPERATOR_NAMESPACE).build();
    return new KubernetesClientBuilder().withConfig(c).build();
  }

  /**
   * A new client as a ServiceAccount of its own bound to the operator's ClusterRole from
   * {@code deploy/operator/} with the rules {@code drop} picks taken away (to see what a missing
   * permission does). The caller closes it.
   */
  public static KubernetesClient operatorClientWithout(String name, java.util.function.Predicate<PolicyRule> drop) {
    ClusterRole full = OperatorRbac.clusterRole(admin());
    List<PolicyRule> kept = full.getRules().stream().filter(drop.negate()).toList();
    if (kept.size() == full.getRules().size()) {
      throw new IllegalArgumentException("no rule of the operator's ClusterRole was taken away");
    }
    return serviceAccountClient(name, kept);
  }

  /**
   * A new client as a ServiceAccount of its own bound to the operator's ClusterRole from
   * {@code deploy/operator/} with {@code verb} taken out of every rule on {@code resource}, the rest
   * of those rules kept (to see what one missing verb does). The caller closes it.
   */
  public static KubernetesClient operatorClientWithoutVerb(String name, String resource, String verb) {
    ClusterRole full = OperatorRbac.clusterRole(admin());
    List<PolicyRule> rules = full.getRules().stream()
        .map(rule -> rule.getResources().contains(resource) && rule.getVerbs().contains(verb)
            ? new PolicyRuleBuilder(rule).withVerbs(rule.getVerbs().stream().filter(v -> !v.equals(verb)).toList()).build()
            : rule)
        .toList();
    if (rules.equals(full.getRules())) {
      throw new IllegalArgumentException("no rule of the operator's ClusterRole on " + resource + " has " + verb);
    }
    return serviceAccountClient(name, rules);
  }

  private static KubernetesClient serviceAccountClient(String name, List<PolicyRule> rules) {
    admin.serviceAccounts().inNamespace(OPERATOR_NAMESPACE).resource(new ServiceAccountBuilder()
        .withNewMetadata().withName(name).withNamespace(OPERATOR_NAMESPACE).endMetadata().build()).create();
    admin.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata()
        .withRules(rules).build()).create();
    admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", name)
        .addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(OPERATOR_NAMESPACE).endSubject()
        .build()).create();
    Config c = new ConfigBuilder(plane().serviceAccountConfig(OPERATOR_NAMESPACE, name)).withNamespace(OPERATOR_NAMESPACE).build();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(c).build();
    // The API server's RBAC authorizer learns of a new binding from its informers: wait until it
    // has (every rule set of the operator lists pods), so a test's first request is not refused.
    Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> client.pods().inNamespace(OPERATOR_NAMESPACE).list() != null);
    return client;
  }

  /** A fresh namespace, with its default ServiceAccount (pods cannot be created before it). */
  public static String newNamespace(String prefix) {
    String name = prefix + "-" + namespaces.incrementAndGet();
    admin().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> admin.serviceAccounts().inNamespace(name).withName("default").get() != null);
    return name;
  }

  /** Deletes a test's namespace and does not wait (the namespace controller empties it). */
  public static void deleteNamespace(String name) {
    admin().namespaces().withName(name).withTimeout(0, TimeUnit.SECONDS).delete();
  }
}
