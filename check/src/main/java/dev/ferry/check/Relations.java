package dev.ferry.check;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Which Service sends traffic to which workload, which Ingress to which Service, which Ingress is nginx's. */
public final class Relations {
  private Relations() {}

  /** The controller name ingress-nginx registers its IngressClasses with. */
  public static final String NGINX_CONTROLLER = "k8s.io/ingress-nginx";
  public static final String INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
  public static final String DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

  /** Objects from files often name no namespace: they match any. */
  static boolean sameNamespace(HasMetadata a, HasMetadata b) {
    String na = a.getMetadata().getNamespace();
    String nb = b.getMetadata().getNamespace();
    return na == null || nb == null || na.equals(nb);
  }

  static PodTemplateSpec template(HasMetadata workload) {
    if (workload instanceof Deployment d) {
      return d.getSpec() == null ? null : d.getSpec().getTemplate();
    }
    if (workload instanceof LosslessDeployment ld) {
      return ld.getSpec() == null ? null : ld.getSpec().getTemplate();
    }
    return null;
  }

  /** Whether the Service routes to the workload's pods: its selector matches their labels, or a LosslessDeployment names it. */
  public static boolean routesTo(Service s, HasMetadata workload) {
    if (!sameNamespace(s, workload)) {
      return false;
    }
    if (workload instanceof LosslessDeployment ld && ld.getSpec() != null && ld.getSpec().getService() != null
        && Objects.equals(ld.getSpec().getService().getName(), s.getMetadata().getName())) {
      return true;
    }
    Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
    PodTemplateSpec t = template(workload);
    if (selector == null || selector.isEmpty() || t == null || t.getMetadata() == null
        || t.getMetadata().getLabels() == null) {
      return false;
    }
    return t.getMetadata().getLabels().entrySet().containsAll(selector.entrySet());
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

  /** Whether the Ingress sends traffic to one of these Services. */
  public static boolean routesTo(Ingress i, Collection<Service> services) {
    Set<String> backends = backendServices(i);
    return services.stream().anyMatch(s -> sameNamespace(i, s) && backends.contains(s.getMetadata().getName()));
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
   * Whether ingress-nginx serves the Ingress: its class is one of {@code nginxClasses}, or an
   * IngressClass that names the ingress-nginx controller; an Ingress with no class, when the default
   * IngressClass is ingress-nginx's.
   */
  public static boolean servedByNginx(Ingress i, Set<String> nginxClasses, Collection<IngressClass> classes) {
    String cls = ingressClass(i);
    if (cls == null) {
      return classes.stream().anyMatch(c -> isNginx(c) && c.getMetadata().getAnnotations() != null
          && "true".equals(c.getMetadata().getAnnotations().get(DEFAULT_CLASS_ANNOTATION)));
    }
    return nginxClasses.contains(cls)
        || classes.stream().anyMatch(c -> isNginx(c) && cls.equals(c.getMetadata().getName()));
  }

  static boolean isNginx(IngressClass c) {
    return c.getSpec() != null && NGINX_CONTROLLER.equals(c.getSpec().getController());
  }
}
