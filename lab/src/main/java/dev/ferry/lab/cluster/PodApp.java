package dev.ferry.lab.cluster;

import dev.ferry.workload.dubbo.DubboProvider;
import dev.ferry.workload.dubbo.DubboProviderConfig;
import dev.ferry.workload.http.HttpService;
import dev.ferry.workload.http.HttpServiceConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The container of a request/response pod: an {@link HttpService} (image {@code web:*} or
 * {@code people:*}) or a Dubbo provider (image {@code dubbo-provider:*}), on the pod's own loopback address. The kubelet needs
 * what a container runtime gives: start it, probe it, SIGTERM (its own graceful shutdown), SIGKILL.
 *
 * <p>The container's environment sets what the application would read from its own configuration:
 * <ul>
 *   <li>{@code web:*}: {@code STARTUP_MS} (until it listens; default the cluster's pod start-up),
 *       {@code SERVICE_MS} (per request, default 10), {@code SHUTDOWN_MS} (its graceful shutdown's
 *       limit, default 10,000), {@code COLD_EXTRA_MS} and {@code COLD_PERIOD_MS} (a cold start:
 *       that much more per request at first, falling to none over the period; default none), on
 *       port {@value #HTTP_PORT}; readiness probe {@code GET /ready};
 *   <li>{@code dubbo-provider:*}: {@code STARTUP_MS}, {@code DUBBO_PROVIDER_DELAY} and
 *       {@code DUBBO_PROVIDER_WARMUP} (Dubbo's {@code delay} and {@code warmup}, ms; default 0:
 *       none), {@code DUBBO_SHUTWAIT} (ms, default 10,000), {@code SERVICE_MS}, {@code COLD_EXTRA_MS}
 *       and {@code COLD_PERIOD_MS} (from Dubbo's start); Dubbo on port
 *       {@value #DUBBO_PORT}, QoS on {@value #QOS_PORT}; readiness probe a TCP connect to the Dubbo port;
 *   <li>{@code people:<version>}: the people example (see {@link PeopleImages}) on port
 *       {@value #HTTP_PORT}, its database from {@code JDBC_URL}, {@code DB_USER}, {@code DB_PASSWORD}
 *       (Secret references resolved by the kubelet); readiness probe {@code GET /ready}.
 * </ul>
 */
interface PodApp {

  int HTTP_PORT = 8080;
  int DUBBO_PORT = 20880;
  int QOS_PORT = 22222;

  /** The pod's address. */
  String ip();

  /** The readiness probe, once. */
  boolean probe(HttpClient http);

  /** SIGTERM: the application's own graceful shutdown; completes when it is over. */
  CompletableFuture<Void> terminate();

  /** SIGKILL: everything closed now. */
  void kill();

  /** The lab closes: as fast as the application can go; completes when it is gone. */
  default CompletableFuture<Void> shutdownNow() {
    kill();
    return CompletableFuture.completedFuture(null);
  }

  /** Whether {@code image} is a request/response workload this kubelet runs as an app. */
  static boolean handles(String image) {
    return image != null && (imageName(image).equals("web") || imageName(image).equals("dubbo-provider")
        || imageName(image).equals(PeopleImages.SERVICE));
  }

  private static String imageName(String image) {
    String s = image.substring(image.lastIndexOf('/') + 1);
    int colon = s.indexOf(':');
    return (colon < 0 ? s : s.substring(0, colon)).toLowerCase(Locale.ROOT);
  }

  /** Starts the pod's application on {@code ip} (it listens once its own start-up time has passed). */
  static PodApp start(Pod pod, Map<String, String> env, String ip, Duration defaultStartup, String dubboRegistry) {
    Container c = pod.getSpec().getContainers().get(0);
    String name = Pods.name(pod);
    Duration startup = ms(env, "STARTUP_MS", defaultStartup.toMillis());
    Duration service = ms(env, "SERVICE_MS", 10);
    if (imageName(c.getImage()).equals(PeopleImages.SERVICE)) {
      return PeopleImages.startService(name, PodTask.tag(c.getImage()), env, new InetSocketAddress(ip, HTTP_PORT), startup);
    }
    if (imageName(c.getImage()).equals("web")) {
      HttpService s = HttpService.start(HttpServiceConfig.of(name, new InetSocketAddress(ip, HTTP_PORT))
          .withStartupTime(startup).withServiceTime(service).withShutdownTime(ms(env, "SHUTDOWN_MS", 10_000))
          .withColdStart(ms(env, "COLD_EXTRA_MS", 0), ms(env, "COLD_PERIOD_MS", 0)));
      return new HttpApp(ip, s);
    }
    if (dubboRegistry == null) {
      throw new IllegalStateException("a dubbo-provider pod needs the cluster's Dubbo registry (ClusterConfig.dubboRegistry)");
    }
    DubboProvider p = DubboProvider.start(DubboProviderConfig.of(name, new InetSocketAddress(ip, DUBBO_PORT), QOS_PORT, dubboRegistry)
        .withStartupTime(startup)
        .withDelay(ms(env, "DUBBO_PROVIDER_DELAY", 0))
        .withWarmup(ms(env, "DUBBO_PROVIDER_WARMUP", 0))
        .withShutdownWait(ms(env, "DUBBO_SHUTWAIT", 10_000))
        .withServiceTime(service)
        .withColdStart(ms(env, "COLD_EXTRA_MS", 0), ms(env, "COLD_PERIOD_MS", 0)));
    return new DubboApp(ip, p);
  }

  private static Duration ms(Map<String, String> env, String key, long dflt) {
    String v = env.get(key);
    try {
      return Duration.ofMillis(v == null ? dflt : Long.parseLong(v.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("env " + key + " is not a number of milliseconds: " + v);
    }
  }

  /** {@code web:*}: the HTTP service with Ferry's drain protocol. */
  record HttpApp(String ip, HttpService service) implements PodApp {
    @Override
    public boolean probe(HttpClient http) {
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + HTTP_PORT + "/ready"))
            .timeout(LabPods.PROBE_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.discarding());
        return r.statusCode() == 200;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    @Override
    public CompletableFuture<Void> terminate() {
      return service.stop();
    }

    @Override
    public void kill() {
      service.kill();
    }
  }

  /**
   * {@code dubbo-provider:*}: a Dubbo 3 provider. In this process it cannot be SIGKILLed: a kill
   * is its graceful shutdown, not waited for.
   */
  record DubboApp(String ip, DubboProvider provider) implements PodApp {
    @Override
    public boolean probe(HttpClient http) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(ip, DUBBO_PORT), 300);
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public CompletableFuture<Void> terminate() {
      return provider.stop();
    }

    @Override
    public void kill() {
      provider.stop();
    }

    @Override
    public CompletableFuture<Void> shutdownNow() {
      return provider.stop();
    }
  }
}
