package dev.ferry.operator.kube;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Set;
import java.util.TreeSet;

/** What the EndpointSlices of a LosslessDeployment's Service say: the proxies' view, before propagation. */
public final class Endpoints {
  private Endpoints() {}

  /** Pods an EndpointSlice of the deployment's Service lists as serving; empty without a Service. */
  public static Set<String> serving(KubernetesClient client, LosslessDeployment ld) {
    if (ld.getSpec().getService() == null || ld.getSpec().getService().getName() == null) {
      return Set.of();
    }
    Set<String> out = new TreeSet<>();
    client.discovery().v1().endpointSlices().inNamespace(ld.getMetadata().getNamespace())
        .withLabel("kubernetes.io/service-name", ld.getSpec().getService().getName()).list().getItems()
        .stream()
        // A slice with no endpoints omits the list (the EndpointSlice controller writes such a
        // slice for a Service whose selector matches no pod yet).
        .filter(slice -> slice.getEndpoints() != null)
        .forEach(slice -> slice.getEndpoints().forEach(e -> {
          boolean serving = e.getConditions() == null || e.getConditions().getServing() == null
              ? e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady())
              : e.getConditions().getServing();
          if (serving && e.getTargetRef() != null && "Pod".equals(e.getTargetRef().getKind())) {
            out.add(e.getTargetRef().getName());
          }
        }));
    return out;
  }
}
