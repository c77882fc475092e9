package dev.ferry.check;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The analysis: objects in, traffic-loss risks out. No I/O.
 *
 * <p>Objects are taken one at a time ({@link #accept}), so that a reader can hand them over as it
 * parses them and let each go: a workload is judged at once ({@link PodCheck}) and only what a
 * Service needs of it stays, in a {@link WorkloadIndex}. A Service with {@code externalTrafficPolicy:
 * Local} and the Ingresses are judged at the end ({@link #result}), when every workload and
 * IngressClass they depend on has been read, in whatever order the input had them. Findings come out
 * in input order.
 */
public final class Checker {

  /** Object annotation: comma-separated risk ids not to report for that object. */
  public static final String IGNORE_ANNOTATION = "ferry.dev/check-ignore";

  /** ingress-nginx's annotation that makes it proxy to the Service's ClusterIP instead of pod IPs. */
  public static final String SERVICE_UPSTREAM_ANNOTATION = "nginx.ingress.kubernetes.io/service-upstream";

  /** Kubernetes' terminationGracePeriodSeconds when a pod sets none. */
  static final int DEFAULT_GRACE_SECONDS = 30;

  static final String QOS_OFFLINE_URL = "http://127.0.0.1:" + AppSettings.DUBBO_QOS_PORT + "/offline";

  /** One checked object, in input order: its findings, and the risks not to report for it. */
  private record Slot(ObjectRef ref, Set<Risk> skip, List<Finding> found) {}

  /** A LoadBalancer or NodePort Service with externalTrafficPolicy Local: judged once every workload is known. */
  private record LocalService(Slot slot, String namespace, String name, Map<String, String> selector, String type) {}

  /** An Ingress without service-upstream: judged once every IngressClass is known. */
  private record PendingIngress(Slot slot, String ingressClass) {}

  private final CheckOptions options;
  private final List<Slot> slots = new ArrayList<>();
  private final WorkloadIndex workloads = new WorkloadIndex();
  private final List<LocalService> localServices = new ArrayList<>();
  private final List<PendingIngress> ingresses = new ArrayList<>();
  private final Relations.NginxClasses nginxClasses = new Relations.NginxClasses();

  public Checker(CheckOptions options) {
    this.options = options;
  }

  public static boolean isCheckable(HasMetadata o) {
    return o instanceof Deployment || o instanceof LosslessDeployment || o instanceof Service || o instanceof Ingress;
  }

  /** Everything at once: the objects of {@code input}, in order. */
  public static CheckResult check(CheckInput input, CheckOptions options) {
    Checker c = new Checker(options);
    input.entries().forEach(e -> c.accept(e.object(), e.source()));
    return c.result(input.skipped());
  }

  /** Takes one object read from {@code source}; kinds that are not checked (and IngressClasses) add no row. */
  public void accept(HasMetadata o, String source) {
    if (o instanceof IngressClass c) {
      nginxClasses.add(c);
      return;
    }
    if (!isCheckable(o)) {
      return;
    }
    ObjectRef ref = new ObjectRef(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName(), source);
    Set<Risk> skip = ignoredFor(o, options);
    Slot slot = new Slot(ref, skip, new ArrayList<>(0));
    slots.add(slot);
    switch (o) {
      case Deployment d -> workload(slot, d);
      case LosslessDeployment ld -> workload(slot, ld);
      case Service s -> service(slot, s);
      case Ingress i -> ingress(slot, i);
      default -> { }
    }
  }

  private void workload(Slot slot, HasMetadata w) {
    slot.found().addAll(PodCheck.check(slot.ref(), w, options, slot.skip()));
    workloads.add(Relations.pods(w));
  }

  private void service(Slot slot, Service s) {
    if (s.getSpec() == null || !"local".equals(lower(s.getSpec().getExternalTrafficPolicy()))) {
      return;
    }
    String type = s.getSpec().getType();
    if ("LoadBalancer".equals(type) || "NodePort".equals(type)) {
      Map<String, String> selector = s.getSpec().getSelector() == null ? Map.of() : Map.copyOf(s.getSpec().getSelector());
      localServices.add(new LocalService(slot, s.getMetadata().getNamespace(), s.getMetadata().getName(), selector,
          type));
    }
  }

  private void ingress(Slot slot, Ingress i) {
    var a = i.getMetadata().getAnnotations();
    if (a == null || !"true".equals(lower(a.get(SERVICE_UPSTREAM_ANNOTATION)))) {
      ingresses.add(new PendingIngress(slot, Relations.ingressClass(i)));
    }
  }

  /** The verdict on everything taken, with what the reader skipped. */
  public CheckResult result(List<Skipped> skipped) {
    localServices.forEach(this::externalTrafficLocal);
    ingresses.forEach(this::nginxNoServiceUpstream);
    localServices.clear();
    ingresses.clear();
    List<Finding> findings = new ArrayList<>();
    List<Finding> ignored = new ArrayList<>();
    List<ObjectRef> checked = new ArrayList<>(slots.size());
    for (Slot s : slots) {
      checked.add(s.ref());
      for (Finding f : s.found()) {
        (s.skip().contains(f.risk()) ? ignored : findings).add(f);
      }
    }
    return new CheckResult(findings, ignored, checked, skipped, options);
  }

  /** Whether an object that {@link #isCheckable} has been taken. */
  public boolean checkedAny() {
    return !slots.isEmpty();
  }

  private static Set<Risk> ignoredFor(HasMetadata o, CheckOptions options) {
    Set<Risk> skip = EnumSet.noneOf(Risk.class);
    skip.addAll(options.ignore());
    var a = o.getMetadata().getAnnotations();
    if (a != null && a.get(IGNORE_ANNOTATION) != null) {
      Arrays.stream(a.get(IGNORE_ANNOTATION).split(",")).map(String::trim).map(Risk::byId)
          .filter(Objects::nonNull).forEach(skip::add);
    }
    return skip;
  }

  /** {@code 10s}, {@code 1.5s}. */
  static String seconds(double s) {
    return HookFix.number(s) + "s";
  }

  private void externalTrafficLocal(LocalService s) {
    List<WorkloadIndex.Pods> targets = workloads.routedBy(s.namespace(), s.name(), s.selector());
    if (!targets.isEmpty() && targets.stream().allMatch(WorkloadIndex.Pods::pinned)) {
      return;
    }
    s.slot().found().add(new Finding(Risk.EXTERNAL_TRAFFIC_LOCAL, s.slot().ref(), null,
        "externalTrafficPolicy: Local on a " + s.type() + " Service: only nodes with a local ready pod take its "
            + "traffic, and the load balancer learns by health check, seconds later, that a node lost its last "
            + "pod (a release moves pods to other nodes); until then that node drops the connections",
        "set spec.externalTrafficPolicy: Cluster (keep client addresses with proxy protocol or X-Forwarded-For), "
            + "or make the load balancer target pod IPs (e.g. AWS NLB IP targets, GKE container-native) with "
            + "preStop longer than its deregistration",
        Patch.spec("externalTrafficPolicy", "Cluster")));
  }

  private void nginxNoServiceUpstream(PendingIngress i) {
    if (!nginxClasses.serve(i.ingressClass(), options.nginxClasses())) {
      return;
    }
    String cls = i.ingressClass();
    i.slot().found().add(new Finding(Risk.NGINX_NO_SERVICE_UPSTREAM, i.slot().ref(), null,
        "ingress-nginx" + (cls == null ? " (default class)" : " (class " + cls + ")") + " sends requests "
            + "straight to the pod IPs it learned from the endpoints, and learns changes late: a pod that is "
            + "stopping keeps getting requests",
        "add the annotation " + SERVICE_UPSTREAM_ANNOTATION + ": \"true\" (nginx then proxies to the Service's "
            + "ClusterIP, and kube-proxy, which preStop covers, picks the pod)",
        Patch.annotation(SERVICE_UPSTREAM_ANNOTATION, "true")));
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }
}
