package dev.ferry.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.v1alpha1.LosslessDeployment;
import dev.ferry.operator.support.Fixtures;
import dev.ferry.operator.support.TestClock;
import dev.ferry.operator.support.TestKube;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Events on the real apiserver, written as the operator's ServiceAccount (its permissions exactly as
 * deploy/ ships them): a repeated event is one Event with a count, as {@code kubectl describe} shows
 * "x4 over 2m", across a restart of the operator too.
 */
class EventRecorderTest {
  static final Instant T0 = Instant.parse("2026-05-06T07:08:09Z");

  String ns;
  KubernetesClient admin;
  KubernetesClient operator;
  TestClock clock = new TestClock(T0);

  @BeforeEach
  void setUp() {
    ns = TestKube.newNamespace("events");
    admin = TestKube.adminClient(ns);
    operator = TestKube.operatorClient();
  }

  @AfterEach
  void tearDown() {
    operator.close();
    admin.close();
    TestKube.deleteNamespace(ns);
  }

  List<Event> events() {
    return admin.v1().events().inNamespace(ns).list().getItems();
  }

  LosslessDeployment ld() {
    return admin.resources(LosslessDeployment.class).resource(Fixtures.mqtt(admin, "emqx:5.8.0")).create();
  }

  @Test
  void theSameEventSaidAgainIsOneEventWithACountAlsoAfterARestart() {
    LosslessDeployment ld = ld();
    EventRecorder events = new EventRecorder(operator, "ferry-operator", clock);
    for (int i = 0; i < 3; i++) {
      events.warning(ld, "DrainStalled", "n1 has 12 connections left");
      clock.advance(Duration.ofSeconds(30));
    }
    // A restarted operator: nothing remembered, the Event is found by its name.
    clock.advance(Duration.ofMinutes(1));
    new EventRecorder(operator, "ferry-operator", clock).warning(ld, "DrainStalled", "n1 has 12 connections left");

    assertThat(events()).singleElement().satisfies(e -> {
      assertThat(e.getCount()).isEqualTo(4);
      assertThat(e.getFirstTimestamp()).isEqualTo(T0.toString());
      assertThat(e.getLastTimestamp()).isEqualTo(clock.instant().toString());
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("DrainStalled");
      assertThat(e.getMessage()).isEqualTo("n1 has 12 connections left");
      assertThat(e.getInvolvedObject().getUid()).isEqualTo(ld.getMetadata().getUid());
      assertThat(e.getInvolvedObject().getKind()).isEqualTo("LosslessDeployment");
      assertThat(e.getSource().getComponent()).isEqualTo("ferry-operator");
    });

    events.warning(ld, "DrainStalled", "n1 has 3 connections left");
    assertThat(events()).hasSize(2).filteredOn(e -> e.getMessage().equals("n1 has 3 connections left"))
        .singleElement().satisfies(e -> {
          assertThat(e.getCount()).isEqualTo(1);
          assertThat(e.getFirstTimestamp()).isEqualTo(clock.instant().toString());
        });
  }

  @Test
  void twoRecordersBumpingTheSameEventLoseNoCount() {
    LosslessDeployment ld = ld();
    EventRecorder a = new EventRecorder(operator, "ferry-operator", clock);
    EventRecorder b = new EventRecorder(operator, "ferry-operator", clock);
    a.normal(ld, "Settling", "waiting for the new pods");
    b.normal(ld, "Settling", "waiting for the new pods");
    // a still remembers the Event as it wrote it, before b's bump: its patch is refused and retried.
    a.normal(ld, "Settling", "waiting for the new pods");
    b.normal(ld, "Settling", "waiting for the new pods");
    assertThat(events()).singleElement().extracting(Event::getCount).isEqualTo(4);
  }

  @Test
  void withoutGetOnEventsARestartedOperatorSaysTheEventAgainAsAnEventOfItsOwn() {
    LosslessDeployment ld = ld();
    try (KubernetesClient noGet = TestKube.operatorClientWithoutVerb("ferry-operator-no-event-get", "events", "get")) {
      new EventRecorder(noGet, "ferry-operator", clock).warning(ld, "DrainStalled", "n1 has 12 connections left");
      clock.advance(Duration.ofMinutes(1));
      // Restarted: nothing remembered, the create is refused as a duplicate (409) and the Event
      // there cannot be read (403) to bump it.
      new EventRecorder(noGet, "ferry-operator", clock).warning(ld, "DrainStalled", "n1 has 12 connections left");
    }

    List<Event> said = events();
    assertThat(said).hasSize(2).allSatisfy(e -> {
      assertThat(e.getCount()).isEqualTo(1);
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("DrainStalled");
      assertThat(e.getMessage()).isEqualTo("n1 has 12 connections left");
      assertThat(e.getInvolvedObject().getUid()).isEqualTo(ld.getMetadata().getUid());
      assertThat(e.getSource().getComponent()).isEqualTo("ferry-operator");
    });
    assertThat(said).extracting(Event::getLastTimestamp)
        .containsExactlyInAnyOrder(T0.toString(), clock.instant().toString());
  }

  @Test
  void anObjectWithTheLongestNameGetsItsEvents() {
    String longest = "c" + "o".repeat(251) + "m";
    ConfigMap cm = admin.configMaps().resource(new ConfigMapBuilder()
        .withNewMetadata().withName(longest).withNamespace(ns).endMetadata().build()).create();
    EventRecorder events = new EventRecorder(operator, "ferry-operator", clock);
    events.normal(cm, "Seen", "once");
    events.normal(cm, "Seen", "once");
    assertThat(events()).singleElement().satisfies(e -> {
      assertThat(e.getMetadata().getName()).hasSizeLessThanOrEqualTo(253);
      assertThat(e.getInvolvedObject().getName()).isEqualTo(longest);
      assertThat(e.getCount()).isEqualTo(2);
    });
  }
}
