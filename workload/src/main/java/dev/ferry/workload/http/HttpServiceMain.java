package dev.ferry.workload.http;

import dev.ferry.workload.Args;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@link HttpService} as a process: {@code --pod NAME --address 127.0.5.1:8080 [--startup-ms N]
 * [--service-ms N] [--cold-extra-ms N --cold-period-ms N] [--shutdown-ms N]}. Prints {@code
 * started} when it listens. SIGTERM runs the graceful shutdown ({@link HttpService#stop()}).
 */
public final class HttpServiceMain {
  private HttpServiceMain() {}

  public static void main(String[] argv) throws Exception {
    Args a = new Args(argv);
    HttpServiceConfig c = HttpServiceConfig.of(a.string("pod"), a.address("address"))
        .withStartupTime(a.millis("startup-ms", Duration.ZERO))
        .withServiceTime(a.millis("service-ms", Duration.ofMillis(5)))
        .withColdStart(a.millis("cold-extra-ms", Duration.ZERO), a.millis("cold-period-ms", Duration.ZERO))
        .withShutdownTime(a.millis("shutdown-ms", Duration.ofSeconds(30)));
    HttpService svc = HttpService.start(c);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        svc.stop().get(c.shutdownTime().toMillis() + 1000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        svc.kill();
      }
    }, "graceful-shutdown"));
    svc.started().join();
    System.out.println("started " + c.podName() + " " + c.address());
    System.out.flush();
    svc.stopped().join();
  }
}
