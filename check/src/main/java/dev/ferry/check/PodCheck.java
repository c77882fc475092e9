package dev.ferry.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ferry.api.v1alpha1.LifecycleSpec;
import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.operator.deployment.TemplateRenderer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The checks of one workload's pods: readiness, preStop, registry offline and delay for each
 * container, then the grace period, judged on the workload with the other fixes merged in (a preStop
 * the fixes add must fit in the grace period as much as one that is there): so one run's fixes,
 * applied together, leave nothing for the next run.
 *
 * <p>A Deployment is judged by its pod template; a LosslessDeployment by the template the operator
 * renders from it ({@link TemplateRenderer}), and its fixes are {@code spec.lifecycle} fields except
 * for a container's own preStop, which Ferry keeps as it is.
 */
final class PodCheck {

  /** Dubbo's default registration delay to suggest, in milliseconds. */
  static final String DUBBO_DELAY_MILLIS = "5000";
  /** What stands for what the object does not say: the app's readiness endpoint, a port it does not declare. */
  static final String PATH_PLACEHOLDER = "<path>";
  static final String PORT_PLACEHOLDER = "<port>";

  private final ObjectRef ref;
  private final HasMetadata workload;
  private final PodTemplateSpec original;
  private final PodTemplateSpec rendered;
  private final LifecycleSpec lifecycle;
  private final boolean ferry;
  private final CheckOptions options;
  private final Set<Risk> ignored;
  private final List<Finding> out = new ArrayList<>();
  /** The preStop each container gets from the fixes found (not those of ignored risks), by container name. */
  private final Map<String, ObjectNode> hookFixes = new HashMap<>();

  private PodCheck(ObjectRef ref, HasMetadata workload, CheckOptions options, Set<Risk> ignored) {
    this.ref = ref;
    this.workload = workload;
    this.options = options;
    this.ignored = ignored;
    this.original = Relations.template(workload);
    this.ferry = workload instanceof LosslessDeployment;
    this.lifecycle = workload instanceof LosslessDeployment ld ? ld.getSpec().getLifecycle() : null;
    this.rendered = workload instanceof LosslessDeployment ld ? TemplateRenderer.render(ld) : original;
  }

  /** The risks of a Deployment or LosslessDeployment; {@code ignored} ones are found but their fixes not assumed. */
  static List<Finding> check(ObjectRef ref, HasMetadata workload, CheckOptions options, Set<Risk> ignored) {
    PodCheck c = new PodCheck(ref, workload, options, ignored);
    c.run();
    return c.out;
  }

  private void run() {
    List<Container> containers = rendered.getSpec().getContainers();
    // The containers that serve: those that declare ports; when none does, all of them.
    List<Container> serving = containers.stream().filter(c -> c.getPorts() != null && !c.getPorts().isEmpty())
        .toList();
    if (serving.isEmpty()) {
      serving = containers;
    }
    serving.forEach(this::readiness);
    List<AppSettings> apps = containers.stream().map(AppSettings::of).toList();
    boolean dubbo = apps.stream().anyMatch(AppSettings::dubbo);
    for (int i = 0; i < containers.size(); i++) {
      preStop(containers.get(i), serving.contains(containers.get(i)), apps.get(i), dubbo);
    }
    registryDelay(containers, apps, dubbo);
    grace();
  }

  private void add(Risk risk, String container, String what, String fix, ObjectNode patch) {
    out.add(new Finding(risk, ref, container, what, fix, patch));
  }

  // ---------------------------------------------------------------------------------------------

