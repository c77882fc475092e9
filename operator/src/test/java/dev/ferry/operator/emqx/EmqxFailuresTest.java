package dev.ferry.operator.emqx;

import static dev.ferry.operator.emqx.TestCredentials.CREDENTIALS;
import static dev.ferry.operator.emqx.TestCredentials.KEY;
import static dev.ferry.operator.emqx.TestCredentials.SECRET;
import static dev.ferry.operator.emqx.TestCredentials.assertNoCredential;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.api.v1alpha1.EmqxApiVersion;
import dev.ferry.broker.BrokerConfig;
import dev.ferry.broker.BrokerNode;
import dev.ferry.broker.EmqxProfile;
import dev.ferry.operator.emqx.EmqxException.Kind;
import dev.ferry.operator.emqx.EmqxModel.EvacuationRequest;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * How each failure is classified and bounded: EMQX's own refusals (a viewer key, an Opensource
 * without node evacuation, Enterprise 5.0's unknown field) from lab brokers of those versions, and
 * what no lab broker does (hang, answer garbage) from bare sockets.
 */
class EmqxFailuresTest {

  private static final EvacuationRequest EVACUATE = new EvacuationRequest(10, 10, 5, 30, null, null);

  static BrokerNode broker(String host, EmqxProfile profile) {
    return BrokerNode.start(BrokerConfig.onHost(host, KEY, SECRET).withEmqx(profile));
  }

  static EmqxApi connect(String host, int port, EmqxApiVersion version, EmqxTimeouts timeouts, EmqxCredentials c)
      throws EmqxException {
    return new EmqxConnector(new EmqxConnector.Settings(version, port, false, null, "emqx-api", timeouts), c, null)
        .connect(host);
  }

  static EmqxApi v5(BrokerNode n) throws EmqxException {
    return connect(n.apiAddress().getHostString(), n.apiAddress().getPort(), EmqxApiVersion.V5, EmqxTimeouts.DEFAULT, CREDENTIALS);
  }

  @Test
  void aViewerKeyIsRefusedTheStartWithAnExplanation() throws Exception {
    var viewer = new EmqxCredentials("viewer", "viewer-secret");
    EmqxProfile profile = EmqxProfile.DEFAULT.withViewerKeys(List.of(new EmqxProfile.ApiKey("viewer", "viewer-secret")));
    try (BrokerNode n = broker("127.0.46.1", profile)) {
      EmqxApi api = connect("127.0.46.1", n.apiAddress().getPort(), EmqxApiVersion.V5, EmqxTimeouts.DEFAULT, viewer);
      assertThat(api.nodes()).hasSize(1); // reading is allowed
      assertThatThrownBy(() -> api.startEvacuation(n.name(), EVACUATE)).isInstanceOfSatisfying(EmqxException.class, e -> {
        assertThat(e.status()).isEqualTo(403);
        assertThat(e.kind()).isEqualTo(Kind.PERMISSION);
        assertThat(e.setupProblem()).isTrue();
        assertThat(e.getMessage()).contains("lacks the permission").contains("cluster_operations");
        assertNoCredential(e, "viewer-secret");
      });
    }
  }

