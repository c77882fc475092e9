package dev.ferry.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.awaitility.Awaitility.await;

import dev.ferry.workload.dubbo.DubboConsumer;
import dev.ferry.workload.dubbo.DubboConsumerConfig;
import dev.ferry.workload.dubbo.DubboProviderMain;
import dev.ferry.workload.dubbo.EmbeddedZooKeeper;
import dev.ferry.workload.http.HttpServiceMain;
import java.time.Duration;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The HTTP service as a process of its own, as a kubelet runs a pod: SIGTERM and SIGKILL. */
class ProcessModeTest {
  private static Process start(InetSocketAddress a, String pod) throws IOException {
    return started(new ProcessBuilder(JavaProcess.command(HttpServiceMain.class, "64m", List.of(
        "--pod", pod, "--address", a.getHostString() + ":" + a.getPort(), "--service-ms", "5000")))
        .redirectErrorStream(true).start(), pod);
  }

  private static Process started(Process p, String pod) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("started")) {
      // start-up noise
    }
    assertThat(line).as("the process said it started").startsWith("started " + pod);
    return p;
  }

  private static void awaitInFlight(InetSocketAddress a) {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> RawHttp.once(a, "GET", "/drain").body().contains("\"inFlight\":1"));
  }

  @Test
  void sigtermFinishesTheRequestInFlightSigkillDoesNot() throws Exception {
    InetSocketAddress a = new InetSocketAddress("127.0.5.50", 18080);
    Process p = start(a, "proc-a");
    try (RawHttp c = new RawHttp(a)) {
      c.send("GET", "/work");
      awaitInFlight(a); // the signal comes while the request is being served
      p.destroy(); // SIGTERM
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("proc-a");
      assertThat(r.closes()).isTrue();
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }

    InetSocketAddress b = new InetSocketAddress("127.0.5.51", 18080);
    Process q = start(b, "proc-b");
    try (RawHttp c = new RawHttp(b)) {
      c.send("GET", "/work");
      awaitInFlight(b);
      q.destroyForcibly(); // SIGKILL
      assertThatThrownBy(c::read).isInstanceOf(IOException.class);
      assertThat(q.waitFor(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      q.destroyForcibly();
    }
  }

  @Test
  void aDubboProviderProcessUnregistersOnSigterm() throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(new InetSocketAddress("127.0.5.102", 0));
         DubboConsumer consumer = DubboConsumer.start(DubboConsumerConfig.of(zk.dubboRegistry()))) {
      Process p = started(new ProcessBuilder(JavaProcess.command(DubboProviderMain.class, "128m", List.of(
          "--pod", "dubbo-proc", "--address", "127.0.5.52:20880", "--qos-port", "22222",
          "--registry", zk.dubboRegistry(), "--warmup-ms", "0", "--shutwait-ms", "1000")))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE).start(), "dubbo-proc");
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> consumer.providers().equals(List.of("127.0.5.52:20880")));
        assertThat(consumer.send().get().pod()).isEqualTo("dubbo-proc");
        p.destroy(); // SIGTERM: Dubbo's own shutdown hook unregisters it
        await().atMost(Duration.ofSeconds(30)).until(() -> consumer.providers().isEmpty());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        p.destroyForcibly();
      }
    }
  }
}
