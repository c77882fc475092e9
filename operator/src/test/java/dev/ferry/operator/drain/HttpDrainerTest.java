package dev.ferry.operator.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.api.FerryNames;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.DrainView.State;
import dev.ferry.operator.support.DrainServer;
import dev.ferry.operator.support.TestClock;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The http drainer against a pod's side of the protocol: states, idempotence, and every way it can fail. */
class HttpDrainerTest {

  static final String IP = "127.0.3.240";
  static final Instant STARTED = Instant.parse("2026-01-02T03:04:05Z");

  DrainServer server;
  TestClock clock = new TestClock(Instant.parse("2026-03-04T05:06:07Z"));
  HttpDrainer drainer;

  @BeforeEach
  void setUp() throws Exception {
    server = new DrainServer(new InetSocketAddress(IP, 0), "/ferry/drain", 1, 1);
    drainer = new HttpDrainer(HttpDrainer.newHttpClient(),
        new HttpDrainer.Settings(server.address().getPort(), "/ferry/drain"), clock, HttpDrainer.newStartTimes());
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  static Pod pod(String name, String ip, String gate, Instant drainStarted) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("test").withUid("u-" + name).endMetadata()
        .withNewStatus().withPodIP(ip).addNewCondition().withType("ContainersReady").withStatus("True").endCondition()
        .addNewCondition().withType(FerryNames.SERVING_CONDITION).withStatus(gate).endCondition().endStatus();
    if (drainStarted != null) {
      b.editMetadata().addToAnnotations(FerryNames.DRAIN_STARTED_AT_ANNOTATION, drainStarted.toString()).endMetadata();
    }
    return b.build();
  }

  DrainView observe(Pod p) {
    return drainer.observe(List.of(p)).drains().get(p.getMetadata().getName());
  }

  @Test
  void followsADrainFromStartToEmptyAndBackOnStop() throws Exception {
    Pod out = pod("web-1", IP, "False", null);
    assertThat(observe(out)).isEqualTo(DrainView.NOT_STARTED);

    Pod draining = pod("web-1", IP, "False", STARTED);
    drainer.start(draining, List.of(), 1);
    drainer.start(draining, List.of(), 1); // idempotent
    DrainView d = observe(draining);
    assertThat(d.state()).isEqualTo(State.RUNNING);
    assertThat(d.inFlight()).isEqualTo(1);
    assertThat(d.connections()).isEqualTo(1);
    assertThat(d.startedAt()).as("from the pod's annotation, so it survives a restart").isEqualTo(STARTED);

    server.tick();
    server.tick();
    d = observe(draining);
    assertThat(d.state()).isEqualTo(State.FINISHED);
    assertThat(server.reportedEmptyAt()).isNotNull();

    drainer.stop(draining);
    drainer.stop(draining); // idempotent
    assertThat(observe(draining)).isEqualTo(DrainView.NOT_STARTED);
    assertThat(server.posts()).isEqualTo(2);
    assertThat(server.deletes()).isEqualTo(2);
  }

  @Test
  void aDrainWithoutTheOperatorsMarkIsTimedFromWhenTheOperatorFirstSawIt() throws Exception {
    Pod unmarked = pod("web-1", IP, "False", null);
    drainer.start(unmarked, List.of(), 1); // started, but the pod never got its annotation
    Instant firstSeen = clock.instant();
    assertThat(observe(unmarked).startedAt()).isEqualTo(firstSeen);

    clock.advance(Duration.ofMinutes(3));
    assertThat(observe(unmarked).startedAt()).as("the same drain, still timed from its first sight").isEqualTo(firstSeen);

    drainer.stop(unmarked);
    assertThat(observe(unmarked)).isEqualTo(DrainView.NOT_STARTED);
    drainer.start(unmarked, List.of(), 1);
    assertThat(observe(unmarked).startedAt()).as("a new drain, timed anew").isEqualTo(clock.instant());
  }

  @Test
  void aServingPodThatWasNeverDrainedIsNotAsked() {
    Map<String, DrainView> seen = drainer.observe(List.of(pod("web-1", IP, "True", null))).drains();
    assertThat(seen).isEmpty();
    assertThat(drainer.observe(List.of(pod("web-1", IP, "True", STARTED))).drains()).containsKey("web-1");
  }

  @Test
  void anErrorStatusIsUnreachableWithTheStatusCode() throws Exception {
    server.mode(DrainServer.Mode.UNAVAILABLE);
    DrainView d = observe(pod("web-1", IP, "False", STARTED));
    assertThat(d.state()).isEqualTo(State.UNREACHABLE);
    assertThat(d.detail()).contains("GET http://" + IP, "/ferry/drain", "HTTP 503", "shutting down");
    assertThatThrownBy(() -> drainer.start(pod("web-1", IP, "False", null), List.of(), 1))
        .isInstanceOf(Drainer.DrainException.class).hasMessageContaining("POST").hasMessageContaining("HTTP 503");
  }

  @Test
  void aMalformedBodyIsUnreachableAndSaysWhatIsWrong() {
    server.mode(DrainServer.Mode.MALFORMED);
    DrainView d = observe(pod("web-1", IP, "False", STARTED));
    assertThat(d.state()).isEqualTo(State.UNREACHABLE);
    assertThat(d.detail()).contains("malformed status", "'draining' must be true or false");
  }

  @Test
  void checksEveryFieldOfTheStatus() {
    assertThatThrownBy(() -> HttpDrainer.parse("GET x", "not json")).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> HttpDrainer.parse("GET x", "[]")).hasMessageContaining("JSON object");
    assertThatThrownBy(() -> HttpDrainer.parse("GET x", "")).hasMessageContaining("JSON object");
    assertThatThrownBy(() -> HttpDrainer.parse("GET x", "{\"draining\":true,\"inFlight\":1}"))
        .hasMessageContaining("'connections'");
    assertThatThrownBy(() -> HttpDrainer.parse("GET x", "{\"draining\":true,\"inFlight\":-1,\"connections\":0}"))
        .hasMessageContaining("'inFlight'");
    assertThatThrownBy(() -> HttpDrainer.parse("GET x", "{\"draining\":true,\"inFlight\":1.5,\"connections\":0}"))
        .hasMessageContaining("'inFlight'");
  }

  @Test
  void readsAWellFormedStatusWithFieldsItDoesNotKnow() throws Exception {
    assertThat(HttpDrainer.parse("GET x", "{\"draining\":true,\"inFlight\":0,\"connections\":2,\"version\":\"1\"}"))
        .isEqualTo(new HttpDrainer.Status(true, 0, 2));
  }

  @Test
  void nothingListeningOrNoIpIsUnreachable() {
    int port = server.address().getPort();
    server.close();
    DrainView d = observe(pod("web-1", IP, "False", STARTED));
    assertThat(d.state()).isEqualTo(State.UNREACHABLE);
    assertThat(d.detail()).contains("GET http://" + IP + ":" + port, "connection refused");
    assertThat(observe(pod("web-2", null, "False", null)).detail()).contains("no IP");
  }
}
