package dev.ferry.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.workload.http.HttpService;
import dev.ferry.workload.http.HttpServiceConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HttpServiceTest {
  private static InetSocketAddress addr(int last) {
    return new InetSocketAddress("127.0.5." + last, 18080);
  }

  @Test
  void drainProtocolClosesIdleConnectionsFinishesInFlightAndDeleteRestores() throws Exception {
    InetSocketAddress a = addr(1);
    // Long enough that the busy request is still in flight after the drain's two POSTs, however
    // slow the machine.
    try (HttpService svc = HttpService.start(HttpServiceConfig.of("pod-1", a).withServiceTime(Duration.ofSeconds(3)))) {
      svc.started().get(5, TimeUnit.SECONDS);
      List<RawHttp> idle = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        RawHttp c = new RawHttp(a);
        c.send("GET", "/work");
        idle.add(c);
      }
      for (RawHttp c : idle) {
        RawHttp.Response r = c.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("pod-1");
        assertThat(r.closes()).isFalse();
      }
      RawHttp busy = new RawHttp(a);
      busy.send("GET", "/work");
      await().atMost(Duration.ofSeconds(5)).until(() -> svc.drainStatus().inFlight() == 1);

      try (RawHttp admin = new RawHttp(a)) {
        RawHttp.Response drain = admin.call("POST", "/drain");
        assertThat(drain.status()).isEqualTo(200);
        assertThat(drain.header("content-type")).isEqualTo("application/json");
        assertThat(drain.body()).startsWith("{\"draining\":true,\"inFlight\":1,\"connections\":");
        // idempotent; the drain request's own connection is never counted
        assertThat(RawHttp.once(a, "POST", "/drain").body()).startsWith("{\"draining\":true,\"inFlight\":1,");
      }
      for (RawHttp c : idle) {
        assertThat(c.closedByServer()).as("idle keep-alive connection closed by the drain").isTrue();
        c.close();
      }
      RawHttp.Response last = busy.read();
      assertThat(last.status()).isEqualTo(200);
      assertThat(last.closes()).as("the in-flight request is answered with Connection: close").isTrue();
      assertThat(busy.closedByServer()).isTrue();
      busy.close();

      await().atMost(Duration.ofSeconds(5)).until(() ->
          RawHttp.once(a, "GET", "/drain").body().equals("{\"draining\":true,\"inFlight\":0,\"connections\":0}"));
      RawHttp.Response during = RawHttp.once(a, "GET", "/work");
      assertThat(during.status()).isEqualTo(200);
      assertThat(during.closes()).as("answers while draining carry Connection: close").isTrue();

      RawHttp.Response undrain = RawHttp.once(a, "DELETE", "/drain");
      assertThat(undrain.body()).startsWith("{\"draining\":false,");
      try (RawHttp c = new RawHttp(a)) {
        assertThat(c.call("GET", "/work").closes()).isFalse();
        assertThat(c.call("GET", "/work").closes()).isFalse();
      }
    }
  }

  @Test
  void gracefulStopRefusesNewConnectionsAndFinishesInFlightRequests() throws Exception {
    InetSocketAddress a = addr(2);
    HttpService svc = HttpService.start(HttpServiceConfig.of("pod-2", a).withServiceTime(Duration.ofSeconds(3)));
    try {
      svc.started().get(5, TimeUnit.SECONDS);
      assertThat(RawHttp.once(a, "GET", "/ready").status()).isEqualTo(200);
      RawHttp idle = new RawHttp(a);
      assertThat(idle.call("GET", "/work").status()).isEqualTo(200);
      List<RawHttp> busy = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        RawHttp c = new RawHttp(a);
        c.send("GET", "/work");
        busy.add(c);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> svc.drainStatus().inFlight() == 3);
      CompletableFuture<Void> stopped = svc.stop();
      assertThat(svc.ready()).isFalse();
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThatThrownBy(() -> new RawHttp(a).close()).isInstanceOf(ConnectException.class));
      assertThat(idle.closedByServer()).isTrue();
      for (RawHttp c : busy) {
        RawHttp.Response r = c.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.closes()).isTrue();
        c.close();
      }
      stopped.get(5, TimeUnit.SECONDS);
      assertThat(svc.state()).isEqualTo(HttpService.State.STOPPED);
    } finally {
      svc.kill();
    }
  }

  @Test
  void shutdownTimeCutsRequestsThatTakeLongerAndKillAnswersNothing() throws Exception {
    InetSocketAddress a = addr(3);
    HttpService svc = HttpService.start(HttpServiceConfig.of("pod-3", a)
        .withServiceTime(Duration.ofSeconds(20)).withShutdownTime(Duration.ofMillis(300)));
    svc.started().get(5, TimeUnit.SECONDS);
    RawHttp c = new RawHttp(a);
    c.send("GET", "/work");
    await().atMost(Duration.ofSeconds(5)).until(() -> svc.drainStatus().inFlight() == 1);
    svc.stop().get(5, TimeUnit.SECONDS);
    assertThatThrownBy(c::read).isInstanceOf(IOException.class);
    c.close();

    InetSocketAddress b = addr(4);
    HttpService svc2 = HttpService.start(HttpServiceConfig.of("pod-4", b).withServiceTime(Duration.ofSeconds(20)));
    svc2.started().get(5, TimeUnit.SECONDS);
    RawHttp d = new RawHttp(b);
    d.send("GET", "/work");
    await().atMost(Duration.ofSeconds(5)).until(() -> svc2.drainStatus().inFlight() == 1);
    svc2.kill();
    assertThatThrownBy(d::read).isInstanceOf(IOException.class);
    d.close();
    svc2.stopped().get(5, TimeUnit.SECONDS);
  }

  @Test
  void listensOnlyAfterItsStartupTime() throws Exception {
    InetSocketAddress a = addr(5);
    try (HttpService svc = HttpService.start(HttpServiceConfig.of("pod-5", a).withStartupTime(Duration.ofSeconds(3)))) {
      assertThat(svc.ready()).isFalse();
      assertThatThrownBy(() -> new RawHttp(a).close()).isInstanceOf(ConnectException.class);
      svc.started().get(5, TimeUnit.SECONDS);
      assertThat(RawHttp.once(a, "GET", "/ready").status()).isEqualTo(200);
      assertThat(RawHttp.once(a, "POST", "/offline").body()).startsWith("{\"draining\":true,");
      assertThat(svc.offline()).isTrue();
    }
  }
}
