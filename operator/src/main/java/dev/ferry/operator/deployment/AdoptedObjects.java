package dev.ferry.operator.deployment;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.AdoptKind;
import dev.ferry.api.v1alpha1.AdoptSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.operator.kube.Annotations;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The changes an adoption makes to the user's objects, and their undoing (docs/adopt.md, "What
 * changes on the user's objects"). Each is idempotent. What a change replaces is recorded on the
 * object before the first change, and never overwritten: the record is the state before the
 * adoption, which a rollback, or another operator after a crash, restores.
 */
final class AdoptedObjects {

  private static final TypeRef SELECTOR = new TypeRef();

  private final KubernetesClient client;
  private final LosslessDeployment ld;
  private final AdoptSpec adopt;

  AdoptedObjects(KubernetesClient client, LosslessDeployment ld, AdoptSpec adopt) {
    this.client = client;
    this.ld = ld;
    this.adopt = adopt;
  }

  /** The finalizer first (so that a deletion from here on restores), then the workload's and the Service's records. */
  void record() {
    if (!Adoption.hasFinalizer(ld)) {
      ldResource().edit(x -> {
        var f = x.getMetadata().getFinalizers() == null ? new ArrayList<String>() : new ArrayList<>(x.getMetadata().getFinalizers());
        if (!f.contains(AdoptSpec.ADOPTION_FINALIZER)) {
          f.add(AdoptSpec.ADOPTION_FINALIZER);
        }
        x.getMetadata().setFinalizers(f);
        return x;
      });
      ld.getMetadata().setFinalizers(new ArrayList<>(ldResource().get().getMetadata().getFinalizers()));
    }
    HasMetadata w = workload().get();
    if (w == null) {
      throw new IllegalStateException(adopt.getKind().kindName() + " " + adopt.getName() + " is gone");
    }
    if (Adoption.annotation(w, AdoptSpec.ADOPTED_REPLICAS_ANNOTATION) == null) {
      Annotations.set(workload(), AdoptSpec.ADOPTED_REPLICAS_ANNOTATION, Integer.toString(replicas(w)));
    }
    Service svc = service().get();
    if (svc == null) {
      throw new IllegalStateException("Service " + serviceName() + " is gone");
    }
    if (Adoption.annotation(svc, AdoptSpec.ADOPTED_SELECTOR_ANNOTATION) == null) {
      Annotations.set(service(), AdoptSpec.ADOPTED_SELECTOR_ANNOTATION, Serialization.asJson(svc.getSpec().getSelector()));
    }
  }

  /** The recorded selector, plus ferry.dev/deployment when {@code toFerry}. */
  void switchService(boolean toFerry) {
    Service svc = service().get();
    String recorded = svc == null ? null : Adoption.annotation(svc, AdoptSpec.ADOPTED_SELECTOR_ANNOTATION);
    if (recorded == null) {
      throw new IllegalStateException("Service " + serviceName() + " has no " + AdoptSpec.ADOPTED_SELECTOR_ANNOTATION
          + " annotation: its selector is not changed without a record of it");
    }
    Map<String, String> selector = new LinkedHashMap<>(Serialization.unmarshal(
        new java.io.ByteArrayInputStream(recorded.getBytes(java.nio.charset.StandardCharsets.UTF_8)), SELECTOR));
    if (toFerry) {
      selector.put(FerryNames.DEPLOYMENT_LABEL, ld.getMetadata().getName());
    }
    service().edit(s -> {
      s.getSpec().setSelector(selector);
      return s;
    });
  }

  /** A Deployment's drained pod is marked first, so that its ReplicaSet removes exactly it. */
  void scale(int replicas, String markedPod) {
    if (markedPod != null) {
      Annotations.setOnPod(client, ns(), markedPod, FerryNames.POD_DELETION_COST_ANNOTATION, FerryNames.DRAINED_POD_DELETION_COST);
    }
    workload().patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  void delete() {
    workload().delete();
  }

  /** The finalizer goes; with {@code restore} the records go too (the objects are as they were). */
  void finish(boolean restore) {
    if (restore) {
      if (workload().get() != null) {
        Annotations.set(workload(), AdoptSpec.ADOPTED_REPLICAS_ANNOTATION, null);
      }
      if (service().get() != null) {
        Annotations.set(service(), AdoptSpec.ADOPTED_SELECTOR_ANNOTATION, null);
      }
    }
    if (Adoption.hasFinalizer(ld)) {
      ldResource().edit(x -> {
        var f = x.getMetadata().getFinalizers() == null ? new ArrayList<String>() : new ArrayList<>(x.getMetadata().getFinalizers());
        f.remove(AdoptSpec.ADOPTION_FINALIZER);
        x.getMetadata().setFinalizers(f);
        return x;
      });
    }
  }

  private static int replicas(HasMetadata w) {
    Integer r = w instanceof StatefulSet s ? s.getSpec().getReplicas() : ((Deployment) w).getSpec().getReplicas();
    return r == null ? 1 : r;
  }

  private Resource<? extends HasMetadata> workload() {
    return adopt.getKind() == AdoptKind.STATEFUL_SET
        ? client.apps().statefulSets().inNamespace(ns()).withName(adopt.getName())
        : client.apps().deployments().inNamespace(ns()).withName(adopt.getName());
  }

  private Resource<Service> service() {
    return client.services().inNamespace(ns()).withName(serviceName());
  }

  private Resource<LosslessDeployment> ldResource() {
    return client.resources(LosslessDeployment.class).inNamespace(ns()).withName(ld.getMetadata().getName());
  }

  private String serviceName() {
    return ld.getSpec().getService().getName();
  }

  private String ns() {
    return ld.getMetadata().getNamespace();
  }

  private static final class TypeRef extends com.fasterxml.jackson.core.type.TypeReference<Map<String, String>> {}
}
