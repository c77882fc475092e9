package dev.ferry.check;

import dev.ferry.api.v1alpha1.LifecycleSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.operator.deployment.TemplateRenderer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The analysis: objects in, traffic-loss risks out. No I/O.
 *
 * <p>A Deployment is judged by its pod template. A LosslessDeployment is judged by the pod template
 * the operator renders from it ({@link TemplateRenderer}: the preStop hook, grace period and serving
 * gate that {@code spec.lifecycle} asks for), so what is checked is what would run. Services are
 * judged with the workloads they select, Ingresses on their own.
 */
public final class Checker {
  private Checker() {}

  /** Object annotation: comma-separated risk ids not to report for that object. */
  public static final String IGNORE_ANNOTATION = "ferry.dev/check-ignore";

  /** ingress-nginx's annotation that makes it proxy to the Service's ClusterIP instead of pod IPs. */
  public static final String SERVICE_UPSTREAM_ANNOTATION = "nginx.ingress.kubernetes.io/service-upstream";

  /** Kubernetes' terminationGracePeriodSeconds when a pod sets none. */
  static final int DEFAULT_GRACE_SECONDS = 30;

  static final String QOS_OFFLINE_URL = "http://127.0.0.1:" + AppSettings.DUBBO_QOS_PORT + "/offline";

  public static boolean isCheckable(HasMetadata o) {
    return o instanceof Deployment || o instanceof LosslessDeployment || o instanceof Service || o instanceof Ingress;
  }

  public static CheckResult check(CheckInput input, CheckOptions options) {
    List<HasMetadata> workloads = input.entries().stream().map(CheckInput.Entry::object)
        .filter(o -> o instanceof Deployment || o instanceof LosslessDeployment).toList();
    List<IngressClass> classes = input.entries().stream().map(CheckInput.Entry::object)
        .filter(IngressClass.class::isInstance).map(IngressClass.class::cast).toList();
    List<Finding> findings = new ArrayList<>();
    List<Finding> ignored = new ArrayList<>();
    List<ObjectRef> checked = new ArrayList<>();
    for (CheckInput.Entry e : input.entries()) {
      HasMetadata o = e.object();
      if (!isCheckable(o)) {
        continue;
      }
      ObjectRef ref = ref(o, e.source());
      checked.add(ref);
      List<Finding> found = new ArrayList<>();
      switch (o) {
        case Deployment d -> new PodCheck(ref, d.getSpec().getTemplate(), d.getSpec().getTemplate(), null, false,
            options, found).run();
        case LosslessDeployment ld -> new PodCheck(ref, ld.getSpec().getTemplate(), TemplateRenderer.render(ld),
            ld.getSpec().getLifecycle(), true, options, found).run();
        case Service s -> service(ref, s, workloads, found);
        case Ingress i -> ingress(ref, i, options, classes, found);
        default -> { }
      }
      Set<Risk> skip = ignoredFor(o, options);
      for (Finding f : found) {
        (skip.contains(f.risk()) ? ignored : findings).add(f);
      }
    }
    return new CheckResult(findings, ignored, checked, input.skipped(), options);
  }