  private void readiness(Container c) {
    if (c.getReadinessProbe() != null) {
      return;
    }
    JsonNode port = TextNode.valueOf(PORT_PLACEHOLDER);
    if (c.getPorts() != null && !c.getPorts().isEmpty()) {
      var p = c.getPorts().get(0);
      port = p.getName() != null ? TextNode.valueOf(p.getName()) : IntNode.valueOf(p.getContainerPort());
    }
    ObjectNode probe = Patch.object();
    ObjectNode get = probe.putObject("readinessProbe").putObject("httpGet");
    get.put("path", PATH_PLACEHOLDER);
    get.set("port", port);
    ((ObjectNode) probe.get("readinessProbe")).put("periodSeconds", 2);
    add(Risk.NO_READINESS_PROBE, c.getName(),
        "container " + c.getName() + " has no readinessProbe: it counts as ready, and "
            + (ferry ? "Ferry opens its serving gate, " : "gets traffic ")
            + "as soon as it starts, before the app can serve",
        "add to container " + c.getName() + " a readinessProbe that passes only once the app can serve: "
            + Patch.flow(probe) + " (" + PATH_PLACEHOLDER + ": the app's readiness endpoint"
            + (port.isTextual() && Patch.isPlaceholder(port.asText())
                ? "; " + PORT_PLACEHOLDER + ": the port it serves on, which the container does not declare" : "")
            + ")",
        Patch.container(c.getName(), probe));
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

  /** The container of the user's template: whether it had its own preStop (Ferry keeps it). */
  private boolean ownPreStop(Container c) {
    return original.getSpec().getContainers().stream().filter(o -> Objects.equals(o.getName(), c.getName()))
        .anyMatch(o -> o.getLifecycle() != null && o.getLifecycle().getPreStop() != null);
  }

  /**
   * no-prestop, prestop-too-short and registry-no-offline of one container. They are about one
   * hook, so for a hook of the container's own they carry one patch, which makes it right for all.
   */
  private void preStop(Container c, boolean serving, AppSettings app, boolean anyDubbo) {
    LifecycleHandler hook = c.getLifecycle() == null ? null : c.getLifecycle().getPreStop();
    PreStop p = PreStop.of(hook);
    int need = propagation();
    boolean tooShort = serving && (p == null || (p.exact() && p.atLeastSeconds() < need));
    String offlineUrl = lifecycle == null ? null : lifecycle.getOfflineUrl();
    // A Dubbo provider is in a registry; a LosslessDeployment with an offlineUrl says its pods are
    // (its serving containers, when no container says it is a Dubbo provider).
    boolean registry = app.dubbo() || (!anyDubbo && serving && offlineUrl != null);
    boolean offline = p != null && (p.offline() || (offlineUrl != null && p.text().contains(offlineUrl)));
    boolean offlineMissing = registry && !offline;
    if (!tooShort && !offlineMissing) {
      return;
    }
    boolean ownHook = !ferry || ownPreStop(c);
    String callUrl = app.dubbo() ? Checker.QOS_OFFLINE_URL : offlineUrl;
    ObjectNode hookPatch = ownHook ? HookFix.preStop(hook, p, need, offlineMissing ? callUrl : null) : null;
    if (tooShort) {
      Risk risk = p == null ? Risk.NO_PRESTOP : Risk.PRESTOP_TOO_SHORT;
      ObjectNode patch = ownHook ? hookPatch(risk, c, hookPatch)
          : Patch.lifecycle("preStopSleepSeconds", IntNode.valueOf(need));
      if (p == null) {
        add(Risk.NO_PRESTOP, c.getName(), "container " + c.getName() + " has no preStop hook: it gets SIGTERM the "
            + "moment its pod is deleted, while kube-proxy, ingresses and load balancers still send it requests for "
            + "up to " + need + "s (" + propagationSource() + ")", noPreStopFix(c, ownHook, hookPatch, need), patch);
      } else {
        add(Risk.PRESTOP_TOO_SHORT, c.getName(), "container " + c.getName() + "'s preStop (" + p.text() + ") lasts "
            + p.lengthText() + ", less than the " + need + "s endpoint changes take to propagate ("
            + propagationSource() + "): SIGTERM comes while requests still arrive",
            tooShortFix(c, ownHook, hookPatch, need), patch);
      }
    }
    if (offlineMissing) {
      offline(c, app, p, ownHook, hookPatch, callUrl);
    }
  }

  /** The patch that gives container {@code c} the hook {@code hook}; noted for the grace period unless {@code risk} is ignored. */
  private ObjectNode hookPatch(Risk risk, Container c, ObjectNode hook) {
    if (!ignored.contains(risk)) {
      hookFixes.put(c.getName(), hook);
    }
    return hookPatchOf(c, hook);
  }

  private static ObjectNode hookPatchOf(Container c, ObjectNode hook) {
    ObjectNode lifecycle = Patch.object();
    lifecycle.putObject("lifecycle").set("preStop", hook);
    return Patch.container(c.getName(), lifecycle);
  }

  /** The hook as a line of YAML, and which action of the current hook it replaces (the patch's nulls). */
  private static String hookText(ObjectNode hook) {
    ObjectNode shown = hook.deepCopy();
    List<String> replaced = new ArrayList<>();
    hook.fields().forEachRemaining(f -> {
      if (f.getValue().isNull()) {
        replaced.add(f.getKey());
        shown.remove(f.getKey());
      }
    });
    return "lifecycle: {preStop: " + Patch.flow(shown) + "}"
        + (replaced.isEmpty() ? "" : " in place of its " + String.join(", ", replaced) + " action");
  }

  private String noPreStopFix(Container c, boolean ownHook, ObjectNode hook, int need) {
    if (ownHook) {
      return "add to container " + c.getName() + ": " + hookText(hook)
          + (hook.has("sleep") ? " (Kubernetes 1.30+; before, with a shell in the image: exec: {command: "
              + "[sh, -c, \"sleep " + need + "\"]})" : "");
    }
    return lifecycle == null
        ? "add spec.lifecycle: {preStopSleepSeconds: " + need + "}: Ferry then renders the preStop hook and a grace "
            + "period that covers it"
        : "set spec.lifecycle.preStopSleepSeconds: " + need;
  }

  private String tooShortFix(Container c, boolean ownHook, ObjectNode hook, int need) {
    if (!ownHook) {
      return "set spec.lifecycle.preStopSleepSeconds: " + need;
    }
    String hookText = hookText(hook);
    return ferry
        ? "make container " + c.getName() + "'s own preStop (Ferry keeps it as it is) sleep at least " + need + "s: "
            + hookText + ", or remove it so that Ferry renders one from spec.lifecycle"
        : "make container " + c.getName() + "'s preStop sleep at least " + need + "s: " + hookText;
  }

  private void offline(Container c, AppSettings app, PreStop p, boolean ownHook, ObjectNode hook, String url) {
    String what = app.dubbo() ? "a Dubbo provider (" + app.dubboSignal() + ")"
        : "in a service registry (spec.lifecycle.offlineUrl)";
    String hookText = ownHook ? hookText(hook) : null;
    String fix;
    if (!ownHook) {
      fix = "set spec.lifecycle.offlineUrl: " + url + " (Ferry's preStop calls it, then sleeps)";
    } else if (ferry) {
      fix = "call the registry offline first in container " + c.getName() + "'s own preStop: " + hookText
          + ", or remove that hook so that Ferry renders one from spec.lifecycle.offlineUrl";
    } else {
      fix = "take it out of the registry first in preStop, then wait: " + hookText;
    }
    add(Risk.REGISTRY_NO_OFFLINE, c.getName(),
        "container " + c.getName() + " is " + what + " but " + (p == null ? "has no preStop" : "its preStop does not")
            + " take it out of the registry: consumers keep calling it until they learn, after SIGTERM, "
            + "that it is gone",
        fix, ownHook ? hookPatch(Risk.REGISTRY_NO_OFFLINE, c, hook) : Patch.lifecycle("offlineUrl", TextNode.valueOf(url)));
  }

  private void registryDelay(List<Container> containers, List<AppSettings> apps, boolean dubbo) {
    for (int i = 0; i < containers.size(); i++) {
      Container c = containers.get(i);
      AppSettings s = apps.get(i);
      if (!s.dubbo() || s.dubboDelayMillis().isPresent()) {
        continue;
      }
      ObjectNode env = Patch.object();
      env.putArray("env").addObject().put("name", "DUBBO_PROVIDER_DELAY").put("value", DUBBO_DELAY_MILLIS);
      add(Risk.REGISTRY_NO_DELAY, c.getName(),
          "container " + c.getName() + " is a Dubbo provider (" + s.dubboSignal() + ") with no registration "
              + "delay: it registers as soon as its services are exported, before it is warm, and consumers "
              + "call it at once",
          "set Dubbo's delay (milliseconds) in container " + c.getName() + ", e.g. env DUBBO_PROVIDER_DELAY=\""
              + DUBBO_DELAY_MILLIS + "\" or -Ddubbo.provider.delay=" + DUBBO_DELAY_MILLIS
              + ", with warmup (dubbo.provider.warmup)" + (ferry ? "; spec.lifecycle.delayOnlineSeconds delays "
                  + "the Service's endpoints, not Dubbo's registry" : ""),
          Patch.container(c.getName(), env));
    }
    if (!dubbo && lifecycle != null && lifecycle.getOfflineUrl() != null
        && (lifecycle.getDelayOnlineSeconds() == null || lifecycle.getDelayOnlineSeconds() <= 0)) {
      add(Risk.REGISTRY_NO_DELAY, null,
          "pods are in a service registry (spec.lifecycle.offlineUrl) but serve the moment they are ready, "
              + "before the registry and its clients have caught up and before caches are warm",
          "set spec.lifecycle.delayOnlineSeconds, e.g. " + options.propagationSeconds()
              + ", or the registry client's own registration delay",
          Patch.lifecycle("delayOnlineSeconds", IntNode.valueOf(options.propagationSeconds())));
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * The pod template as it is after the fixes found so far (not those of ignored risks), and the
   * lifecycle it is rendered with. A LosslessDeployment's fixes may change {@code spec.lifecycle}:
   * it is patched and rendered again. A Deployment's change only preStop hooks: each is the
   * hook of its patch, which says all of it.
   */
  private Pod fixedPod() {
    if (ferry) {
      List<Finding> fixes = out.stream().filter(f -> !ignored.contains(f.risk())).toList();
      if (fixes.isEmpty()) {
        return new Pod(rendered, lifecycle, false);
      }
      ObjectNode tree = YamlInput.MAPPER.valueToTree(workload);
      fixes.forEach(f -> Patch.merge(tree, f.patch()));
      LosslessDeployment fixed = YamlInput.K8S.convertValue(tree, LosslessDeployment.class);
      return new Pod(TemplateRenderer.render(fixed), fixed.getSpec().getLifecycle(), true);
    }
    if (hookFixes.isEmpty()) {
      return new Pod(rendered, null, false);
    }
    PodTemplateSpec t = new PodTemplateSpec(rendered.getMetadata(), new io.fabric8.kubernetes.api.model.PodSpec());
    t.getSpec().setTerminationGracePeriodSeconds(rendered.getSpec().getTerminationGracePeriodSeconds());
    List<Container> containers = new ArrayList<>();
    for (Container c : rendered.getSpec().getContainers()) {
      ObjectNode hook = hookFixes.get(c.getName());
      if (hook == null) {
        containers.add(c);
        continue;
      }
      ObjectNode set = hook.deepCopy();
      set.properties().removeIf(e -> e.getValue().isNull()); // the actions the patch takes away
      Container fixed = new io.fabric8.kubernetes.api.model.ContainerBuilder(c).withNewLifecycle()
          .withPreStop(YamlInput.K8S.convertValue(set, LifecycleHandler.class)).endLifecycle().build();
      containers.add(fixed);
    }
    t.getSpec().setContainers(containers);
    return new Pod(t, null, true);
  }

  /** A pod template as it would run, and the LosslessDeployment lifecycle it was rendered with (or null). */
  private record Pod(PodTemplateSpec template, LifecycleSpec lifecycle, boolean withFixes) {}

  private void grace() {
    Pod pod = fixedPod();
    PodTemplateSpec t = pod.template();
    LifecycleSpec l = pod.lifecycle();
    boolean withFixes = pod.withFixes();
    List<Container> containers = t.getSpec().getContainers();
    Long set = t.getSpec().getTerminationGracePeriodSeconds();
    long grace = set == null ? Checker.DEFAULT_GRACE_SECONDS : set;
    double preStop = containers.stream().map(c -> PreStop.of(c.getLifecycle() == null ? null
        : c.getLifecycle().getPreStop())).filter(Objects::nonNull).mapToDouble(PreStop::atLeastSeconds).max().orElse(0);
    int shutdown = options.shutdownSeconds();
    String shutdownSource = "assumed, --shutdown-seconds";
    OptionalInt declared = containers.stream().map(AppSettings::of).map(AppSettings::dubboShutdownSeconds)
        .filter(OptionalInt::isPresent).mapToInt(OptionalInt::getAsInt).max();
    if (l != null && l.getShutdownSeconds() != null) {
      shutdown = l.getShutdownSeconds();
      shutdownSource = "spec.lifecycle.shutdownSeconds";
    } else if (declared.isPresent()) {
      shutdown = declared.getAsInt();
      shutdownSource = "dubbo.service.shutdown.wait";
    }
    long need = (long) Math.ceil(preStop + shutdown);
    if (l != null) {
      need = Math.max(need, TemplateRenderer.graceNeeded(l));
    }
    if (grace >= need) {
      return;
    }
    String fix = "set spec.template.spec.terminationGracePeriodSeconds: " + need;
    if (l != null && TemplateRenderer.graceNeeded(l) >= need) {
      fix = "remove spec.template.spec.terminationGracePeriodSeconds (Ferry then sets preStop + "
          + "spec.lifecycle.shutdownSeconds = " + need + "s) or set it to at least " + need;
    }
    add(Risk.GRACE_TOO_SHORT, null,
        "terminationGracePeriodSeconds " + (set == null ? "(unset: " + grace + ")" : String.valueOf(grace))
            + " is shorter than preStop " + Checker.seconds(preStop) + (withFixes ? " (with the fixes above)" : "")
            + " + shutdown " + shutdown + "s (" + shutdownSource + "): the kubelet kills the pod (SIGKILL) with "
            + "requests in flight",
        fix, Patch.podSpec("terminationGracePeriodSeconds", need));
  }
}
