package dev.ferry.workload.dubbo;

import dev.ferry.workload.Args;
import java.time.Duration;

/**
 * {@link DubboProvider} as a process: {@code --pod NAME --address 127.0.5.1:20880 --qos-port 22222
 * --registry zookeeper://127.0.5.100:2181 [--startup-ms N] [--delay-ms N] [--warmup-ms N]
 * [--service-ms N] [--shutwait-ms N]}. Prints {@code started} when Dubbo has started. SIGTERM runs
 * Dubbo's own shutdown hook (unregister, wait for calls in flight, close); SIGKILL leaves its
 * ZooKeeper node until the session expires, as in production.
 */
public final class DubboProviderMain {
  private DubboProviderMain() {}

  public static void main(String[] argv) throws Exception {
    Args a = new Args(argv);
    DubboProviderConfig c = DubboProviderConfig.of(
            a.string("pod"), a.address("address"), a.integer("qos-port"), a.string("registry"))
        .withStartupTime(a.millis("startup-ms", Duration.ZERO))
        .withDelay(a.millis("delay-ms", Duration.ZERO))
        .withWarmup(a.millis("warmup-ms", Duration.ofMinutes(10)))
        .withServiceTime(a.millis("service-ms", Duration.ofMillis(5)))
        .withShutdownWait(a.millis("shutwait-ms", Duration.ofSeconds(10)));
    DubboProvider p = DubboProvider.start(c);
    p.started().join();
    System.out.println("started " + c.podName() + " " + c.address() + " qos " + c.qosPort());
    System.out.flush();
    Thread.currentThread().join(); // Dubbo's non-daemon threads and shutdown hook take it from here
  }
}
