package dev.ferry.check;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Reads what to check from a namespace of a cluster. With a name: the LosslessDeployment and/or the
 * Deployment of that name, the Services that route to its pods and the Ingresses that route to those
 * Services. Without: every LosslessDeployment, Deployment, Service and Ingress of the namespace. The
 * cluster's IngressClasses (when the user may list them) tell which Ingresses ingress-nginx serves.
 */
public final class ClusterInput {
  private ClusterInput() {}

  public static CheckInput read(KubernetesClient client, String namespace, String name) throws InputException {
    String ns = namespace != null ? namespace : client.getNamespace() != null ? client.getNamespace() : "default";
    String source = "cluster";
    List<Skipped> skipped = new ArrayList<>();
    try {
      List<HasMetadata> workloads = new ArrayList<>();
      // A cluster without Ferry's CRD has no LosslessDeployments: 404, not an error.
      workloads.addAll(optional(() -> name == null
          ? byName(client.resources(LosslessDeployment.class).inNamespace(ns).list().getItems())
          : single(client.resources(LosslessDeployment.class).inNamespace(ns).withName(name).get()),
          "LosslessDeployment", skipped));
      workloads.addAll(name == null
          ? byName(client.apps().deployments().inNamespace(ns).list().getItems())
          : single(client.apps().deployments().inNamespace(ns).withName(name).get()));
      if (name != null && workloads.isEmpty()) {
        throw new InputException("no LosslessDeployment or Deployment named " + name + " in namespace " + ns);
      }
      List<Service> services = client.services().inNamespace(ns).list().getItems();
      List<Ingress> ingresses = optional(() -> client.network().v1().ingresses().inNamespace(ns).list().getItems(),
          "Ingress", skipped);
      List<IngressClass> classes = optional(() -> client.network().v1().ingressClasses().list().getItems(),
          null, skipped);
      if (name != null) {
        services = servicesTo(workloads, services);
        ingresses = ingressesTo(services, ingresses);
      }
      List<CheckInput.Entry> entries = new ArrayList<>();
      for (HasMetadata w : workloads) {
        var t = Relations.template(w);
        if (t == null || t.getSpec() == null || t.getSpec().getContainers() == null
            || t.getSpec().getContainers().isEmpty()) {
          skipped.add(new Skipped(w.getApiVersion(), w.getKind(), w.getMetadata().getName(), source,
              "no spec.template.spec.containers"));
        } else {
          entries.add(new CheckInput.Entry(w, source));
        }
      }
      byName(services).forEach(s -> entries.add(new CheckInput.Entry(s, source)));
      byName(ingresses).forEach(i -> entries.add(new CheckInput.Entry(i, source)));
      classes.forEach(c -> entries.add(new CheckInput.Entry(c, source)));
      CheckInput input = new CheckInput(entries, skipped);
      if (!input.hasCheckable()) {
        throw new InputException("nothing to check in namespace " + ns
            + ": no LosslessDeployment, Deployment, Service or Ingress");
      }
      return input;
    } catch (KubernetesClientException e) {
      throw new InputException("cannot read namespace " + ns + " from " + client.getMasterUrl() + ": "
          + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
              : rootCause(e)), e);
    }
  }

  /** The Services that route to these workloads: looked up in an index of the workloads. */
  static List<Service> servicesTo(List<HasMetadata> workloads, List<Service> services) {
    WorkloadIndex index = new WorkloadIndex();
    workloads.forEach(w -> index.add(Relations.pods(w)));
    return services.stream().filter(s -> !index.routedBy(s.getMetadata().getNamespace(), s.getMetadata().getName(),
        s.getSpec() == null ? null : s.getSpec().getSelector()).isEmpty()).toList();
  }

  /** The Ingresses that route to these Services: by namespace and name. */
  static List<Ingress> ingressesTo(List<Service> services, List<Ingress> ingresses) {
    Set<List<String>> routed = services.stream()
        .map(s -> Arrays.asList(s.getMetadata().getNamespace(), s.getMetadata().getName())).collect(Collectors.toSet());
    return ingresses.stream().filter(i -> Relations.backendServices(i).stream()
        .anyMatch(n -> routed.contains(Arrays.asList(i.getMetadata().getNamespace(), n)))).toList();
  }

  /**
   * What went wrong underneath fabric8's "Operation: [list] ... failed": the network's own exception
   * (ConnectException, UnknownHostException, SSLHandshakeException) when there is one, not the
   * wrappers above it nor the transport's detail below it.
   */
  static String rootCause(Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    Throwable pick = chain.stream()
        .filter(t -> t.getClass().getName().startsWith("java.net.") || t.getClass().getName().startsWith("javax.net."))
        .findFirst()
        .orElseGet(() -> chain.stream().skip(1).filter(t -> t.getMessage() != null && !t.getMessage().isBlank())
            .reduce((a, b) -> b).orElse(e));
    if (pick == e) {
      return String.valueOf(e.getMessage());
    }
    String m = pick.getMessage();
    return pick.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  private static <T extends HasMetadata> List<T> byName(List<T> l) {
    return l.stream().sorted(Comparator.comparing(o -> o.getMetadata().getName())).toList();
  }

  private static <T> List<T> single(T o) {
    return o == null ? List.of() : List.of(o);
  }

  /**
   * A list that may be absent (404: no such resource on this cluster) or forbidden (403) without
   * making the rest uncheckable; noted as skipped when {@code kind} is given.
   */
  private static <T> List<T> optional(Supplier<List<T>> list, String kind, List<Skipped> skipped) {
    try {
      return list.get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404 || e.getCode() == 403) {
        if (kind != null && e.getCode() == 403) {
          skipped.add(new Skipped(null, kind, null, "cluster", "cannot list: forbidden"));
        }
        return List.of();
      }
      throw e;
    }
  }
}
