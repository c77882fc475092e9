package dev.ferry.lab.cluster;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The EndpointSlice controller. For each Service with a selector, one EndpointSlice
 * ({@code discovery.k8s.io/v1}, named {@code <service>-lab}, labelled
 * {@code kubernetes.io/service-name}) lists every selected pod that has an IP and has not finished,
 * with the conditions Kubernetes computes:
 *
 * <ul>
 *   <li>{@code serving}: the pod's Ready condition (which includes its readiness gates), whether or
 *       not it is terminating;
 *   <li>{@code terminating}: the pod has a deletion timestamp;
 *   <li>{@code ready}: serving and not terminating ({@code publishNotReadyAddresses}: always).
 * </ul>
 *
 * A slice is written only when what it lists changes. Slices of Services that are gone are deleted
 * (their owner reference names the Service; the garbage collector's part).
 */
final class EndpointSliceController {

  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
  static final String MANAGED_BY = "endpointslice-controller.k8s.io";

  private final KubernetesClient client;
  private final String namespace;

  EndpointSliceController(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** The conditions of one pod's endpoint. */
  record Conditions(boolean ready, boolean serving, boolean terminating) {
    static Conditions of(Pod pod, boolean publishNotReady) {
      boolean terminating = Pods.terminating(pod);
      boolean serving = publishNotReady || Pods.ready(pod);
      return new Conditions(publishNotReady || (serving && !terminating), serving, terminating);
    }
  }

  void sync() {
    List<Service> services = client.services().inNamespace(namespace).list().getItems();
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
    List<EndpointSlice> slices = client.discovery().v1().endpointSlices().inNamespace(namespace)
        .withLabel(MANAGED_BY_LABEL, MANAGED_BY).list().getItems();
    Map<String, EndpointSlice> byName = slices.stream().collect(Collectors.toMap(Pods::name, s -> s));
    for (Service svc : services) {
      Map<String, String> selector = svc.getSpec().getSelector();
      if (selector == null || selector.isEmpty()) {
        continue;
      }
      List<Pod> selected = pods.stream()
          .filter(p -> Pods.matches(selector, p) && Pods.ip(p) != null && !Pods.finished(p))
          .sorted(Comparator.comparing(Pods::name)).toList();
      EndpointSlice want = slice(svc, selected);
      EndpointSlice have = byName.get(Pods.name(want));
      if (have == null) {
        create(want);
      } else if (!key(have).equals(key(want))) {
        have.setEndpoints(want.getEndpoints());
        have.setPorts(want.getPorts());
        try {
          client.discovery().v1().endpointSlices().inNamespace(namespace).resource(have).update();
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e; // a conflict is retried on the next pass
          }
        }
      }
    }
    Set<String> serviceUids = services.stream().map(s -> s.getMetadata().getUid()).collect(Collectors.toSet());
    for (EndpointSlice s : slices) {
      var owner = Pods.controllerUid(s, "Service");
      if (owner.isPresent() && !serviceUids.contains(owner.get())) {
        client.discovery().v1().endpointSlices().inNamespace(namespace).withName(Pods.name(s)).delete();
      }
    }
  }

  private void create(EndpointSlice s) {
    try {
      client.discovery().v1().endpointSlices().inNamespace(namespace).resource(s).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private EndpointSlice slice(Service svc, List<Pod> pods) {
    boolean publishNotReady = Boolean.TRUE.equals(svc.getSpec().getPublishNotReadyAddresses());
    List<Endpoint> endpoints = pods.stream().map(p -> {
      Conditions c = Conditions.of(p, publishNotReady);
      return new EndpointBuilder()
          .withAddresses(Pods.ip(p))
          .withNewConditions().withReady(c.ready()).withServing(c.serving()).withTerminating(c.terminating()).endConditions()
          .withNodeName(p.getSpec().getNodeName())
          .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withNamespace(namespace)
              .withName(Pods.name(p)).withUid(p.getMetadata().getUid()).build())
          .build();
    }).toList();
    List<EndpointPort> ports = svc.getSpec().getPorts() == null ? List.of() : svc.getSpec().getPorts().stream()
        .map(sp -> new EndpointPortBuilder().withName(sp.getName()).withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol())
            .withPort(targetPort(sp, pods)).build()).toList();
    return new EndpointSliceBuilder()
        .withNewMetadata()
          .withName(Pods.name(svc) + "-lab")
          .withNamespace(namespace)
          .addToLabels(SERVICE_NAME_LABEL, Pods.name(svc))
          .addToLabels(MANAGED_BY_LABEL, MANAGED_BY)
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Service")
              .withName(Pods.name(svc)).withUid(svc.getMetadata().getUid()).withController(true)
              .withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(endpoints)
        .withPorts(ports)
        .build();
  }

  /** A Service port's target on the pods: a number, or a named container port (looked up in the first pod that has it). */
  static Integer targetPort(ServicePort sp, List<Pod> pods) {
    IntOrString t = sp.getTargetPort();
    if (t == null) {
      return sp.getPort();
    }
    if (t.getIntVal() != null) {
      return t.getIntVal();
    }
    String name = t.getStrVal();
    for (Pod p : pods) {
      for (var c : p.getSpec().getContainers()) {
        if (c.getPorts() != null) {
          for (var cp : c.getPorts()) {
            if (name.equals(cp.getName())) {
              return cp.getContainerPort();
            }
          }
        }
      }
    }
    return sp.getPort();
  }

  /** What a slice lists, to compare slices without server-set fields. */
  static String key(EndpointSlice s) {
    StringBuilder b = new StringBuilder();
    if (s.getEndpoints() != null) {
      for (Endpoint e : s.getEndpoints()) {
        var c = e.getConditions();
        b.append(e.getTargetRef() == null ? "" : e.getTargetRef().getName()).append('|').append(e.getAddresses())
            .append('|').append(c == null ? null : c.getReady()).append('|').append(c == null ? null : c.getServing())
            .append('|').append(c == null ? null : c.getTerminating()).append(';');
      }
    }
    b.append('#');
    if (s.getPorts() != null) {
      for (EndpointPort p : s.getPorts()) {
        b.append(p.getName()).append(':').append(p.getPort()).append(';');
      }
    }
    return b.toString();
  }
}
