package dev.ferry.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.workload.http.HttpClientPool;
import dev.ferry.workload.http.HttpService;
import dev.ferry.workload.http.HttpServiceConfig;
import dev.ferry.workload.load.HttpRequestSender;
import dev.ferry.workload.load.Kind;
import dev.ferry.workload.load.LoadConfig;
import dev.ferry.workload.load.LoadGenerator;
import dev.ferry.workload.load.LoadReport;
import dev.ferry.workload.load.Router;
import dev.ferry.workload.load.SecondStats;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
  private static final HttpClientPool.Config CLIENT =
      new HttpClientPool.Config(Duration.ofMillis(500), Duration.ofMillis(700), 100);

  private static LoadReport run(Router router, double rate, Duration d) throws Exception {
    try (HttpRequestSender sender = new HttpRequestSender(router, CLIENT, "/work", "test", Netty.shared());
         LoadGenerator load = LoadGenerator.start("test", LoadConfig.of(rate, d), sender)) {
      return load.done().get(30, TimeUnit.SECONDS);
    }
  }

  private static void assertOnly(LoadReport r, Kind kind, long n) {
    assertThat(r.requestsSent()).isEqualTo(n);
    assertThat(r.requestsOk()).isZero();
    assertThat(r.requestsFailed()).isEqualTo(n);
    assertThat(r.errors()).isEqualTo(Map.of(kind, n));
  }

  @Test
  void classifiesRefused() throws Exception {
    LoadReport r = run(Router.fixed(new InetSocketAddress("127.0.5.30", 18080)), 40, Duration.ofMillis(500));
    assertOnly(r, Kind.REFUSED, 20);
    assertThat(r.perSecond().get(0).failedPerTarget()).isEqualTo(Map.of("127.0.5.30:18080", 20L));
  }

  @Test
  void classifies5xx() throws Exception {
    InetSocketAddress a = new InetSocketAddress("127.0.5.31", 18080);
    try (StubServer s = new StubServer(a, StubServer.Mode.ANSWER_503)) {
      assertOnly(run(Router.fixed(s.address()), 40, Duration.ofMillis(500)), Kind.HTTP_5XX, 20);
    }
  }

  @Test
  void classifiesACloseBeforeTheAnswerAsReset() throws Exception {
    InetSocketAddress a = new InetSocketAddress("127.0.5.32", 18080);
    try (StubServer s = new StubServer(a, StubServer.Mode.CLOSE_AFTER_REQUEST)) {
      assertOnly(run(Router.fixed(s.address()), 40, Duration.ofMillis(500)), Kind.RESET, 20);
    }
  }

  @Test
  void classifiesAResetBeforeTheAnswerAsReset() throws Exception {
    InetSocketAddress a = new InetSocketAddress("127.0.5.33", 18080);
    try (StubServer s = new StubServer(a, StubServer.Mode.RESET_AFTER_REQUEST)) {
      assertOnly(run(Router.fixed(s.address()), 40, Duration.ofMillis(500)), Kind.RESET, 20);
    }
  }

  @Test
  void classifiesNoAnswerAsTimeout() throws Exception {
    InetSocketAddress a = new InetSocketAddress("127.0.5.34", 18080);
    try (StubServer s = new StubServer(a, StubServer.Mode.NEVER_ANSWER)) {
      assertOnly(run(Router.fixed(s.address()), 40, Duration.ofMillis(500)), Kind.TIMEOUT, 20);
    }
  }

  @Test
  void classifiesNoEndpointAsUnavailable() throws Exception {
    assertOnly(run(Router.roundRobin(List::of), 40, Duration.ofMillis(500)), Kind.UNAVAILABLE, 20);
  }

  @Test
  void aRequestOnAKeptAliveConnectionTheServerThenClosesIsAReset() throws Exception {
    // The first answer keeps the connection; the server then closes it without a word while the
    // client, not having seen the close yet, writes the next request on it.
    InetSocketAddress a = new InetSocketAddress("127.0.5.35", 18080);
    try (HttpService svc = HttpService.start(HttpServiceConfig.of("pod-35", a).withServiceTime(Duration.ZERO));
         HttpRequestSender sender = new HttpRequestSender(Router.fixed(a), CLIENT, "/work", "test", Netty.shared())) {
      svc.started().get(5, TimeUnit.SECONDS);
      assertThat(sender.send().get().kind()).isEqualTo(Kind.OK);
      assertThat(sender.pool().idleConnections()).isEqualTo(1);
      // kill the server and send at once: the pooled connection is either already seen closed
      // (then the client connects anew and is refused) or not yet (then the request is written on
      // a dead connection: reset; a GET is then sent again on a new connection, as Go's client
      // does, and refused). Nothing else: once kill() returns nothing listens.
      svc.kill();
      Kind k = sender.send().get().kind();
      assertThat(k).isIn(Kind.RESET, Kind.REFUSED);
    }
  }

  @Test
  void keepsSendingAtItsRateWhenTheServerIsSlowAndCountsEachPod() throws Exception {
    InetSocketAddress a = new InetSocketAddress("127.0.5.36", 18080);
    InetSocketAddress b = new InetSocketAddress("127.0.5.37", 18080);
    try (HttpService pa = HttpService.start(HttpServiceConfig.of("pod-a", a).withServiceTime(Duration.ofMillis(1500)));
         HttpService pb = HttpService.start(HttpServiceConfig.of("pod-b", b).withServiceTime(Duration.ofMillis(1500)));
         HttpRequestSender sender = new HttpRequestSender(Router.roundRobin(() -> List.of(a, b)),
             new HttpClientPool.Config(Duration.ofSeconds(1), Duration.ofSeconds(10), 1000), "/work", "test", Netty.shared())) {
      pa.started().get(5, TimeUnit.SECONDS);
      pb.started().get(5, TimeUnit.SECONDS);
      LoadGenerator load = LoadGenerator.start("slow", LoadConfig.of(100, Duration.ofSeconds(2)), sender);
      LoadReport r = load.done().get(30, TimeUnit.SECONDS);
      // 200 requests left on schedule although every answer took 1.5 s: an open model does not
      // wait, so most of them were in flight at once (a closed model would have had one).
      assertThat(r.requestsSent()).isEqualTo(200);
      assertThat(r.requestsOk()).isEqualTo(200);
      assertThat(load.peakInFlight()).isGreaterThan(100);
      assertThat(r.p50Ms()).isGreaterThanOrEqualTo(1500);
      assertThat(r.perSecond()).hasSize(2);
      long perPodTotal = 0;
      for (SecondStats s : r.perSecond()) {
        assertThat(s.sent()).isEqualTo(100);
        assertThat(s.perPod()).containsOnlyKeys("pod-a", "pod-b");
        perPodTotal += s.perPod().values().stream().mapToLong(Long::longValue).sum();
      }
      assertThat(perPodTotal).isEqualTo(200);
    }
  }

  @Test
  void anInFlightBoundTurnsTheExcessIntoClientLimitErrors() throws Exception {
    InetSocketAddress a = new InetSocketAddress("127.0.5.38", 18080);
    try (StubServer s = new StubServer(a, StubServer.Mode.NEVER_ANSWER);
         // a request timeout that outlasts the run, so that only the bound ends requests early
         HttpRequestSender sender = new HttpRequestSender(Router.fixed(s.address()),
             new HttpClientPool.Config(Duration.ofMillis(500), Duration.ofSeconds(5), 100), "/work", "test", Netty.shared())) {
      LoadGenerator load = LoadGenerator.start("bounded", LoadConfig.of(100, Duration.ofMillis(500)).withMaxInFlight(10), sender);
      LoadReport r = load.done().get(30, TimeUnit.SECONDS);
      assertThat(r.requestsSent()).isEqualTo(50);
      assertThat(r.errors().get(Kind.TIMEOUT) + r.errors().get(Kind.CLIENT_LIMIT)).isEqualTo(50);
      assertThat(r.errors().get(Kind.CLIENT_LIMIT)).isEqualTo(40);
      assertThat(load.peakInFlight()).isLessThanOrEqualTo(10);
    }
  }
}
