package dev.ferry.lab.cluster;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The objects the lab's scenarios deploy: a broker pod template, its Service, and the plain
 * Kubernetes workloads the baselines use (a StatefulSet for {@code rolling}, ReplicaSets for
 * {@code bluegreen-plain}). Plain values, not yet created: pass them to {@link EmbeddedCluster#create}.
 */
public final class Workloads {

  private Workloads() {}

  /**
   * A broker pod template: labels {@code app=<app>} plus {@code extraLabels}, one container
   * {@code emqx} with the given image and the MQTT port named {@code mqtt}. The lab's kubelet runs
   * a lab broker for it (the image's tag is the version the EMQX API reports).
   */
  public static PodTemplateSpec brokerTemplate(String app, String image, Map<String, String> extraLabels) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app", app);
    labels.putAll(extraLabels);
    return new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec()
          .addNewContainer()
            .withName("emqx").withImage(image)
            .addNewPort().withName("mqtt").withContainerPort(1883).withProtocol("TCP").endPort()
            .addNewPort().withName("dashboard").withContainerPort(18083).withProtocol("TCP").endPort()
          .endContainer()
          .withTerminationGracePeriodSeconds(30L)
        .endSpec()
        .build();
  }

  /** A ClusterIP Service {@code name} on port 1883 (named {@code mqtt}) selecting {@code selector}. */
  public static Service mqttService(String name, Map<String, String> selector) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
          .withSelector(new LinkedHashMap<>(selector))
          .addNewPort().withName("mqtt").withPort(1883).withTargetPort(new IntOrString("mqtt")).withProtocol("TCP").endPort()
        .endSpec()
        .build();
  }

  /** A StatefulSet {@code name} of {@code replicas} brokers labelled {@code app=name}, rolling update by default. */
  public static StatefulSet brokerStatefulSet(String name, int replicas, String image) {
    return new StatefulSetBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withServiceName(name + "-headless")
          .withNewSelector().addToMatchLabels("app", name).endSelector()
          .withTemplate(brokerTemplate(name, image, Map.of()))
          .withNewUpdateStrategy().withType("RollingUpdate").endUpdateStrategy()
        .endSpec()
        .build();
  }

  /** A ReplicaSet {@code <app>-<color>} of brokers labelled {@code app=<app>, color=<color>}. */
  public static ReplicaSet brokerReplicaSet(String app, String color, int replicas, String image) {
    return new ReplicaSetBuilder()
        .withNewMetadata().withName(app + "-" + color).addToLabels("app", app).addToLabels("color", color).endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withNewSelector().addToMatchLabels("app", app).addToMatchLabels("color", color).endSelector()
          .withTemplate(brokerTemplate(app, image, Map.of("color", color)))
        .endSpec()
        .build();
  }

  /**
   * The {@code ferry} scenario's LosslessDeployment: {@code replicas} brokers released blue-green,
   * each old node evacuated through the EMQX API at {@code connEvictRate} (API key in the Secret
   * {@code apiKeySecret}), Service {@code name}.
   */
  public static dev.ferry.api.v1alpha1.LosslessDeployment brokerLosslessDeployment(
      String name, int replicas, String image, int connEvictRate, int waitTakeoverSeconds,
      int initialDelaySeconds, String apiKeySecret) {
    var ld = new dev.ferry.api.v1alpha1.LosslessDeployment();
    ld.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
    var spec = new dev.ferry.api.v1alpha1.LosslessDeploymentSpec();
    spec.setReplicas(replicas);
    spec.setSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addToMatchLabels("app", name).build());
    spec.setTemplate(brokerTemplate(name, image, Map.of()));
    var service = new dev.ferry.api.v1alpha1.ServiceReference();
    service.setName(name);
    spec.setService(service);
    var strategy = new dev.ferry.api.v1alpha1.DeploymentStrategy(dev.ferry.api.v1alpha1.StrategyType.BLUE_GREEN);
    var bg = new dev.ferry.api.v1alpha1.BlueGreenStrategy();
    bg.setInitialDelaySeconds(initialDelaySeconds);
    bg.setAutoPromote(true);
    bg.setProgressDeadlineSeconds(300);
    strategy.setBlueGreen(bg);
    spec.setStrategy(strategy);
    var drain = new dev.ferry.api.v1alpha1.DrainSpec(dev.ferry.api.v1alpha1.DrainType.EMQX);
    drain.setConnEvictRate(connEvictRate);
    drain.setSessEvictRate(connEvictRate);
    drain.setWaitTakeover(waitTakeoverSeconds);
    drain.setWaitHealthCheck(0);
    drain.setTimeoutSeconds(600);
    var emqx = new dev.ferry.api.v1alpha1.EmqxDrain();
    emqx.setPort(18083);
    emqx.setApiKeySecret(apiKeySecret);
    drain.setEmqx(emqx);
    spec.setDrain(drain);
    ld.setSpec(spec);
    return ld;
  }

  // ---------------------------------------------------------------- request/response workloads

  /**
   * A pod template of a request/response service: labels {@code app=<app>} plus {@code
   * extraLabels}, one container of {@code image} ({@code web:*}: the HTTP service on port 8080
   * named {@code http}, readiness probe {@code GET /ready}; {@code dubbo-provider:*}: Dubbo on
   * 20880 named {@code dubbo}, QoS on 22222), with {@code env} for the application (see the lab's
   * kubelet: {@code STARTUP_MS}, {@code DUBBO_PROVIDER_DELAY}, ...). No preStop, no grace period:
   * Kubernetes' defaults, as users have them today.
   */
  public static PodTemplateSpec appTemplate(String app, String image, Map<String, String> extraLabels, Map<String, String> env) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app", app);
    labels.putAll(extraLabels);
    boolean dubbo = image.startsWith("dubbo-provider");
    var c = new io.fabric8.kubernetes.api.model.ContainerBuilder().withName(dubbo ? "provider" : "web").withImage(image);
    if (dubbo) {
      c.addNewPort().withName("dubbo").withContainerPort(20880).withProtocol("TCP").endPort()
          .addNewPort().withName("qos").withContainerPort(22222).withProtocol("TCP").endPort()
          .withNewReadinessProbe().withNewTcpSocket().withPort(new IntOrString("dubbo")).endTcpSocket()
            .withPeriodSeconds(1).endReadinessProbe();
    } else {
      c.addNewPort().withName("http").withContainerPort(8080).withProtocol("TCP").endPort()
          .withNewReadinessProbe().withNewHttpGet().withPath("/ready").withPort(new IntOrString("http")).endHttpGet()
            .withPeriodSeconds(1).endReadinessProbe();
    }
    env.forEach((k, v) -> c.addNewEnv().withName(k).withValue(v).endEnv());
    return new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec().withContainers(c.build()).endSpec()
        .build();
  }

  /** A ClusterIP Service {@code name} with one port ({@code portName}, {@code port}) selecting {@code app=name}. */
  public static Service appService(String name, String portName, int port) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
          .withSelector(new LinkedHashMap<>(Map.of("app", name)))
          .addNewPort().withName(portName).withPort(port).withTargetPort(new IntOrString(portName)).withProtocol("TCP").endPort()
        .endSpec()
        .build();
  }

  /**
   * A LosslessDeployment of request/response pods, strategy {@code Rolling} with {@code maxSurge}
   * and {@code maxUnavailable}, {@code lifecycle} as given, and a drain ({@code http} on the pods'
   * port 8080 {@code /drain}, or {@code none}).
   */
  public static dev.ferry.api.v1alpha1.LosslessDeployment appLosslessDeployment(
      String name, int replicas, String image, Map<String, String> env, int maxSurge, int maxUnavailable,
      dev.ferry.api.v1alpha1.LifecycleSpec lifecycle, boolean httpDrain) {
    var ld = new dev.ferry.api.v1alpha1.LosslessDeployment();
    ld.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
    var spec = new dev.ferry.api.v1alpha1.LosslessDeploymentSpec();
    spec.setReplicas(replicas);
    spec.setSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addToMatchLabels("app", name).build());
    spec.setTemplate(appTemplate(name, image, Map.of(), env));
    var service = new dev.ferry.api.v1alpha1.ServiceReference();
    service.setName(name);
    spec.setService(service);
    var strategy = new dev.ferry.api.v1alpha1.DeploymentStrategy(dev.ferry.api.v1alpha1.StrategyType.ROLLING);
    var rolling = new dev.ferry.api.v1alpha1.RollingStrategy();
    rolling.setMaxSurge(new IntOrString(maxSurge));
    rolling.setMaxUnavailable(new IntOrString(maxUnavailable));
    rolling.setProgressDeadlineSeconds(300);
    strategy.setRolling(rolling);
    spec.setStrategy(strategy);
    var drain = new dev.ferry.api.v1alpha1.DrainSpec(httpDrain ? dev.ferry.api.v1alpha1.DrainType.HTTP : dev.ferry.api.v1alpha1.DrainType.NONE);
    drain.setTimeoutSeconds(60);
    drain.setWaitTakeover(0);
    if (httpDrain) {
      var http = new dev.ferry.api.v1alpha1.HttpDrain();
      http.setPort(8080);
      http.setPath("/drain");
      drain.setHttp(http);
    }
    spec.setDrain(drain);
    spec.setLifecycle(lifecycle);
    ld.setSpec(spec);
    return ld;
  }
}
