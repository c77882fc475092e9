package dev.ferry.lab.emqxoperator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The EMQX Operator's decisions, as its source (controllers/apps/v2beta1) makes them. */
class DecisionsTest {
  private final EmqxCr.Spec spec = new EmqxCr.Spec("emqx", 3, "emqx:5.8.1", 10, 10, 1000, 1000);

  @Test
  void theEvacuationBodyHasBothRatesMigrateToAndWaitTakeoverButNeverWaitHealthCheck() {
    var body = Decisions.evacuationBody(spec, List.of("emqx@10.0.0.4"));
    assertThat(body).containsOnlyKeys("conn_evict_rate", "sess_evict_rate", "migrate_to", "wait_takeover");
    assertThat(body.get("migrate_to")).isEqualTo(List.of("emqx@10.0.0.4"));
    var noWait = Decisions.evacuationBody(new EmqxCr.Spec("emqx", 3, "i", 10, 0, 5, 6), List.of());
    assertThat(noWait).containsOnlyKeys("conn_evict_rate", "sess_evict_rate", "migrate_to");
    assertThat(noWait.get("migrate_to")).isEqualTo(List.of()); // an empty list is sent as it is
  }

  @Test
  void alreadyStartedCountsAsStartedAndOtherErrorsDoNot() {
    assertThat(Decisions.evacuationStarted(200, "")).isTrue();
    assertThat(Decisions.evacuationStarted(400, "{\"code\":\"BAD_REQUEST\",\"message\":\"already_started\"}")).isTrue();
    assertThat(Decisions.evacuationStarted(400, "{\"message\":\"Invalid nodes\"}")).isFalse();
    assertThat(Decisions.evacuationStarted(503, "")).isFalse();
  }

  @Test
  void theOldSetIsTouchedOnlyAfterTheInitialDelayAndWhenTheFirstEvacuationIsDone() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(Decisions.mayTouchOldSet(null, t, 10, List.of())).isFalse();
    assertThat(Decisions.mayTouchOldSet(t, t.plusSeconds(10), 10, List.of())).isFalse(); // strictly more
    assertThat(Decisions.mayTouchOldSet(t, t.plusSeconds(11), 10, List.of())).isTrue();
    assertThat(Decisions.mayTouchOldSet(t, t.plusSeconds(11), 10,
        List.of(new EmqxApi.Evacuation("a", "evicting_conns")))).isFalse();
    assertThat(Decisions.mayTouchOldSet(t, t.plusSeconds(11), 10,
        List.of(new EmqxApi.Evacuation("a", "prohibiting"), new EmqxApi.Evacuation("b", "evicting_conns")))).isTrue();
  }

  @Test
  void theHighestOrdinalGoesFirstAndTheTakeoverWaitSpacesScaleDowns() {
    assertThat(Decisions.podToScaleDown("emqx-core-abc", 3)).isEqualTo("emqx-core-abc-2");
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(Decisions.takeoverWaitOver(null, t, 10)).isTrue();
    assertThat(Decisions.takeoverWaitOver(t, t.plusSeconds(10), 10)).isFalse();
    assertThat(Decisions.takeoverWaitOver(t, t.plusSeconds(11), 10)).isTrue();
  }

  @Test
  void aCollisionCountGivesTheSameTemplateAnotherName() {
    String h = Decisions.templateHash("{\"image\":\"emqx:5.8.0\"}", null);
    assertThat(Decisions.templateHash("{\"image\":\"emqx:5.8.0\"}", null)).isEqualTo(h);
    assertThat(Decisions.templateHash("{\"image\":\"emqx:5.8.0\"}", 1)).isNotEqualTo(h);
    assertThat(Decisions.templateHash("{\"image\":\"emqx:5.8.1\"}", null)).isNotEqualTo(h);
    assertThat(h).matches("[bcdfghjklmnpqrstvwxz2456789]+");
  }

  @Test
  void enterpriseFromFiveZeroThreeIsAskedForItsAvailability() {
    assertThat(Decisions.asksAvailability("Enterprise", "5.0.3")).isTrue();
    assertThat(Decisions.asksAvailability("Enterprise", "5.0.2")).isFalse();
    assertThat(Decisions.asksAvailability("Enterprise", "5.8.1")).isTrue();
    assertThat(Decisions.asksAvailability("Opensource", "5.8.1")).isFalse();
  }
}
