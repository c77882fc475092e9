package dev.ferry.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.broker.Transport;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lag probe of a loop that stopped: its last line has its whole run, and then it is gone. */
class LoopLagTest {

  @Test
  void aStoppedLoopsProbeIsWrittenOnceMoreAndThenGone() throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, Transport.ioHandlerFactory());
    ScheduledExecutorService running = Executors.newSingleThreadScheduledExecutor();
    try {
      LoopLag.probe("looplag-test stopped-loop", group.next());
      LoopLag.probe("looplag-test running", running);
      Thread.sleep(5 * LoopLag.PERIOD_MILLIS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();

      assertThat(LoopLag.lines().lines().filter(l -> l.contains(" looplag-test stopped-loop ")))
          .singleElement().satisfies(l -> assertThat(l).doesNotContain(" total_runs=0 "));
      assertThat(LoopLag.lines())
          .doesNotContain("looplag-test stopped-loop")
          .contains("looplag-test running");
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      running.shutdownNow();
      running.awaitTermination(5, TimeUnit.SECONDS);
      LoopLag.lines(); // drops this test's probes
    }
  }
}
