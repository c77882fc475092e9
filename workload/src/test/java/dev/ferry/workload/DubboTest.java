package dev.ferry.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.workload.dubbo.DubboConsumer;
import dev.ferry.workload.dubbo.DubboConsumerConfig;
import dev.ferry.workload.dubbo.DubboProvider;
import dev.ferry.workload.dubbo.DubboProviderConfig;
import dev.ferry.workload.dubbo.EmbeddedZooKeeper;
import dev.ferry.workload.load.Kind;
import dev.ferry.workload.load.LoadConfig;
import dev.ferry.workload.load.LoadGenerator;
import dev.ferry.workload.load.LoadReport;
import dev.ferry.workload.load.Outcome;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DubboTest {
  @Test
  void qosOfflineTakesTheProviderOutOfTheConsumersView() throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(new InetSocketAddress("127.0.5.100", 0))) {
      DubboProvider a = DubboProvider.start(DubboProviderConfig.of(
          "dubbo-a", new InetSocketAddress("127.0.5.11", 20880), 22222, zk.dubboRegistry()).withWarmup(Duration.ZERO).withShutdownWait(Duration.ofSeconds(1)));
      DubboProvider b = DubboProvider.start(DubboProviderConfig.of(
          "dubbo-b", new InetSocketAddress("127.0.5.12", 20880), 22222, zk.dubboRegistry()).withWarmup(Duration.ZERO).withShutdownWait(Duration.ofSeconds(1)));
      try (a; b; DubboConsumer consumer = DubboConsumer.start(DubboConsumerConfig.of(zk.dubboRegistry()))) {
        a.started().get(60, java.util.concurrent.TimeUnit.SECONDS);
        b.started().get(60, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> consumer.providers().size() == 2);
        Set<String> pods = new HashSet<>();
        for (int i = 0; i < 40; i++) {
          Outcome o = consumer.send().get();
          assertThat(o.kind()).isEqualTo(Kind.OK);
          pods.add(o.pod());
        }
        assertThat(pods).containsExactlyInAnyOrder("dubbo-a", "dubbo-b");

        String answer = a.offline();
        assertThat(answer).containsIgnoringCase("ok");

        await().atMost(Duration.ofSeconds(30)).until(() -> consumer.providers().equals(java.util.List.of("127.0.5.12:20880")));
        for (int i = 0; i < 40; i++) {
          Outcome o = consumer.send().get();
          assertThat(o.kind()).isEqualTo(Kind.OK);
          assertThat(o.pod()).isEqualTo("dubbo-b");
        }

        // the load generator's Dubbo path: an open-model load through the consumer
        try (LoadGenerator load = LoadGenerator.start("dubbo", LoadConfig.of(100, Duration.ofSeconds(2)), consumer)) {
          LoadReport r = load.done().get(30, java.util.concurrent.TimeUnit.SECONDS);
          assertThat(r.requestsSent()).isEqualTo(200);
          assertThat(r.requestsFailed()).isZero();
          assertThat(r.perSecond()).allSatisfy(s -> assertThat(s.perPod()).containsOnlyKeys("dubbo-b"));
        }
      }
    }
  }

  @Test
  void delayPostponesTheRegistrationAndWarmupGivesANewProviderFewCalls() throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(new InetSocketAddress("127.0.5.101", 0))) {
      DubboProvider warm = DubboProvider.start(DubboProviderConfig.of(
              "dubbo-warm", new InetSocketAddress("127.0.5.13", 20880), 22222, zk.dubboRegistry())
          .withWarmup(Duration.ZERO).withShutdownWait(Duration.ofSeconds(1)));
      try (warm; DubboConsumer consumer = DubboConsumer.start(DubboConsumerConfig.of(zk.dubboRegistry()))) {
        warm.started().get(60, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> consumer.providers().equals(java.util.List.of("127.0.5.13:20880")));

        long t0 = System.nanoTime();
        DubboProvider fresh = DubboProvider.start(DubboProviderConfig.of(
                "dubbo-new", new InetSocketAddress("127.0.5.14", 20880), 22222, zk.dubboRegistry())
            .withDelay(Duration.ofMillis(2000)).withWarmup(Duration.ofSeconds(120)).withShutdownWait(Duration.ofSeconds(1)));
        try (fresh) {
          await().atMost(Duration.ofSeconds(30)).until(() -> consumer.providers().size() == 2);
          assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("registered only after its delay")
              .isGreaterThanOrEqualTo(Duration.ofMillis(2000));

          consumer.providerUrls().forEach(System.out::println);
          java.util.Map<String, Integer> byPod = new java.util.HashMap<>();
          for (int i = 0; i < 300; i++) {
            Outcome o = consumer.send().get();
            assertThat(o.kind()).isEqualTo(Kind.OK);
            byPod.merge(o.pod(), 1, Integer::sum);
          }
          System.out.println("calls per provider, a few seconds into the new one's warmup: " + byPod);
          // Dubbo weighs a provider uptime / warmup of the warm one's 100: a few seconds into a
          // 120 s warmup, a few calls of 300, not half. The bound follows the time the calls took
          // (an upper bound on its uptime), with room for the random balancer's spread.
          double uptime = (System.nanoTime() - t0) / 1e9;
          double weight = Math.min(100, 100 * uptime / 120);
          int bound = (int) Math.ceil(300 * weight / (100 + weight) * 1.5) + 10;
          System.out.printf("uptime at most %.1f s: dubbo-new expected below %d%n", uptime, bound);
          assertThat(byPod.getOrDefault("dubbo-new", 0)).isLessThan(Math.min(bound, 150));
          assertThat(byPod.get("dubbo-warm")).isGreaterThan(300 - Math.min(bound, 150));
        }
      }
    }
  }
}
