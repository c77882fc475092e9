package dev.ferry.lab.cluster;

import dev.ferry.lab.net.Balancing;
import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link EmbeddedCluster} behaves. Build one with {@link #builder()}; every field has a
 * default that suits a lab run on loopback.
 *
 * @param namespace the namespace the components serve (and the default of the clients)
 * @param apiServerHost the loopback address of the API server
 * @param apiServerPort its port (0: any free port)
 * @param syncPeriod how long each component waits between two passes (bounded: at least 20 ms)
 * @param podStartup from a pod's broker start to its first readiness probe (the container's
 *     start-up time: ContainersReady cannot come earlier)
 * @param probePeriod how often the readiness probe runs once the start-up time has passed
 * @param balancing how each Service picks the endpoint of a new connection
 * @param propagationDelay how late each Service's proxy sees an EndpointSlice change
 * @param apiKey the brokers' EMQX API key (in a Secret: {@link EmbeddedCluster#createApiKeySecret})
 * @param apiSecret the brokers' EMQX API secret
 * @param clusterLabel pods with the same value of this label form one broker cluster
 * @param crashingImage a pod whose image contains this never starts (null: none)
 * @param mqttPort each pod's MQTT port on its own address
 * @param apiPort each pod's EMQX API port (0: the dialect's own, 18083 for v5 and 8081 for v4)
 * @param clusterPort each pod's inter-node port
 * @param emqx which EMQX each pod's broker behaves as: the dialect, the edition, the pacing and the
 *     improvements on (none by default: EMQX as it is); a pod's image tag gives the version when its
 *     major version is the profile's
 * @param brokerProcesses each pod's broker runs in a JVM of its own rather than in this process
 *     (a large lab: one process has about 20,000 open files)
 * @param dubboRegistry the registry {@code dubbo-provider:*} pods register with, e.g.
 *     {@code zookeeper://127.0.20.9:2181} (null: none, such pods crash)
 * @param jobBackoff the Job controller's wait before the pod after a Job's first failed one,
 *     doubled per failure (Kubernetes: 10 s; the lab's default 1 s keeps a failing Job's retries
 *     within a scenario's time)
 * @param kube which Kubernetes: fabric8's mock API server with the lab's controllers, or the real
 *     etcd, kube-apiserver and kube-controller-manager with the shared kubelet
 */
public record ClusterConfig(
    String namespace,
    String apiServerHost,
    int apiServerPort,
    Duration syncPeriod,
    Duration podStartup,
    Duration probePeriod,
    Balancing balancing,
    Duration propagationDelay,
    String apiKey,
    String apiSecret,
    String clusterLabel,
    String crashingImage,
    int mqttPort,
    int apiPort,
    int clusterPort,
    dev.ferry.broker.EmqxProfile emqx,
    boolean brokerProcesses,
    String dubboRegistry,
    Duration jobBackoff,
    Kube kube) {

  public ClusterConfig {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(apiServerHost, "apiServerHost");
    Objects.requireNonNull(balancing, "balancing");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(apiSecret, "apiSecret");
    Objects.requireNonNull(clusterLabel, "clusterLabel");
    Objects.requireNonNull(emqx, "emqx");
    Objects.requireNonNull(kube, "kube");
    if (apiPort == 0) {
      apiPort = emqx.dialect() == dev.ferry.broker.EmqxProfile.Dialect.V4 ? 8081 : 18083;
    }
    if (syncPeriod.compareTo(Duration.ofMillis(20)) < 0 || podStartup.isNegative() || probePeriod.isNegative()
        || propagationDelay.isNegative() || jobBackoff.isNegative()) {
      throw new IllegalArgumentException("sync period at least 20 ms, other durations not negative: " + this);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Lab defaults: namespace {@code lab}, 100 ms passes, 1 s start-up, random balancing, 200 ms propagation. */
  public static final class Builder {
    private String namespace = "lab";
    private String apiServerHost = Loopback.API_SERVER;
    private int apiServerPort;
    private Duration syncPeriod = Duration.ofMillis(100);
    private Duration podStartup = Duration.ofSeconds(1);
    private Duration probePeriod = Duration.ofMillis(250);
    private Balancing balancing = Balancing.RANDOM;
    private Duration propagationDelay = Duration.ofMillis(200);
    private String apiKey = "ferry-lab";
    private String apiSecret = "lab-secret-not-logged";
    private String clusterLabel = "app";
    private String crashingImage = "bad";
    private int mqttPort = 1883;
    private int apiPort;
    private int clusterPort = 4370;
    private dev.ferry.broker.EmqxProfile emqx = dev.ferry.broker.EmqxProfile.DEFAULT;
    private boolean brokerProcesses;
    private Kube kube = Kube.EMBEDDED;
    private String dubboRegistry;
    private Duration jobBackoff = Duration.ofSeconds(1);

    public Builder namespace(String v) { namespace = v; return this; }
    public Builder apiServer(String host, int port) { apiServerHost = host; apiServerPort = port; return this; }
    public Builder syncPeriod(Duration v) { syncPeriod = v; return this; }
    public Builder podStartup(Duration v) { podStartup = v; return this; }
    public Builder probePeriod(Duration v) { probePeriod = v; return this; }
    public Builder balancing(Balancing v) { balancing = v; return this; }
    public Builder propagationDelay(Duration v) { propagationDelay = v; return this; }
    public Builder apiCredentials(String key, String secret) { apiKey = key; apiSecret = secret; return this; }
    public Builder clusterLabel(String v) { clusterLabel = v; return this; }
    public Builder crashingImage(String v) { crashingImage = v; return this; }
    public Builder ports(int mqtt, int api, int cluster) { mqttPort = mqtt; apiPort = api; clusterPort = cluster; return this; }

    public Builder emqx(dev.ferry.broker.EmqxProfile v) { emqx = v; return this; }
    public Builder brokerProcesses(boolean v) { brokerProcesses = v; return this; }
    public Builder dubboRegistry(String v) { dubboRegistry = v; return this; }
    public Builder jobBackoff(Duration v) { jobBackoff = v; return this; }
    public Builder kube(Kube v) { kube = v; return this; }

    public ClusterConfig build() {
      return new ClusterConfig(namespace, apiServerHost, apiServerPort, syncPeriod, podStartup, probePeriod,
          balancing, propagationDelay, apiKey, apiSecret, clusterLabel, crashingImage, mqttPort, apiPort, clusterPort,
          emqx, brokerProcesses, dubboRegistry, jobBackoff, kube);
    }
  }

  @Override
  public String toString() {
    // The secret never appears in logs.
    return "ClusterConfig[kube=" + kube.label() + ", namespace=" + namespace + ", api=" + apiServerHost + ":" + apiServerPort
        + ", sync=" + syncPeriod + ", startup=" + podStartup + ", balancing=" + balancing
        + ", propagation=" + propagationDelay + ", apiKey=" + apiKey + "]";
  }
}
