package dev.ferry.workload.people;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.ferry.workload.http.HttpApplication;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The people app of one version as an {@link HttpApplication}: {@code PUT /people/{id}} (JSON
 * {@code name}, {@code street}, {@code city}; 200 only once committed) and {@code GET
 * /people/{id}} (200 with the JSON, 404 when there is no such person). Every answer carries {@code
 * X-People-Version}. A database error answers 500 with its SQLState; the transaction is rolled back.
 *
 * <p>Its connections come from a pool of {@code poolSize} (the service runs as many requests at once,
 * so none waits long for one), named {@code people-<version>}.
 */
public final class PeopleApp implements HttpApplication {
  private static final Logger log = LoggerFactory.getLogger(PeopleApp.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX = "/people/";

  private final PeopleVersion version;
  private final HikariDataSource pool;
  private final int poolSize;
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong reads = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final Set<String> loggedStates = ConcurrentHashMap.newKeySet();

  /** {@code version}'s app on {@code db} with a pool of {@code poolSize} connections. */
  public PeopleApp(String version, PeopleDb db, int poolSize) {
    if (poolSize < 1 || poolSize > 32) {
      throw new IllegalArgumentException("poolSize must be in [1, 32]: " + poolSize);
    }
    this.version = PeopleVersion.of(version);
    this.poolSize = poolSize;
    this.pool = db.pool(version, poolSize, Duration.ofSeconds(2));
  }

  public String version() {
    return version.id();
  }

  /** Writes committed. */
  public long writes() {
    return writes.get();
  }

  /** Reads answered (found or not). */
  public long reads() {
    return reads.get();
  }

  /** Requests answered 500. */
  public long failures() {
    return failures.get();
  }

  @Override
  public int maxConcurrency() {
    return poolSize;
  }

  @Override
  public Response handle(Request request) {
    if (!request.path().startsWith(PREFIX)) {
      return answer(Response.text(404, "not found"));
    }
    long id;
    try {
      id = Long.parseLong(request.path().substring(PREFIX.length()));
    } catch (NumberFormatException e) {
      return answer(Response.text(400, "the id must be a number"));
    }
    return switch (request.method()) {
      case "GET" -> answer(get(id));
      case "PUT" -> answer(put(id, request));
      default -> answer(Response.text(405, "GET or PUT"));
    };
  }

  private Response get(long id) {
    try (Connection c = pool.getConnection()) {
      try {
        Optional<Person> p = version.read(c, id);
        c.commit();
        reads.incrementAndGet();
        return p.map(person -> Response.json(200, toJson(person))).orElseGet(() -> Response.text(404, "no person " + id));
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      return failed("read", e);
    }
  }

  private Response put(long id, Request request) {
    Person p;
    try {
      JsonNode body = JSON.readTree(request.body());
      if (body == null || !body.hasNonNull("name")) {
        return Response.text(400, "name is required");
      }
      p = new Person(id, body.get("name").asText(), text(body, "street"), text(body, "city"));
    } catch (java.io.IOException e) {
      return Response.text(400, "not JSON");
    }
    try (Connection c = pool.getConnection()) {
      try {
        version.write(c, p);
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
      writes.incrementAndGet();
      return Response.json(200, toJson(p));
    } catch (SQLException e) {
      return failed("write", e);
    }
  }

  private Response failed(String op, SQLException e) {
    failures.incrementAndGet();
    String state = String.valueOf(e.getSQLState());
    // the first of each kind at WARN: a schema the version cannot use fails every request alike
    if (loggedStates.add(op + state)) {
      log.warn("event=people_request_failed version={} op={} sqlState={} error={}", version.id(), op, state, e.getMessage());
    } else {
      log.debug("event=people_request_failed version={} op={} sqlState={}", version.id(), op, state);
    }
    return Response.text(500, op + " failed: SQLState " + state);
  }

  private Response answer(Response r) {
    return r.withHeader("X-People-Version", version.id());
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  static String toJson(Person p) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", p.id());
    n.put("name", p.name());
    n.put("street", p.street());
    n.put("city", p.city());
    return n.toString();
  }

  static Person fromJson(long id, byte[] body) throws java.io.IOException {
    JsonNode n = JSON.readTree(body);
    return new Person(id, n.get("name").asText(), text(n, "street"), text(n, "city"));
  }

  /** Closes the pool; connections in use are aborted (their transactions roll back). */
  @Override
  public void close() {
    pool.close();
    log.info("event=people_app_closed version={} writes={} reads={} failures={}", version.id(), writes.get(), reads.get(), failures.get());
  }
}
