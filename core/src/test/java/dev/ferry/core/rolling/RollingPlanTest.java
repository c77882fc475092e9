package dev.ferry.core.rolling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.release.Action.DeletePod;
import dev.ferry.core.release.Action.EnsureRevisionSet;
import dev.ferry.core.release.Action.SetGates;
import dev.ferry.core.release.Action.StartDrain;
import dev.ferry.core.release.Action.Wait;
import dev.ferry.core.release.DrainSettings;
import dev.ferry.core.release.DrainType;
import dev.ferry.core.release.DrainView;
import dev.ferry.core.release.Phase;
import dev.ferry.core.release.PodView;
import dev.ferry.core.release.Reason;
import dev.ferry.core.release.ReleaseStatus;
import dev.ferry.core.release.RevisionSetView;
import dev.ferry.core.release.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RollingPlanTest {
  static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  RollingSpec spec = spec("1", "0", DrainType.HTTP);
  ReleaseStatus status = new ReleaseStatus(Phase.Healthy, "old", "old", T0);
  final List<RevisionSetView> sets = new ArrayList<>();
  final Map<String, PodView> pods = new LinkedHashMap<>();
  final Map<String, DrainView> drains = new HashMap<>();
  final Set<String> endpoints = new TreeSet<>();
  final Map<String, Instant> leftAt = new HashMap<>();
  Instant now = T0.plusSeconds(100);

  static RollingSpec spec(String surge, String unavailable, DrainType drain) {
    return new RollingSpec(
        3, IntOrPercent.parse(surge), IntOrPercent.parse(unavailable), Duration.ofSeconds(10),
        Duration.ofSeconds(5), Duration.ofSeconds(600),
        new DrainSettings(drain, Duration.ofSeconds(5), Duration.ofSeconds(300)), 2);
  }

  void set(String rev, int n) {
    sets.removeIf(s -> s.revision().equals(rev));
    sets.add(new RevisionSetView(rev, n, T0));
  }

  void pod(String name, String rev, boolean ready, Boolean gate, Instant readyAt) {
    pods.put(name, new PodView(name, rev, ready, gate, T0, ready ? readyAt : null, false, false));
    if (ready && Boolean.TRUE.equals(gate)) {
      endpoints.add(name);
    } else {
      endpoints.remove(name);
    }
  }

  void oldServing() {
    set("old", 3);
    for (int i = 1; i <= 3; i++) {
      pod("old-" + i, "old", true, true, T0);
    }
  }

  Step next() {
    return RollingPlan.next(new RollingObservation(
        spec, "new", status, sets, List.copyOf(pods.values()), drains, endpoints, leftAt, now));
  }

  @Test
  void surgesByMaxSurgeFirst() {
    oldServing();
    Step s = next();
    assertThat(s.action()).isEqualTo(new EnsureRevisionSet("new", 1));
    assertThat(s.status().phase()).isEqualTo(Phase.Rolling);
    assertThat(s.status().updateRevision()).isEqualTo("new");
  }

  @Test
  void aNewPodGetsTrafficOnlyAfterItHasBeenReadyForDelayOnline() {
    oldServing();
    set("new", 1);
    status = new ReleaseStatus(Phase.Rolling, "old", "new", T0);
    pod("new-1", "new", true, null, now.minusSeconds(4));
    Step s = next();
    assertThat(s.action()).isEqualTo(new Wait(now.plusSeconds(2)));
    assertThat(s.reason()).isEqualTo(Reason.WaitingForDelayedOnline);
    now = now.plusSeconds(6);
    assertThat(next().action()).isEqualTo(new SetGates(Map.of("new-1", true)));
  }

  @Test
  void withNoUnavailabilityAnOldPodLeavesOnlyOnceItsReplacementServes() {
    oldServing();
    set("new", 1);
    status = new ReleaseStatus(Phase.Rolling, "old", "new", T0);
    pod("new-1", "new", false, null, null);
    Step s = next();
    assertThat(s.action()).isInstanceOf(Wait.class);
    pod("new-1", "new", true, true, T0);
    assertThat(next().action()).isEqualTo(new SetGates(Map.of("old-1", false)));
  }

  @Test
  void anOldPodLeavesInOrderGateEndpointsPropagationDrainDelete() {
    oldServing();
    set("new", 1);
    status = new ReleaseStatus(Phase.Rolling, "old", "new", T0);
    pod("new-1", "new", true, true, T0);
    pods.put("old-1", pods.get("old-1").withGate(false, now));
    // The EndpointSlice still lists it.
    Step s = next();
    assertThat(s.reason()).isEqualTo(Reason.WaitingForEndpoints);
    assertThat(s.message()).contains("EndpointSlice");
    endpoints.remove("old-1");
    s = next();
    assertThat(s.reason()).isEqualTo(Reason.WaitingForEndpoints);
    assertThat(s.action()).isEqualTo(new Wait(now.plusSeconds(2)));
    now = now.plusSeconds(5);
    s = next();
    // Clients go to the new pods only: on old ones they would be disconnected a second time.
    assertThat(s.action()).isEqualTo(new StartDrain("old-1", List.of("new-1")));
    drains.put("old-1", new DrainView(DrainView.State.RUNNING, "draining", 3, -1, now));
    assertThat(next().action()).isInstanceOf(Wait.class);
    drains.put("old-1", new DrainView(DrainView.State.FINISHED, "drained", 0, -1, now));
    assertThat(next().action()).isEqualTo(new DeletePod("old-1", "old", 2));
  }

  @Test
  void withMaxUnavailableOneAndNoSurgeTakesOneOutBeforeAddingOne() {
    spec = spec("0", "1", DrainType.NONE);
    oldServing();
    Step s = next();
    assertThat(s.action()).isEqualTo(new EnsureRevisionSet("new", 0));
    set("new", 0);
    s = next();
    assertThat(s.action()).isEqualTo(new SetGates(Map.of("old-1", false)));
    pods.put("old-1", pods.get("old-1").withGate(false, now));
    endpoints.remove("old-1");
    // A second serving pod may not leave: 2 serve, at least 2 must.
    s = next();
    assertThat(s.action()).isInstanceOf(Wait.class);
    assertThat(s.message()).contains("old-1");
  }

  @Test
  void unhealthyOldPodsGoFirstAndDoNotCountAgainstAvailability() {
    spec = spec("0", "1", DrainType.NONE);
    oldServing();
    set("new", 0);
    status = new ReleaseStatus(Phase.Rolling, "old", "new", T0);
    pod("old-3", "old", false, true, null);
    Step s = next();
    assertThat(s.action()).isEqualTo(new SetGates(Map.of("old-3", false)));
  }

  @Test
  void completesWhenOnlyNewPodsServe() {
    set("old", 0);
    set("new", 3);
    status = new ReleaseStatus(Phase.Rolling, "old", "new", T0);
    for (int i = 1; i <= 3; i++) {
      pod("new-" + i, "new", true, true, T0);
    }
    Step s = next();
    assertThat(s.status()).isEqualTo(new ReleaseStatus(Phase.Healthy, "new", "new", now));
    assertThat(s.reason()).isEqualTo(Reason.ReleaseComplete);
  }

  @Test
  void noProgressPastTheDeadlineIsReportedButNothingIsForced() {
    oldServing();
    set("new", 1);
    status = new ReleaseStatus(Phase.Rolling, "old", "new", T0);
    pod("new-1", "new", false, null, null);
    now = T0.plusSeconds(601);
    Step s = next();
    assertThat(s.stalled()).isTrue();
    assertThat(s.reason()).isEqualTo(Reason.ProgressDeadlineExceeded);
    assertThat(s.action()).isInstanceOf(Wait.class);
  }

  /** old-1 out of the Service and the endpoints long enough: its drain is what decides. */
  void oldOneLeaving() {
    oldServing();
    set("new", 1);
    status = new ReleaseStatus(Phase.Rolling, "old", "new", T0);
    pod("new-1", "new", true, true, T0);
    pods.put("old-1", pods.get("old-1").withGate(false, T0));
    endpoints.remove("old-1");
  }

  @Test
  void anHttpDrainPastItsTimeoutEndsThereAndSaysWhatWasLeftInFlight() {
    oldOneLeaving();
    drains.put("old-1", new DrainView(DrainView.State.RUNNING, "draining", 2, -1, now.minusSeconds(299), 3));
    Step s = next();
    assertThat(s.action()).isInstanceOf(Wait.class);
    assertThat(s.message()).contains("3 requests in flight", "2 connections");
    now = now.plusSeconds(1);
    s = next();
    assertThat(s.action()).isEqualTo(new DeletePod("old-1", "old", 2));
    assertThat(s.reason()).isEqualTo(Reason.DrainTimedOut);
    assertThat(s.stalled()).as("reported as a warning").isTrue();
    assertThat(s.message()).contains("timed out after 300s with 3 requests in flight, 2 connections open");
  }

  @Test
  void anEmqxDrainPastItsTimeoutIsDeletedOnlyOnceItHasStalledAndSaysWhatItHeld() {
    spec = spec("1", "0", DrainType.EMQX);
    oldOneLeaving();
    // Slow but moving: never cut short.
    drains.put("old-1", new DrainView(DrainView.State.RUNNING, "evicting_conns", 40, 12, now.minusSeconds(301), -1,
        now.minusSeconds(1)));
    assertThat(next().action()).isInstanceOf(Wait.class);
    drains.put("old-1", new DrainView(DrainView.State.RUNNING, "evicting_conns", 40, 12, now.minusSeconds(301), -1,
        now.minusSeconds(61)));
    Step s = next();
    assertThat(s.action()).isInstanceOf(DeletePod.class);
    assertThat(s.reason()).isEqualTo(Reason.DrainTimedOut);
    assertThat(s.message()).contains("40 connections open, 12 sessions left");
    assertThat(s.stalled()).isTrue();
  }

  @Test
  void aStalledEmqxDrainIsReportedAndFollowed() {
    spec = spec("1", "0", DrainType.EMQX);
    oldOneLeaving();
    drains.put("old-1", new DrainView(DrainView.State.RUNNING, "evicting_sessions", 0, 12, now.minusSeconds(100), -1,
        now.minusSeconds(61)));
    Step s = next();
    assertThat(s.action()).isInstanceOf(Wait.class);
    assertThat(s.reason()).isEqualTo(Reason.DrainStalled);
    assertThat(s.stalled()).isTrue();
  }

  @Test
  void anEmqxThatRefusesToDrainPutsTheLeavingPodBackAndTakesNoOtherOut() {
    spec = spec("1", "1", DrainType.EMQX);
    oldOneLeaving();
    String noEvacuation = "this EMQX (5.8.1 Opensource) has no node evacuation";
    pods.keySet().stream().filter(n -> n.startsWith("old-")).toList()
        .forEach(n -> drains.put(n, DrainView.refused(noEvacuation)));
    Step s = next();
    assertThat(s.action()).isEqualTo(new SetGates(Map.of("old-1", true)));
    assertThat(s.message()).contains("putting old-1 back into service").contains("no node evacuation");
    pods.put("old-1", pods.get("old-1").withGate(true, T0));
    endpoints.add("old-1");
    s = next();
    assertThat(s.action()).as("no old pod is taken out while none can be drained").isInstanceOf(Wait.class);
    assertThat(s.stalled()).isTrue();
    assertThat(s.message()).contains("not taking old-").contains("its drainer cannot be used");
  }

  @Test
  void anUnreachableDrainEndpointKeepsAReadyPodAndIsReported() {
    oldOneLeaving();
    drains.put("old-1", DrainView.unreachable("GET http://127.0.0.1:8081/drain: 503"));
    Step s = next();
    assertThat(s.action()).isInstanceOf(Wait.class);
    assertThat(s.reason()).isEqualTo(Reason.DrainerUnreachable);
    assertThat(s.stalled()).isTrue();
    assertThat(s.message()).contains("503");
    // The same pod with its containers no longer ready: nothing in it can hold a request.
    pods.put("old-1", new PodView("old-1", "old", false, false, T0, null, false, false));
    assertThat(next().action()).isEqualTo(new DeletePod("old-1", "old", 2));
  }

  @Test
  void anUnreachablePodIsReportedEvenWhileAnotherDrainsQuietly() {
    spec = spec("1", "1", DrainType.HTTP);
    oldOneLeaving();
    pods.put("old-2", pods.get("old-2").withGate(false, T0));
    endpoints.remove("old-2");
    drains.put("old-1", new DrainView(DrainView.State.RUNNING, "draining", 1, -1, now, 1));
    drains.put("old-2", DrainView.unreachable("connection refused"));
    Step s = next();
    assertThat(s.reason()).isEqualTo(Reason.DrainerUnreachable);
    assertThat(s.message()).contains("old-2", "connection refused");
  }

  @Test
  void propagationCountsFromWhenTheEndpointSliceDroppedThePodNotFromTheGate() {
    oldServing();
    set("new", 1);
    status = new ReleaseStatus(Phase.Rolling, "old", "new", T0);
    pod("new-1", "new", true, true, T0);
    pods.put("old-1", pods.get("old-1").withGate(false, now.minusSeconds(30)));
    endpoints.remove("old-1");
    // The slice lagged: it dropped old-1 only 2 s ago, long after the gate closed.
    leftAt.put("old-1", now.minusSeconds(2));
    Step s = next();
    assertThat(s.reason()).isEqualTo(Reason.WaitingForEndpoints);
    assertThat(s.action()).isEqualTo(new Wait(now.plusSeconds(2)));
    now = now.plusSeconds(3);
    assertThat(next().action()).isEqualTo(new StartDrain("old-1", List.of("new-1")));
  }

  @Test
  void aRecordOfAnEarlierClosingOfTheGateIsIgnored() {
    oldServing();
    set("new", 1);
    status = new ReleaseStatus(Phase.Rolling, "old", "new", T0);
    pod("new-1", "new", true, true, T0);
    pods.put("old-1", pods.get("old-1").withGate(false, now.minusSeconds(1)));
    endpoints.remove("old-1");
    leftAt.put("old-1", now.minusSeconds(60));
    Step s = next();
    assertThat(s.reason()).isEqualTo(Reason.WaitingForEndpoints);
    now = now.plusSeconds(3);
    assertThat(next().reason()).isEqualTo(Reason.WaitingForEndpoints);
    now = now.plusSeconds(1);
    assertThat(next().action()).isEqualTo(new StartDrain("old-1", List.of("new-1")));
  }

  @Test
  void aPodThatJustWentOnlineIsNotTakenOutBeforeProxiesSawItJoin() {
    spec = spec("0", "1", DrainType.HTTP);
    set("old", 3);
    set("new", 0);
    status = new ReleaseStatus(Phase.Rolling, "old", "new", T0);
    for (int i = 1; i <= 3; i++) {
      pods.put("old-" + i, new PodView("old-" + i, "old", true, true, now.minusSeconds(2), T0, false, false));
      endpoints.add("old-" + i);
    }
    assertThat(next().action()).isInstanceOf(Wait.class);
    now = now.plusSeconds(2);
    assertThat(next().action()).isInstanceOf(Wait.class);
    now = now.plusSeconds(1);
    assertThat(next().action()).isEqualTo(new SetGates(Map.of("old-1", false)));
  }
}
