package dev.ferry.workload.people;

import dev.ferry.workload.Netty;
import dev.ferry.workload.http.HttpClientPool;
import dev.ferry.workload.http.HttpResult;
import dev.ferry.workload.load.Kind;
import dev.ferry.workload.load.LoadConfig;
import dev.ferry.workload.load.LoadGenerator;
import dev.ferry.workload.load.LoadReport;
import dev.ferry.workload.load.Outcome;
import dev.ferry.workload.load.RequestSender;
import dev.ferry.workload.load.Router;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded people load through one address (a Service, an ingress, a pod): writes ({@code PUT
 * /people/{id}}) and reads ({@code GET /people/{id}}) at a fixed rate on {@link LoadGenerator},
 * failures counted by {@link Kind} as every load of the lab counts them.
 *
 * <p>It also checks what it reads. Each write carries a sequence number ({@link Person#written}); a
 * write answered 2xx is <em>acknowledged</em>, and the load keeps the last acknowledged one per
 * person. A read must return that write or a later one: older data, a person missing after an
 * acknowledged write, or a torn read (name and address from different writes) is a <em>stale
 * read</em>, counted apart and also failed ({@link Kind#OTHER}, detail {@code stale read}).
 *
 * <p>One write per person at a time, so the order of acknowledgements is the order of commits: a
 * person whose write is in flight gets no other write, nor for {@code inDoubtQuarantine} after a
 * write whose outcome is unknown (it may still commit).
 */
public final class PeopleLoad implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeopleLoad.class);
  private static final int MAX_EXAMPLES = 10;
  private static final long FREE = 0;
  private static final long WRITING = Long.MAX_VALUE;

  /**
   * The load's end (or its state so far).
   *
   * @param load requests by second and by failure kind, as every load reports them
   * @param writesSent writes sent
   * @param writesAcknowledged writes answered 2xx
   * @param writesInDoubt writes that ended without an answer or with a 5xx: they may or may not
   *     have committed
   * @param readsSent reads sent
   * @param readsVerified reads answered with data at least as new as the last acknowledged write
   * @param staleReads reads answered with older data, no data after an acknowledged write, or data
   *     of two writes
   * @param acknowledgedWrites person id → sequence number of its last acknowledged write: what
   *     {@link PeopleConsistency#check(PeopleDb, Map)} looks for
   * @param staleExamples a few stale reads, described
   */
  public record Result(LoadReport load, long writesSent, long writesAcknowledged, long writesInDoubt,
      long readsSent, long readsVerified, long staleReads, Map<Long, Long> acknowledgedWrites,
      List<String> staleExamples) {

    /** Requests that failed, stale reads included. */
    public long requestsFailed() {
      return load.requestsFailed();
    }

    public Map<Kind, Long> failuresByKind() {
      return load.errors();
    }
  }

  private final PeopleLoadConfig config;
  private final Sender sender;
  private final LoadGenerator generator;

  private PeopleLoad(String name, Router router, String host, PeopleLoadConfig config) {
    this.config = config;
    this.sender = new Sender(router, host, config);
    Duration guard = config.requestTimeout().plusSeconds(1);
    long max = (long) Math.ceil(config.ratePerSecond() * config.duration().toNanos() / 1e9);
    LoadConfig lc = new LoadConfig(config.ratePerSecond(), config.duration(), Math.max(1, max),
        config.maxInFlight(), guard);
    log.info("event=people_load_start name={} rate={} seconds={} people={} writeShare={}", name,
        config.ratePerSecond(), config.duration().toSeconds(), config.people(), config.writeShare());
    this.generator = LoadGenerator.start("people-" + name, lc, sender);
  }

  /** Starts a load whose new connections go where {@code router} says (a Service's routing). */
  public static PeopleLoad start(String name, Router router, PeopleLoadConfig config) {
    return new PeopleLoad(name, router, "people", config);
  }

  /** Starts a load against {@code baseUrl} ({@code http://127.0.0.1:8080}; its path is ignored). */
  public static PeopleLoad start(String name, URI baseUrl, PeopleLoadConfig config) {
    if (!"http".equals(baseUrl.getScheme()) || baseUrl.getHost() == null) {
      throw new IllegalArgumentException("an http:// URL with a host: " + baseUrl);
    }
    int port = baseUrl.getPort() < 0 ? 80 : baseUrl.getPort();
    InetSocketAddress a = new InetSocketAddress(baseUrl.getHost(), port);
    return new PeopleLoad(name, Router.fixed(a), baseUrl.getHost(), config);
  }

  public PeopleLoadConfig config() {
    return config;
  }

  /** Completes with the result once sending is over and every request has ended. */
  public CompletableFuture<Result> done() {
    return generator.done().thenApply(sender::result);
  }

  /** The result so far. */
  public Result result() {
    return sender.result(generator.report());
  }

  /** The last acknowledged write per person so far. */
  public Map<Long, Long> acknowledgedWrites() {
    return sender.acknowledgedSnapshot();
  }

  /** Stops sending; {@link #done()} completes when the requests in flight have ended. */
  public void stop() {
    generator.stop();
  }

  /** Stops, waits for the requests in flight (bounded), closes the connections. */
  @Override
  public void close() {
    generator.close();
    sender.close();
  }

  /** The requests: each call to send picks a write or a read. Non-blocking. */
  private static final class Sender implements RequestSender {
    private final HttpClientPool pool;
    private final String host;
    private final PeopleLoadConfig config;
    // per person (index id - 1): FREE, WRITING, or the nanoTime its quarantine ends
    private final AtomicLongArray writeState;
    private final ConcurrentHashMap<Long, Long> acknowledged = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong writesSent = new AtomicLong();
    private final AtomicLong writesAcked = new AtomicLong();
    private final AtomicLong writesInDoubt = new AtomicLong();
    private final AtomicLong readsSent = new AtomicLong();
    private final AtomicLong readsVerified = new AtomicLong();
    private final AtomicLong staleReads = new AtomicLong();
    private final List<String> staleExamples = Collections.synchronizedList(new ArrayList<>());

    Sender(Router router, String host, PeopleLoadConfig config) {
      Duration connect = config.requestTimeout().compareTo(Duration.ofSeconds(2)) < 0 ? config.requestTimeout() : Duration.ofSeconds(2);
      this.pool = new HttpClientPool(router, new HttpClientPool.Config(connect, config.requestTimeout(), config.maxIdleConnections()), Netty.shared());
      this.host = host;
      this.config = config;
      this.writeState = new AtomicLongArray(config.people());
    }

    @Override
    public CompletableFuture<Outcome> send() {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      if (r.nextDouble() < config.writeShare()) {
        long id = claimForWrite(r);
        if (id > 0) {
          return write(id);
        }
      }
      return read(1 + r.nextInt(config.people()));
    }

    /** A person no write is in flight or in doubt for, claimed; 0 when a few tries found none. */
    private long claimForWrite(ThreadLocalRandom r) {
      long now = System.nanoTime();
      for (int i = 0; i < 8; i++) {
        int index = r.nextInt(config.people());
        long s = writeState.get(index);
        boolean free = s == FREE || (s != WRITING && now - s >= 0);
        if (free && writeState.compareAndSet(index, s, WRITING)) {
          return index + 1L;
        }
      }
      return 0;
    }

    private CompletableFuture<Outcome> write(long id) {
      long n = seq.incrementAndGet();
      Person p = Person.written(id, n);
      writesSent.incrementAndGet();
      byte[] body = PeopleApp.toJson(p).getBytes(StandardCharsets.UTF_8);
      var req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/people/" + id, Unpooled.wrappedBuffer(body));
      // The write sets the whole person to value n: sending it twice is harmless, and a client that
      // knows so says so (an Idempotency-Key makes it replayable for Go's net/http and our pool).
      req.headers().set(HttpHeaderNames.HOST, host).set(HttpHeaderNames.CONTENT_TYPE, "application/json")
          .set("Idempotency-Key", id + "-" + n);
      return pool.execute(req).thenApply(res -> {
        int index = (int) (id - 1);
        if (res.kind() == Kind.OK && res.status() / 100 == 2) {
          acknowledged.merge(id, n, Math::max);
          writesAcked.incrementAndGet();
          writeState.set(index, FREE);
          return outcome(res, Kind.OK, null);
        }
        // unknown outcome: keep this person from other writes until it cannot commit any more
        writesInDoubt.incrementAndGet();
        writeState.set(index, System.nanoTime() + Math.max(1, config.inDoubtQuarantine().toNanos()));
        return failure(res, "write");
      });
    }

    private CompletableFuture<Outcome> read(long id) {
      readsSent.incrementAndGet();
      long ackedBefore = acknowledged.getOrDefault(id, -1L);
      var req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/people/" + id);
      req.headers().set(HttpHeaderNames.HOST, host);
      return pool.execute(req).thenApply(res -> {
        if (res.kind() != Kind.OK || (res.status() != 200 && res.status() != 404)) {
          return failure(res, "read");
        }
        String stale = null;
        if (res.status() == 404) {
          if (ackedBefore >= 0) {
            stale = "person " + id + " not found after write s" + ackedBefore + " was acknowledged";
          }
        } else {
          try {
            Person p = PeopleApp.fromJson(id, res.body());
            long got = p.seq();
            if (got < 0 && (ackedBefore >= 0 || Person.seqOf(p.name()) >= 0)) {
              stale = "person " + id + " torn: " + p;
            } else if (got < ackedBefore) {
              stale = "person " + id + " read s" + got + " after s" + ackedBefore + " was acknowledged";
            }
          } catch (java.io.IOException | RuntimeException e) {
            stale = "person " + id + " unreadable answer: " + e.getMessage();
          }
        }
        if (stale != null) {
          staleReads.incrementAndGet();
          String pod = res.pod();
          String example = stale + " (pod " + pod + ", version " + header(res, "X-People-Version") + ")";
          synchronized (staleExamples) {
            if (staleExamples.size() < MAX_EXAMPLES) {
              staleExamples.add(example);
            }
          }
          return outcome(res, Kind.OTHER, "stale read: " + stale);
        }
        readsVerified.incrementAndGet();
        return outcome(res, Kind.OK, null);
      });
    }

    private static String header(HttpResult r, String name) {
      return r.headers() == null ? null : r.headers().get(name);
    }

    private static Outcome failure(HttpResult res, String op) {
      if (res.kind() != Kind.OK) {
        return outcome(res, res.kind(), op + ": " + res.detail());
      }
      Kind k = res.status() >= 500 ? Kind.HTTP_5XX : Kind.OTHER;
      return outcome(res, k, op + ": status " + res.status());
    }

    private static Outcome outcome(HttpResult r, Kind kind, String detail) {
      String target = r.remote() == null ? null : r.remote().getHostString() + ":" + r.remote().getPort();
      return new Outcome(kind, r.pod(), r.latencyNanos(), detail, target);
    }

    Map<Long, Long> acknowledgedSnapshot() {
      return Collections.unmodifiableMap(new TreeMap<>(acknowledged));
    }

    Result result(LoadReport report) {
      List<String> examples;
      synchronized (staleExamples) {
        examples = List.copyOf(staleExamples);
      }
      return new Result(report, writesSent.get(), writesAcked.get(), writesInDoubt.get(), readsSent.get(),
          readsVerified.get(), staleReads.get(), acknowledgedSnapshot(), examples);
    }

    @Override
    public void close() {
      pool.close();
    }
  }
}
