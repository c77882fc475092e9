package dev.ferry.check;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Which Service sends traffic to which workload, which Ingress to which Service, which Ingress is nginx's. */
public final class Relations {
  private Relations() {}

  /** The controller name ingress-nginx registers its IngressClasses with. */
  public static final String NGINX_CONTROLLER = "k8s.io/ingress-nginx";
  public static final String INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
  public static final String DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

  static PodTemplateSpec template(HasMetadata workload) {
    if (workload instanceof Deployment d) {
      return d.getSpec() == null ? null : d.getSpec().getTemplate();
    }
    if (workload instanceof LosslessDeployment ld) {
      return ld.getSpec() == null ? null : ld.getSpec().getTemplate();
    }
    return null;
  }

  /** What the index keeps of a workload: only what a Service's check asks. */
  static WorkloadIndex.Pods pods(HasMetadata workload) {
    PodTemplateSpec t = template(workload);
    Map<String, String> labels = t == null || t.getMetadata() == null || t.getMetadata().getLabels() == null
        ? Map.of() : Map.copyOf(t.getMetadata().getLabels());
    String service = workload instanceof LosslessDeployment ld && ld.getSpec() != null
        && ld.getSpec().getService() != null ? ld.getSpec().getService().getName() : null;
    return new WorkloadIndex.Pods(workload.getMetadata().getNamespace(), labels, service, pinnedToOneNode(t));
  }

  /** Whether every pod of the template must run on one and the same node: they cannot move. */
  static boolean pinnedToOneNode(PodTemplateSpec t) {
    if (t == null || t.getSpec() == null) {
      return false;
    }
    PodSpec s = t.getSpec();
    if (s.getNodeName() != null) {
      return true;
    }
    if (s.getNodeSelector() != null && s.getNodeSelector().containsKey("kubernetes.io/hostname")) {
      return true;
    }
    var affinity = s.getAffinity() == null || s.getAffinity().getNodeAffinity() == null ? null
        : s.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    if (affinity == null || affinity.getNodeSelectorTerms() == null || affinity.getNodeSelectorTerms().isEmpty()) {
      return false;
    }
    Set<String> hosts = new HashSet<>();
    for (var term : affinity.getNodeSelectorTerms()) {
      Set<String> pinnedTo = new HashSet<>();
      if (term.getMatchExpressions() != null) {
        term.getMatchExpressions().stream().filter(r -> "kubernetes.io/hostname".equals(r.getKey()))
            .forEach(r -> pinnedTo.addAll(singleIn(r)));
      }
      if (term.getMatchFields() != null) {
        term.getMatchFields().stream().filter(r -> "metadata.name".equals(r.getKey()))
            .forEach(r -> pinnedTo.addAll(singleIn(r)));
      }
      if (pinnedTo.isEmpty()) {
        return false; // a term that does not pin lets pods go anywhere it allows
      }
      hosts.addAll(pinnedTo);
    }
    return hosts.size() == 1;
  }

  private static Set<String> singleIn(io.fabric8.kubernetes.api.model.NodeSelectorRequirement r) {
    return "In".equals(r.getOperator()) && r.getValues() != null && r.getValues().size() == 1
        ? Set.of(r.getValues().get(0)) : Set.of();
  }

  /** The names of the Services an Ingress sends traffic to. */
  public static Set<String> backendServices(Ingress i) {
    Set<String> names = new LinkedHashSet<>();
    if (i.getSpec() == null) {
      return names;
    }
    addBackend(names, i.getSpec().getDefaultBackend());
    if (i.getSpec().getRules() != null) {
      for (var rule : i.getSpec().getRules()) {
        if (rule.getHttp() != null && rule.getHttp().getPaths() != null) {
          for (var path : rule.getHttp().getPaths()) {
            addBackend(names, path.getBackend());
          }
        }
      }
    }
    return names;
  }

  private static void addBackend(Set<String> names, IngressBackend b) {
    if (b != null && b.getService() != null && b.getService().getName() != null) {
      names.add(b.getService().getName());
    }
  }

  /** The Ingress's class: {@code spec.ingressClassName}, else the legacy annotation, else null. */
  public static String ingressClass(Ingress i) {
    if (i.getSpec() != null && i.getSpec().getIngressClassName() != null) {
      return i.getSpec().getIngressClassName();
    }
    var a = i.getMetadata().getAnnotations();
    return a == null ? null : a.get(INGRESS_CLASS_ANNOTATION);
  }

  /**
   * The IngressClasses of ingress-nginx that the input holds: their names, and whether one of them is
   * the default class (which serves Ingresses that name none).
   */
  static final class NginxClasses {
    private final Set<String> names = new HashSet<>();
    private boolean isDefault;

    void add(IngressClass c) {
      if (c.getSpec() == null || !NGINX_CONTROLLER.equals(c.getSpec().getController())) {
        return;
      }
      names.add(c.getMetadata().getName());
      var a = c.getMetadata().getAnnotations();
      isDefault |= a != null && "true".equals(a.get(DEFAULT_CLASS_ANNOTATION));
    }

    /**
     * Whether ingress-nginx serves an Ingress of class {@code cls} (null: none named): it is one of
     * {@code nginxClasses} or of these IngressClasses; with no class, when the default is nginx's.
     */
    boolean serve(String cls, Set<String> nginxClasses) {
      return cls == null ? isDefault : nginxClasses.contains(cls) || names.contains(cls);
    }
  }
}
