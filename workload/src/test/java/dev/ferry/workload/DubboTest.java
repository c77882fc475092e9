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
}
