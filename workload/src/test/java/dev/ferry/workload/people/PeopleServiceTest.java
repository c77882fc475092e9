package dev.ferry.workload.people;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.workload.http.HttpService;
import dev.ferry.workload.http.HttpServiceConfig;
import dev.ferry.workload.load.Kind;
import dev.ferry.workload.load.Router;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PeopleServiceTest {
  @RegisterExtension
  static final TestDatabases dbs = new TestDatabases();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static HttpService pod(String name, String ip, String version, PeopleDb db) throws Exception {
    HttpService s = PeopleService.start(
        HttpServiceConfig.of(name, new InetSocketAddress(ip, 18080)).withShutdownTime(Duration.ofSeconds(5)), version, db, 2);
    s.started().get(5, TimeUnit.SECONDS);
    return s;
  }

  private static HttpResponse<String> call(String method, String url, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
    b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody()) : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Polls {@code condition} every 50 ms for at most 15 s. */
  private static void awaitUntil(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 15 s: " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Waits until {@code pod} has answered a few writes and reads: it served beside the others. */
  private static void awaitServed(HttpService pod) throws InterruptedException {
    PeopleApp app = (PeopleApp) pod.config().application();
    awaitUntil(() -> app.writes() >= 10 && app.reads() >= 10, pod.podName() + " served writes and reads");
  }

  private static long sessions(PeopleDb db, String applicationName) {
    try {
      return Apps.count(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + applicationName + "'");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void servesPeopleOverHttpWithNamedSessionsAndClosesThemWhenStopped() throws Exception {
    PeopleDb db = dbs.fresh();
    PeopleMigrations.baseline(db);
    PeopleMigrations.run(db, "expand", "2.1");
    HttpService pod = pod("people-a", "127.0.6.1", "2.1", db);
    String base = "http://127.0.6.1:18080";
    HttpResponse<String> put = call("PUT", base + "/people/7", "{\"name\":\"Ada\",\"street\":\"Main St 1\",\"city\":\"Zurich\"}");
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.headers().firstValue("X-People-Version")).contains("2.1");
    HttpResponse<String> get = call("GET", base + "/people/7", null);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.body()).isEqualTo("{\"id\":7,\"name\":\"Ada\",\"street\":\"Main St 1\",\"city\":\"Zurich\"}");
    assertThat(call("GET", base + "/people/8", null).statusCode()).isEqualTo(404);
    assertThat(call("PUT", base + "/people/8", "{}").statusCode()).isEqualTo(400);
    assertThat(call("GET", base + "/ready", null).statusCode()).isEqualTo(200);
    assertThat(Apps.read(db, "2.2", 7)).contains(new Person(7, "Ada", "Main St 1", "Zurich")); // in ADDRESS too
    // the operator's session check sees this pod's version
    assertThat(sessions(db, "people-2.1")).isGreaterThanOrEqualTo(1);
    assertThat(Apps.count(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'people-%' "
        + "AND application_name <> 'people-2.1'")).isZero();

    pod.stop().get(10, TimeUnit.SECONDS);
    // the pool closed its connections; the server ends their backends a moment later
    awaitUntil(() -> sessions(db, "people-2.1") == 0, "no people-2.1 session left");
  }

  @Test
  void aSchemaTheVersionCannotUseAnswers500() throws Exception {
    PeopleDb db = dbs.fresh();
    PeopleMigrations.baseline(db);
    PeopleMigrations.run(db, "bigbang", "2.3");
    try (HttpService pod = pod("people-b", "127.0.6.2", "1.0", db)) {
      HttpResponse<String> put = call("PUT", "http://127.0.6.2:18080/people/1", "{\"name\":\"Ada\",\"street\":\"s\",\"city\":\"c\"}");
      assertThat(put.statusCode()).isEqualTo(500);
      assertThat(put.body()).contains("SQLState 42703"); // undefined_column
      assertThat(pod.ready()).isTrue(); // and it still looks healthy: the big-bang baseline's trap
    }
  }

  @Test
  void theLoadCountsFailuresByKindWhenThePodIsKilledAndLosesNoAcknowledgedWrite() throws Exception {
    PeopleDb db = dbs.fresh();
    PeopleMigrations.baseline(db);
    HttpService pod = pod("people-c", "127.0.6.3", "1.0", db);
    PeopleLoadConfig cfg = PeopleLoadConfig.of(100, Duration.ofSeconds(6), 30).withRequestTimeout(Duration.ofSeconds(2));
    try (PeopleLoad load = PeopleLoad.start("kill", URI.create("http://127.0.6.3:18080"), cfg)) {
      awaitUntil(() -> load.result().load().requestsOk() >= 20, "20 requests answered before the kill");
      pod.kill();
      PeopleLoad.Result r = load.done().get(20, TimeUnit.SECONDS);
      assertThat(r.load().requestsSent()).isEqualTo(600);
      assertThat(r.load().requestsOk()).isBetween(20L, 599L);
      assertThat(r.writesAcknowledged()).isPositive();
      assertThat(r.readsVerified()).isPositive();
      assertThat(r.staleReads()).isZero();
      // after the kill nothing listens: refused, and whatever was on the wire then broke
      assertThat(r.failuresByKind()).containsKey(Kind.REFUSED);
      assertThat(r.failuresByKind().keySet()).isSubsetOf(Kind.REFUSED, Kind.RESET, Kind.TIMEOUT);
      assertThat(r.requestsFailed()).isEqualTo(r.load().requestsSent() - r.load().requestsOk());
      PeopleConsistency.Report c = PeopleConsistency.check(db, r.acknowledgedWrites());
      assertThat(c.lostRows()).isZero();
      assertThat(c.acknowledgedChecked()).isEqualTo(r.acknowledgedWrites().size()).isPositive();
    }
    pod.stopped().get(10, TimeUnit.SECONDS);
    awaitUntil(() -> sessions(db, "people-1.0") == 0, "no people-1.0 session left");
  }

  /**
   * The whole release path at the app's level, under load through a Service-like router: each step
   * expands, starts the new version beside the old, takes the old out of the endpoints, drains and
   * stops it, contracts; 1.0 -> 2.1 is first rolled back once. No 5xx (no version ever met a
   * schema it cannot use), no stale read, no lost or inconsistent row.
   */
  @Test
  void theReleasePathUnderLoadLosesNothing() throws Exception {
    PeopleDb db = dbs.fresh();
    PeopleMigrations.baseline(db);
    List<HttpService> endpoints = new CopyOnWriteArrayList<>();
    List<HttpService> all = new CopyOnWriteArrayList<>();
    List<InetSocketAddress> addresses = new CopyOnWriteArrayList<>();
    int[] ip = {10};
    java.util.function.Function<String, HttpService> startPod = v -> {
      try {
        HttpService s = pod("people-" + v + "-" + ip[0], "127.0.6." + ip[0]++, v, db);
        endpoints.add(s);
        all.add(s);
        addresses.add(s.address());
        return s;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    java.util.function.Consumer<HttpService> stopPod = s -> {
      addresses.remove(s.address()); // out of the endpoints first, then drained, then stopped
      endpoints.remove(s);
      s.startDrain();
      try {
        Thread.sleep(300);
        s.stop().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    HttpService v10 = startPod.apply("1.0");
    // a connection per request: the router spreads every request over the pods of both versions
    PeopleLoadConfig cfg = PeopleLoadConfig.of(80, Duration.ofSeconds(120), 40).withMaxIdleConnections(0);

    try (PeopleLoad load = PeopleLoad.start("release", Router.roundRobin(() -> addresses), cfg)) {
      awaitServed(v10);
      PeopleMigrations.run(db, "expand", "2.1");
      HttpService v21 = startPod.apply("2.1");
      awaitServed(v21);
      stopPod.accept(v21); // rollback: 2.1 goes, 1.0's expand runs again
      PeopleMigrations.run(db, "expand", "1.0");
      PeopleMigrations.run(db, "expand", "2.1");
      v21 = startPod.apply("2.1");
      awaitServed(v21);
      stopPod.accept(v10);
      PeopleMigrations.run(db, "contract", "2.1");
      PeopleMigrations.run(db, "expand", "2.2");
      HttpService v22 = startPod.apply("2.2");
      awaitServed(v22);
      stopPod.accept(v21);
      PeopleMigrations.run(db, "contract", "2.2");
      PeopleMigrations.run(db, "expand", "2.3");
      HttpService v23 = startPod.apply("2.3");
      awaitServed(v23);
      stopPod.accept(v22);
      PeopleMigrations.run(db, "contract", "2.3");
      PeopleApp last = (PeopleApp) v23.config().application();
      long before = last.writes();
      awaitUntil(() -> last.writes() >= before + 3, "2.3 writes after its contract");
      load.stop();
      PeopleLoad.Result r = load.done().get(30, TimeUnit.SECONDS);
      assertThat(r.staleExamples()).isEmpty();
      assertThat(r.failuresByKind()).doesNotContainKey(Kind.HTTP_5XX);
      assertThat(r.staleReads()).isZero();
      assertThat(r.writesAcknowledged()).isPositive();
      assertThat(r.readsVerified()).isPositive();
      PeopleConsistency.Report c = PeopleConsistency.check(db, r.acknowledgedWrites());
      assertThat(c.examples()).isEmpty();
      assertThat(c.schema()).isEqualTo("address");
      assertThat(c.lostRows()).isZero();
      assertThat(c.inconsistentRows()).isZero();
      v23.stop().get(10, TimeUnit.SECONDS);
      for (HttpService s : all) { // each version served beside the other, writes and reads
        PeopleApp app = (PeopleApp) s.config().application();
        assertThat(app.writes()).as(s.podName()).isPositive();
        assertThat(app.reads()).as(s.podName()).isPositive();
        assertThat(app.failures()).as(s.podName()).isZero();
      }
    } finally {
      for (HttpService s : endpoints) {
        s.kill();
      }
    }
  }
}
