package dev.ferry.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.workload.http.HttpClientPool;
import dev.ferry.workload.http.HttpService;
import dev.ferry.workload.http.HttpServiceConfig;
import dev.ferry.workload.ingress.Ingress;
import dev.ferry.workload.ingress.IngressConfig;
import dev.ferry.workload.ingress.Upstream;
import dev.ferry.workload.load.HttpRequestSender;
import dev.ferry.workload.load.Kind;
import dev.ferry.workload.load.Outcome;
import dev.ferry.workload.load.Router;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class IngressTest {
  private static final InetSocketAddress POD_A = new InetSocketAddress("127.0.5.41", 18080);
  private static final InetSocketAddress POD_B = new InetSocketAddress("127.0.5.42", 18080);
  private static final InetSocketAddress DEAD = new InetSocketAddress("127.0.5.43", 18080);

  private static Map<String, Integer> send(HttpRequestSender sender, int n) throws Exception {
    Map<String, Integer> byPod = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Outcome o = sender.send().get(10, TimeUnit.SECONDS);
      byPod.merge(o.kind() == Kind.OK ? o.pod() : o.kind().name(), 1, Integer::sum);
    }
    return byPod;
  }

  private static HttpRequestSender client(Ingress ingress) {
    return new HttpRequestSender(Router.fixed(ingress.address()),
        new HttpClientPool.Config(Duration.ofSeconds(1), Duration.ofSeconds(5), 10), "/work", "test", Netty.shared());
  }

  @Test
  void slowStartGivesAWarmingPodFewRequestsEarlyAndItsShareLate() throws Exception {
    Instant readyB = Instant.parse("2026-01-01T00:00:00Z");
    AtomicReference<Instant> now = new AtomicReference<>(readyB);
    InstantSource clock = now::get;
    // Addresses of this test's own: another test of the class binds POD_A and POD_B too, and a
    // server closed just before may not have let its port go yet.
    InetSocketAddress podA = new InetSocketAddress("127.0.5.61", 18080);
    InetSocketAddress podB = new InetSocketAddress("127.0.5.62", 18080);
    try (HttpService a = HttpService.start(HttpServiceConfig.of("pod-a", podA).withServiceTime(Duration.ZERO));
         HttpService b = HttpService.start(HttpServiceConfig.of("pod-b", podB).withServiceTime(Duration.ZERO));
         Ingress ingress = Ingress.start(IngressConfig.of(new InetSocketAddress("127.0.5.40", 18080)).withClock(clock));
         HttpRequestSender sender = client(ingress)) {
      a.started().get(5, TimeUnit.SECONDS);
      b.started().get(5, TimeUnit.SECONDS);
      // the ingress learns the endpoints late: until then it has nowhere to send
      assertThat(send(sender, 3)).isEqualTo(Map.of("HTTP_5XX", 3));
      ingress.updateUpstreams(List.of(Upstream.of(podA), Upstream.warming(podB, readyB, 60)));

      now.set(readyB.plusSeconds(6)); // pod-b at weight 0.1
      Map<String, Integer> early = send(sender, 220);
      now.set(readyB.plusSeconds(54)); // pod-b at weight 0.9
      Map<String, Integer> late = send(sender, 220);
      now.set(readyB.plusSeconds(120)); // warm: equal shares
      Map<String, Integer> warm = send(sender, 220);

      assertThat(early.get("pod-a") + early.get("pod-b")).isEqualTo(220);
      assertThat(early.get("pod-b")).isBetween(15, 25);  // 220 * 0.1 / 1.1 = 20
      assertThat(late.get("pod-b")).isBetween(99, 109);  // 220 * 0.9 / 1.9 = 104
      assertThat(warm.get("pod-b")).isEqualTo(110);
      assertThat(early.get("pod-b")).isLessThan(late.get("pod-b"));
    }
  }

  @Test
  void aRefusedUpstreamIsRetriedOnTheNextOneOrAnswered502WithoutRetries() throws Exception {
    try (HttpService a = HttpService.start(HttpServiceConfig.of("pod-a", POD_A).withServiceTime(Duration.ZERO));
         Ingress retrying = Ingress.start(IngressConfig.of(new InetSocketAddress("127.0.5.44", 18080)));
         Ingress once = Ingress.start(IngressConfig.of(new InetSocketAddress("127.0.5.45", 18080)).withNextUpstreamTries(1));
         HttpRequestSender viaRetrying = client(retrying);
         HttpRequestSender viaOnce = client(once)) {
      a.started().get(5, TimeUnit.SECONDS);
      retrying.updateUpstreams(List.of(Upstream.of(POD_A), Upstream.of(DEAD)));
      once.updateUpstreams(List.of(Upstream.of(POD_A), Upstream.of(DEAD)));

      assertThat(send(viaRetrying, 20)).isEqualTo(Map.of("pod-a", 20));
      assertThat(retrying.attemptsPerUpstream()).containsEntry("127.0.5.43:18080", 10L);

      assertThat(send(viaOnce, 20)).isEqualTo(Map.of("pod-a", 10, "HTTP_5XX", 10));
      Outcome o = viaOnce.send().get(5, TimeUnit.SECONDS);
      if (o.kind() != Kind.OK) {
        assertThat(o.detail()).isEqualTo("status 502");
      }

      // only the dead one left: every attempt fails, 502
      retrying.updateUpstreams(List.of(Upstream.of(DEAD)));
      assertThat(send(viaRetrying, 3)).isEqualTo(Map.of("HTTP_5XX", 3));
    }
  }

  @Test
  void aPodDrainedBehindTheIngressCostsNoRequest() throws Exception {
    InetSocketAddress c = new InetSocketAddress("127.0.5.46", 18080);
    InetSocketAddress d = new InetSocketAddress("127.0.5.47", 18080);
    try (HttpService pc = HttpService.start(HttpServiceConfig.of("pod-c", c).withServiceTime(Duration.ofMillis(30)));
         HttpService pd = HttpService.start(HttpServiceConfig.of("pod-d", d).withServiceTime(Duration.ofMillis(30)));
         Ingress ingress = Ingress.start(IngressConfig.of(new InetSocketAddress("127.0.5.48", 18080)));
         HttpRequestSender sender = client(ingress)) {
      pc.started().get(5, TimeUnit.SECONDS);
      pd.started().get(5, TimeUnit.SECONDS);
      ingress.updateUpstreams(List.of(Upstream.of(c), Upstream.of(d)));
      var load = dev.ferry.workload.load.LoadGenerator.start("drain",
          dev.ferry.workload.load.LoadConfig.of(200, Duration.ofSeconds(4)), sender);
      Thread.sleep(1000);
      // pod-c drains while the ingress still sends to it: its kept-alive upstream connections
      // close under the ingress, whose GETs then go to the next upstream
      assertThat(RawHttp.once(c, "POST", "/drain").status()).isEqualTo(200);
      Thread.sleep(500);
      ingress.updateUpstreams(List.of(Upstream.of(d))); // the ingress learns of it late
      var report = load.done().get(30, TimeUnit.SECONDS);
      assertThat(report.requestsSent()).isEqualTo(800);
      assertThat(report.requestsFailed()).isZero();
      assertThat(pc.drainStatus().inFlight()).isZero();
      assertThat(report.perSecond().get(3).perPod()).containsOnlyKeys("pod-d");
    }
  }
}
