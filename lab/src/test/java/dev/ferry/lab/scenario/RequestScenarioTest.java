package dev.ferry.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.lab.report.ScenarioReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Request/response releases under a fixed-rate load, counted request by request: Ferry's Rolling
 * with lifecycle loses none, a plain Deployment-style rolling update loses some. Counts, not timing.
 */
class RequestScenarioTest {

  /** 3 pods, 100 requests/s on each path, 1 s start-up, 0.5 s kube-proxy and ingress lag, 4 s warmup. */
  static final RequestSettings SMALL = new RequestSettings(3, 100, Duration.ofSeconds(1), Duration.ofMillis(500),
      Duration.ofMillis(500), 4, Duration.ofSeconds(2), Duration.ofSeconds(90));

  static ScenarioReport run(Scenario scenario) {
    List<String> progress = new ArrayList<>();
    ScenarioReport r = RequestScenarioRunner.run(scenario, SMALL, line -> {
      progress.add(line);
      System.out.println(line);
    });
    System.out.println(scenario.id() + ": sent " + r.requestsSent() + " failed " + r.requestsFailed() + " p99 " + r.p99Ms()
        + " release " + r.requests().releaseStartSecond() + "-" + r.requests().releaseEndSecond() + " s, failed per second "
        + java.util.Arrays.toString(r.requests().failedPerSecond()) + " " + r.requests().paths());
    return r;
  }

  @Test
  @Timeout(120)
  void httpFerryLosesNoRequest() {
    ScenarioReport ferry = run(Scenario.HTTP_FERRY);
    assertThat(ferry.requestsSent()).isGreaterThan(1000);
    assertThat(ferry.requests().paths()).containsKeys("service", "ingress");
    assertThat(ferry.requestsFailed()).as("http-ferry: " + ferry.requests().paths()).isZero();
    assertThat(ferry.requests().perNewPod()).as("every new pod answered on the ingress").hasSize(SMALL.replicas());
  }

  @Test
  @Timeout(120)
  void httpK8sBaselineLosesRequests() {
    ScenarioReport k8s = run(Scenario.HTTP_K8S);
    assertThat(k8s.requestsSent()).isGreaterThan(1000);
    assertThat(k8s.requestsFailed()).as("http-k8s: " + k8s.requests().paths()).isGreaterThan(0);
  }

  @Test
  @Timeout(120)
  void dubboFerryLosesNoRequest() {
    ScenarioReport ferry = run(Scenario.DUBBO_FERRY);
    assertThat(ferry.requestsSent()).isGreaterThan(500);
    assertThat(ferry.requestsFailed()).as("dubbo-ferry: " + ferry.requests().paths()).isZero();
  }

  /** The same providers (slow for 10 s after Dubbo starts) without Dubbo's delay and warmup: new ones time out. */
  @Test
  @Timeout(120)
  void dubboK8sBaselineLosesRequests() {
    ScenarioReport k8s = run(Scenario.DUBBO_K8S);
    assertThat(k8s.requestsFailed()).as("dubbo-k8s: " + k8s.requests().paths()).isGreaterThan(0);
  }
}