  static ObjectRef ref(HasMetadata o, String source) {
    return new ObjectRef(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName(), source);
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
    return (s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s)) + "s";
  }

  // ---------------------------------------------------------------------------------------------

  /** The checks of one pod template: readiness, preStop, grace period, registry offline and delay. */
  private record PodCheck(
      ObjectRef ref, PodTemplateSpec original, PodTemplateSpec rendered, LifecycleSpec lifecycle, boolean ferry,
      CheckOptions options, List<Finding> out) {

    void run() {
      PodSpec spec = rendered.getSpec();
      List<Container> containers = spec.getContainers();
      // The containers that serve: those that declare ports; when none does, all of them.
      List<Container> serving = containers.stream().filter(c -> c.getPorts() != null && !c.getPorts().isEmpty())
          .toList();
      if (serving.isEmpty()) {
        serving = containers;
      }
      for (Container c : serving) {
        readiness(c);
        preStop(c);
      }
      grace(containers);
      registry(containers, serving);
    }

    private void add(Risk risk, String container, String what, String fix) {
      out.add(new Finding(risk, ref, container, what, fix));
    }

    /** The container of the user's template: whether it had its own preStop. */
    private boolean ownPreStop(Container c) {
      return original.getSpec().getContainers().stream().filter(o -> Objects.equals(o.getName(), c.getName()))
          .anyMatch(o -> o.getLifecycle() != null && o.getLifecycle().getPreStop() != null);
    }

    private int propagation() {
      int p = options.propagationSeconds();
      if (lifecycle != null && lifecycle.getPropagationSeconds() != null) {
        p = Math.max(p, lifecycle.getPropagationSeconds());
      }
      return p;
    }

    private String propagationSource() {
      return lifecycle != null && lifecycle.getPropagationSeconds() != null
          && lifecycle.getPropagationSeconds() > options.propagationSeconds()
          ? "spec.lifecycle.propagationSeconds" : "assumed, --propagation-seconds";
    }

    private void readiness(Container c) {
      if (c.getReadinessProbe() != null) {
        return;
      }
      String port = "8080";
      if (c.getPorts() != null && !c.getPorts().isEmpty()) {
        var p = c.getPorts().get(0);
        port = p.getName() != null ? p.getName() : String.valueOf(p.getContainerPort());
      }
      add(Risk.NO_READINESS_PROBE, c.getName(),
          "container " + c.getName() + " has no readinessProbe: it counts as ready, and "
              + (ferry ? "Ferry opens its serving gate, " : "gets traffic ")
              + "as soon as it starts, before the app can serve",
          "add to container " + c.getName() + " a readinessProbe that passes only once the app can serve, e.g. "
              + "readinessProbe: {httpGet: {path: /ready, port: " + port + "}, periodSeconds: 2}");
    }

    private void preStop(Container c) {
      PreStop p = PreStop.of(c.getLifecycle() == null ? null : c.getLifecycle().getPreStop());
      int need = propagation();
      if (p == null) {
        String fix;
        if (!ferry) {
          fix = "add to container " + c.getName() + ": lifecycle: {preStop: {sleep: {seconds: " + need + "}}} "
              + "(Kubernetes 1.30+; before: exec: {command: [sh, -c, \"sleep " + need + "\"]}), and a grace "
              + "period that covers it";
        } else if (lifecycle == null) {
          fix = "add spec.lifecycle: {preStopSleepSeconds: " + need + "}: Ferry then renders the preStop hook "
              + "and a grace period that covers it";
        } else {
          fix = "set spec.lifecycle.preStopSleepSeconds: " + need;
        }
        add(Risk.NO_PRESTOP, c.getName(),
            "container " + c.getName() + " has no preStop hook: it gets SIGTERM the moment its pod is deleted, "
                + "while kube-proxy, ingresses and load balancers still send it requests for up to " + need
                + "s (" + propagationSource() + ")",
            fix);
      } else if (p.exact() && p.atLeastSeconds() < need) {
        String fix;
        if (ferry && !ownPreStop(c)) {
          fix = "set spec.lifecycle.preStopSleepSeconds: " + need;
        } else if (ferry) {
          fix = "make container " + c.getName() + "'s own preStop (Ferry keeps it as it is) sleep at least " + need
              + "s, or remove it so that Ferry renders one from spec.lifecycle";
        } else {
          fix = "make container " + c.getName() + "'s preStop sleep at least " + need + "s, e.g. "
              + "lifecycle: {preStop: {sleep: {seconds: " + need + "}}}, and the grace period cover it";
        }
        add(Risk.PRESTOP_TOO_SHORT, c.getName(),
            "container " + c.getName() + "'s preStop (" + p.text() + ") lasts " + p.lengthText()
                + ", less than the " + need + "s endpoint changes take to propagate (" + propagationSource()
                + "): SIGTERM comes while requests still arrive",
            fix);
      }
    }

    private void grace(List<Container> containers) {
      Long set = rendered.getSpec().getTerminationGracePeriodSeconds();
      long grace = set == null ? DEFAULT_GRACE_SECONDS : set;
      double preStop = 0;
      for (Container c : containers) {
        PreStop p = PreStop.of(c.getLifecycle() == null ? null : c.getLifecycle().getPreStop());
        if (p != null) {
          preStop = Math.max(preStop, p.atLeastSeconds());
        }
      }
      int shutdown = options.shutdownSeconds();
      String shutdownSource = "assumed, --shutdown-seconds";
      if (lifecycle != null && lifecycle.getShutdownSeconds() != null) {
        shutdown = lifecycle.getShutdownSeconds();
        shutdownSource = "spec.lifecycle.shutdownSeconds";
      } else {
        var declared = containers.stream().map(AppSettings::of).map(AppSettings::dubboShutdownSeconds)
            .filter(java.util.OptionalInt::isPresent).mapToInt(java.util.OptionalInt::getAsInt).max();
        if (declared.isPresent()) {
          shutdown = declared.getAsInt();
          shutdownSource = "dubbo.service.shutdown.wait";
        }
      }
      long need = (long) Math.ceil(preStop + shutdown);
      if (lifecycle != null) {
        need = Math.max(need, TemplateRenderer.graceNeeded(lifecycle));
      }
      if (grace >= need) {
        return;
      }
      String fix;
      if (ferry && lifecycle != null) {
        fix = "remove spec.template.spec.terminationGracePeriodSeconds (Ferry then sets preStop + "
            + "spec.lifecycle.shutdownSeconds = " + need + "s) or set it to at least " + need;
      } else {
        fix = "set spec.template.spec.terminationGracePeriodSeconds: " + need;
      }
      add(Risk.GRACE_TOO_SHORT, null,
          "terminationGracePeriodSeconds " + (set == null ? "(unset: " + grace + ")" : String.valueOf(grace))
              + " is shorter than preStop " + seconds(preStop) + " + shutdown " + shutdown + "s (" + shutdownSource
              + "): the kubelet kills the pod (SIGKILL) with requests in flight",
          fix);
    }

    private void registry(List<Container> containers, List<Container> serving) {
      String offlineUrl = lifecycle == null ? null : lifecycle.getOfflineUrl();
      boolean any = false;
      for (Container c : containers) {
        AppSettings s = AppSettings.of(c);
        if (!s.dubbo()) {
          continue;
        }
        any = true;
        offline(c, "a Dubbo provider (" + s.dubboSignal() + ")", offlineUrl);
        if (s.dubboDelayMillis().isEmpty()) {
          add(Risk.REGISTRY_NO_DELAY, c.getName(),
              "container " + c.getName() + " is a Dubbo provider (" + s.dubboSignal() + ") with no registration "
                  + "delay: it registers as soon as its services are exported, before it is warm, and consumers "
                  + "call it at once",
              "set Dubbo's delay (milliseconds) in container " + c.getName() + ", e.g. env DUBBO_PROVIDER_DELAY="
                  + "\"5000\" or -Ddubbo.provider.delay=5000, with warmup (dubbo.provider.warmup)"
                  + (ferry ? "; spec.lifecycle.delayOnlineSeconds delays the Service's endpoints, not Dubbo's "
                      + "registry" : ""));
        }
      }
      if (!any && offlineUrl != null) {
        // The LosslessDeployment says its pods are in a registry (it takes them out of one).
        for (Container c : serving) {
          offline(c, "in a service registry (spec.lifecycle.offlineUrl)", offlineUrl);
        }
        if (lifecycle.getDelayOnlineSeconds() == null || lifecycle.getDelayOnlineSeconds() <= 0) {
          add(Risk.REGISTRY_NO_DELAY, null,
              "pods are in a service registry (spec.lifecycle.offlineUrl) but serve the moment they are ready, "
                  + "before the registry and its clients have caught up and before caches are warm",
              "set spec.lifecycle.delayOnlineSeconds, e.g. 5, or the registry client's own registration delay");
        }
      }
    }

    private void offline(Container c, String what, String offlineUrl) {
      PreStop p = PreStop.of(c.getLifecycle() == null ? null : c.getLifecycle().getPreStop());
      boolean offline = p != null && (p.offline() || (offlineUrl != null && p.text().contains(offlineUrl)));
      if (offline) {
        return;
      }
      String fix;
      int sleep = propagation();
      if (ferry && ownPreStop(c)) {
        fix = "call the registry offline (e.g. " + QOS_OFFLINE_URL + ") first in container " + c.getName()
            + "'s own preStop, or remove that hook so that Ferry renders one from spec.lifecycle.offlineUrl";
      } else if (ferry) {
        fix = "set spec.lifecycle.offlineUrl: " + QOS_OFFLINE_URL + " (Ferry's preStop calls it, then sleeps)";
      } else {
        fix = "take it out of the registry first in preStop, then wait: lifecycle: {preStop: {exec: {command: "
            + "[sh, -c, \"curl -s " + QOS_OFFLINE_URL + " || wget -qO- " + QOS_OFFLINE_URL + "; sleep " + sleep
            + "\"]}}}";
      }
      add(Risk.REGISTRY_NO_OFFLINE, c.getName(),
          "container " + c.getName() + " is " + what + " but " + (p == null ? "has no preStop" : "its preStop does not")
              + " take it out of the registry: consumers keep calling it until they learn, after SIGTERM, "
              + "that it is gone",
          fix);
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static void service(ObjectRef ref, Service s, List<HasMetadata> workloads, List<Finding> out) {
    if (s.getSpec() == null || !"local".equals(lower(s.getSpec().getExternalTrafficPolicy()))) {
      return;
    }
    String type = s.getSpec().getType();
    if (!"LoadBalancer".equals(type) && !"NodePort".equals(type)) {
      return;
    }
    List<HasMetadata> targets = workloads.stream().filter(w -> Relations.routesTo(s, w)).toList();
    if (!targets.isEmpty() && targets.stream().allMatch(w -> pinnedToOneNode(Relations.template(w)))) {
      return;
    }
    out.add(new Finding(Risk.EXTERNAL_TRAFFIC_LOCAL, ref, null,
        "externalTrafficPolicy: Local on a " + type + " Service: only nodes with a local ready pod take its "
            + "traffic, and the load balancer learns by health check, seconds later, that a node lost its last "
            + "pod (a release moves pods to other nodes); until then that node drops the connections",
        "set spec.externalTrafficPolicy: Cluster (keep client addresses with proxy protocol or X-Forwarded-For), "
            + "or make the load balancer target pod IPs (e.g. AWS NLB IP targets, GKE container-native) with "
            + "preStop longer than its deregistration"));
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
    Set<String> hosts = new java.util.HashSet<>();
    for (var term : affinity.getNodeSelectorTerms()) {
      boolean pinned = false;
      var reqs = new ArrayList<io.fabric8.kubernetes.api.model.NodeSelectorRequirement>();
      if (term.getMatchExpressions() != null) {
        reqs.addAll(term.getMatchExpressions().stream().filter(r -> "kubernetes.io/hostname".equals(r.getKey())).toList());
      }
      if (term.getMatchFields() != null) {
        reqs.addAll(term.getMatchFields().stream().filter(r -> "metadata.name".equals(r.getKey())).toList());
      }
      for (var r : reqs) {
        if ("In".equals(r.getOperator()) && r.getValues() != null && r.getValues().size() == 1) {
          hosts.add(r.getValues().get(0));
          pinned = true;
        }
      }
      if (!pinned) {
        return false;
      }
    }
    return hosts.size() == 1;
  }

  private static void ingress(ObjectRef ref, Ingress i, CheckOptions options, List<IngressClass> classes,
      List<Finding> out) {
    if (!Relations.servedByNginx(i, options.nginxClasses(), classes)) {
      return;
    }
    var a = i.getMetadata().getAnnotations();
    if (a != null && "true".equals(lower(a.get(SERVICE_UPSTREAM_ANNOTATION)))) {
      return;
    }
    String cls = Relations.ingressClass(i);
    out.add(new Finding(Risk.NGINX_NO_SERVICE_UPSTREAM, ref, null,
        "ingress-nginx" + (cls == null ? " (default class)" : " (class " + cls + ")") + " sends requests "
            + "straight to the pod IPs it learned from the endpoints, and learns changes late: a pod that is "
            + "stopping keeps getting requests",
        "add the annotation " + SERVICE_UPSTREAM_ANNOTATION + ": \"true\" (nginx then proxies to the Service's "
            + "ClusterIP, and kube-proxy, which preStop covers, picks the pod)"));
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }
}