  @Test
  void anOpensourceWithoutNodeEvacuationSaysWhatIsNeeded() throws Exception {
    try (BrokerNode n = broker("127.0.46.2", EmqxProfile.DEFAULT.withVersion("5.8.1", "Opensource"))) {
      EmqxApi api = v5(n);
      assertThatThrownBy(() -> api.startEvacuation(n.name(), EVACUATE)).isInstanceOfSatisfying(EmqxException.class, e -> {
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.noNodeEvacuation()).isTrue();
        assertThat(e.setupProblem()).isTrue();
        assertThat(e.getMessage()).contains("this EMQX (5.8.1 Opensource) has no node evacuation: "
            + "EMQX Enterprise, or EMQX 5.9 or later, is needed");
      });
      assertThatThrownBy(api::globalStatus).isInstanceOfSatisfying(EmqxException.class,
          e -> assertThat(e.noNodeEvacuation()).isTrue());
    }
  }

  @Test
  void enterprise50GetsNoWaitHealthCheck() throws Exception {
    try (BrokerNode n = broker("127.0.46.3", EmqxProfile.DEFAULT.withVersion("5.0.4", "Enterprise"))) {
      EmqxApi api = v5(n);
      api.startEvacuation(n.name(), EVACUATE); // the broker answers 400 to a wait_health_check
      try {
        assertThat(api.globalStatus().evacuations()).extracting(EmqxModel.Evacuation::node).containsExactly(n.name());
      } finally {
        api.stopEvacuation(n.name());
      }
    }
  }

  /**
   * When /nodes does not tell (here it names no 5.0 node), a start refused for naming
   * wait_health_check is sent once more without it, and the client remembers. The other side
   * answers as EMQX 5.0 does; no lab broker can say it runs a later version and refuse the field.
   */
  @Test
  void aStartRefusedForWaitHealthCheckIsSentOnceMoreWithout() throws Exception {
    List<String> bodies = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.46.4", 0), 0);
    server.createContext("/api/v5/nodes", ex -> reply(ex, 200,
        "[{\"node\":\"emqx@elsewhere\",\"node_status\":\"running\",\"version\":\"5.1.0\",\"edition\":\"Enterprise\"}]"));
    server.createContext("/api/v5/load_rebalance/", ex -> {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      bodies.add(body);
      reply(ex, body.contains("wait_health_check") ? 400 : 200, body.contains("wait_health_check")
          ? "{\"code\":\"BAD_REQUEST\",\"message\":\"{\\\"reason\\\":\\\"unknown_fields\\\",\\\"unknown\\\":\\\"wait_health_check\\\"}\"}"
          : "{}");
    });
    server.start();
    try {
      EmqxApi api = connect("127.0.46.4", server.getAddress().getPort(), EmqxApiVersion.V5, EmqxTimeouts.DEFAULT, CREDENTIALS);
      api.startEvacuation("emqx@127.0.46.4", EVACUATE);
      assertThat(bodies).hasSize(2);
      assertThat(bodies.get(0)).contains("wait_health_check");
      assertThat(bodies.get(1)).doesNotContain("wait_health_check").contains("conn_evict_rate");
      api.startEvacuation("emqx@127.0.46.4", EVACUATE);
      assertThat(bodies).hasSize(3);
      assertThat(bodies.get(2)).doesNotContain("wait_health_check");
    } finally {
      server.stop(0);
    }
  }

  private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws java.io.IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Test
  void aServerThatNeverAnswersCostsTheTimeoutOnce() throws Exception {
    EmqxTimeouts oneSecond = new EmqxTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1));
    try (Silent silent = new Silent("127.0.46.5", null);
        Silent stalls = new Silent("127.0.46.6", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[")) {
      for (Silent s : List.of(silent, stalls)) {
        EmqxApi api = connect("127.0.46." + (s == silent ? 5 : 6), s.port(), EmqxApiVersion.V5, oneSecond, CREDENTIALS);
        long start = System.nanoTime();
        assertThatThrownBy(api::nodes).isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
          assertThat(e.transientFailure()).isTrue();
          assertThat(e.getMessage()).contains("/api/v5/nodes").contains("within 1 s");
          assertNoCredential(e);
        });
        long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertThat(ms).as("one call of a one-second budget, never retried").isBetween(900L, 2_500L);
      }
    }
  }

  @Test
  void aBadOrUnknownHostIsAnEmqxExceptionToo() {
    assertThatThrownBy(() -> connect("not a host", 18083, EmqxApiVersion.V5, EmqxTimeouts.DEFAULT, CREDENTIALS).nodes())
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.kind()).isEqualTo(Kind.BAD_ADDRESS);
          assertThat(e.setupProblem()).isTrue();
          assertNoCredential(e);
        });
    assertThatThrownBy(() -> connect("emqx.invalid", 18083, EmqxApiVersion.V5, EmqxTimeouts.DEFAULT, CREDENTIALS).nodes())
        .isInstanceOfSatisfying(EmqxException.class, e -> {
          assertThat(e.kind()).isIn(Kind.UNREACHABLE, Kind.TIMEOUT);
          assertThat(e.transientFailure()).isTrue();
          assertThat(e.getMessage()).contains("emqx.invalid");
          assertNoCredential(e);
        });
  }

  @Test
  void somethingElseThanEmqxIsNoApi() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.46.7", 0), 0);
    server.createContext("/", ex -> {
      byte[] b = "<html>hello</html>".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    server.start();
    try {
      EmqxApi api = connect("127.0.46.7", server.getAddress().getPort(), EmqxApiVersion.V5, EmqxTimeouts.DEFAULT, CREDENTIALS);
      assertThatThrownBy(api::nodes).isInstanceOfSatisfying(EmqxException.class, e -> {
        assertThat(e.kind()).isEqualTo(Kind.NO_API);
        assertThat(e.setupProblem()).isTrue();
      });
      assertThatThrownBy(() -> connect("127.0.46.7", server.getAddress().getPort(), EmqxApiVersion.AUTO,
          EmqxTimeouts.DEFAULT, CREDENTIALS)).isInstanceOfSatisfying(EmqxException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.NO_API);
            assertThat(e.getMessage()).contains("neither EMQX 5's nor EMQX 4.4's API");
          });
    } finally {
      server.stop(0);
    }
  }

  /** Accepts connections and never answers, or answers {@code partial} and stops there. */
  static final class Silent implements AutoCloseable {
    private final ServerSocket socket;
    private final List<Socket> held = new CopyOnWriteArrayList<>();

    Silent(String host, String partial) throws Exception {
      socket = new ServerSocket(0, 50, InetAddress.getByName(host));
      Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            Socket s = socket.accept();
            held.add(s);
            if (partial != null) {
              s.getOutputStream().write(partial.getBytes(StandardCharsets.US_ASCII));
              s.getOutputStream().flush();
            }
          }
        } catch (java.io.IOException e) {
          // closed
        }
      });
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws Exception {
      socket.close();
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
