package dev.ferry.lab.cluster;

import dev.ferry.api.crd.FerryCrds;
import dev.ferry.cluster.ControlPlane;
import dev.ferry.cluster.Kubelet;
import dev.ferry.operator.kube.OperatorRbac;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lab's cluster on the real Kubernetes control plane: etcd, kube-apiserver and
 * kube-controller-manager ({@link ControlPlane}), whose ReplicaSet, StatefulSet, Job, EndpointSlice
 * and garbage-collector controllers replace the lab's own, with Ferry's CRDs applied, the lab's
 * namespace, and the shared kubelet ({@link Kubelet}) running the lab's pods ({@link LabPods}). The
 * operator runs as its own ServiceAccount with the RBAC of {@code deploy/operator/}, and kube-proxy
 * (the lab's Services, each fleet shard's routes) as kube-proxy's, bound to
 * {@code system:node-proxier}.
 * Everything runs in the lab's network (scripts/lab-network): pods on 198.18.x.y, Services on
 * the ClusterIPs the apiserver allocates in 198.19.0.0/16.
 */
final class RealKube implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RealKube.class);

  static final String KUBE_PROXY_NAMESPACE = "kube-system";
  static final String KUBE_PROXY = "kube-proxy";

  private final ControlPlane plane;
  private final String namespace;
  private final LabPods pods;
  private final Kubelet kubelet;
  private final KubernetesClient recorderClient;
  private final SharedIndexInformer<Pod> deletions;
  /** Pods whose deletion began, in order, with the kind of the controller that owned them. */
  private final List<Map.Entry<String, String>> deleted = Collections.synchronizedList(new ArrayList<>());

  private RealKube(ControlPlane plane, String namespace, LabPods pods, Kubelet kubelet, KubernetesClient recorderClient) {
    this.plane = plane;
    this.namespace = namespace;
    this.pods = pods;
    this.kubelet = kubelet;
    this.recorderClient = recorderClient;
    this.deletions = recorderClient.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      public void onAdd(Pod p) {
        onUpdate(null, p);
      }

      public void onUpdate(Pod old, Pod p) {
        if (p.getMetadata().getDeletionTimestamp() != null && (old == null || old.getMetadata().getDeletionTimestamp() == null)) {
          String owner = p.getMetadata().getOwnerReferences() == null ? "" : p.getMetadata().getOwnerReferences().stream()
              .filter(r -> Boolean.TRUE.equals(r.getController())).map(OwnerReference::getKind).findFirst().orElse("");
          deleted.add(Map.entry(p.getMetadata().getName(), owner));
        }
      }

      public void onDelete(Pod p, boolean unknown) {}
    });
  }

  /** Starts the control plane (building it first if needed), the namespace and the kubelet. */
  static RealKube start(ClusterConfig config, Kubelet.Settings kubeletSettings, LabPods pods) {
    Path dir;
    try {
      dir = Files.createTempDirectory("ferry-lab-kube-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ControlPlane plane = ControlPlane.start(ControlPlane.Settings.in(dir));
    KubernetesClient admin = null;
    try {
      admin = client(plane, config.namespace());
      FerryCrds.apply(admin, Duration.ofSeconds(30));
      OperatorRbac.apply(admin);
      applyKubeProxyIdentity(admin);
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(config.namespace()).endMetadata().build()).create();
      KubernetesClient a = admin;
      if (!EmbeddedCluster.await(() -> a.serviceAccounts().inNamespace(config.namespace()).withName("default").get() != null,
          Duration.ofSeconds(60))) {
        throw new IllegalStateException("namespace " + config.namespace() + " got no default ServiceAccount in 60 s");
      }
      Kubelet kubelet = Kubelet.start(admin, pods, kubeletSettings);
      log.info("event=real_kube_started url={} dir={}", plane.url(), dir);
      return new RealKube(plane, config.namespace(), pods, kubelet, admin);
    } catch (RuntimeException e) {
      if (admin != null) {
        admin.close();
      }
      plane.close();
      throw e;
    }
  }

  /** kube-proxy's identity as kubeadm gives it: a ServiceAccount bound to the built-in {@code system:node-proxier}. */
  private static void applyKubeProxyIdentity(KubernetesClient admin) {
    admin.serviceAccounts().inNamespace(KUBE_PROXY_NAMESPACE).resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
        .withNewMetadata().withName(KUBE_PROXY).withNamespace(KUBE_PROXY_NAMESPACE).endMetadata().build()).create();
    admin.rbac().clusterRoleBindings().resource(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder()
        .withNewMetadata().withName("kubeadm:node-proxier").endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "system:node-proxier")
        .addNewSubject().withKind("ServiceAccount").withName(KUBE_PROXY).withNamespace(KUBE_PROXY_NAMESPACE).endSubject()
        .build()).create();
  }

  private static KubernetesClient client(ControlPlane plane, String namespace) {
    Config c = new ConfigBuilder(plane.adminConfig()).withNamespace(namespace).build();
    return new KubernetesClientBuilder().withConfig(c).build();
  }

  /** A new admin client whose namespace is the lab's; the caller closes it. */
  KubernetesClient newClient() {
    return client(plane, namespace);
  }

  String url() {
    return plane.url();
  }

  /** The operator's client configuration: its own ServiceAccount, exactly the rules of deploy/operator. */
  Config operatorConfig() {
    return new ConfigBuilder(plane.serviceAccountConfig(OperatorRbac.NAMESPACE, OperatorRbac.SERVICE_ACCOUNT))
        .withNamespace(namespace).build();
  }

  /** kube-proxy's client configuration (it reads Services and EndpointSlices, nothing more). */
  Config kubeProxyConfig() {
    return new ConfigBuilder(plane.serviceAccountConfig(KUBE_PROXY_NAMESPACE, KUBE_PROXY)).withNamespace(namespace).build();
  }

  /** kube-proxy's kubeconfig file (owner-only), for a process of its own: a fleet shard is a node. */
  Path kubeProxyKubeconfig() {
    return plane.serviceAccountKubeconfig(KUBE_PROXY_NAMESPACE, KUBE_PROXY);
  }

  LabPods pods() {
    return pods;
  }

  Kubelet kubelet() {
    return kubelet;
  }

  /** Pods whose deletion began because a controller of this kind deleted them (or any, for null), in order. */
  List<String> deletedPods(Set<String> ownerKinds) {
    synchronized (deleted) {
      return deleted.stream().filter(e -> ownerKinds == null || ownerKinds.contains(e.getValue())).map(Map.Entry::getKey).toList();
    }
  }

  @Override
  public void close() {
    deletions.close();
    kubelet.close();
    recorderClient.close();
    pods.close();
    plane.close();
    try (var paths = Files.walk(plane.workDir())) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.info("event=real_kube_dir_left dir={} error={}", plane.workDir(), e.toString());
    }
  }
}
