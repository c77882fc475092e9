package dev.ferry.lab.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ServiceProxyTest {

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  private EchoServer echo(String host) {
    return closing(new EchoServer(host));
  }

  private ServiceProxy proxy(Balancing b, Duration delay) {
    return closing(ServiceProxy.builder("echo", new InetSocketAddress("127.0.2.100", 0))
        .balancing(b).propagationDelay(delay).start());
  }

  /** Opens a connection through the proxy and checks that bytes go both ways. */
  private Socket connectAndEcho(ServiceProxy proxy) throws IOException {
    Socket s = closing(new Socket());
    s.connect(proxy.address(), 2000);
    s.setSoTimeout(5000);
    assertEchoes(s);
    return s;
  }

  private static void assertEchoes(Socket s) throws IOException {
    byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
    s.getOutputStream().write(hello);
    s.getOutputStream().flush();
    assertThat(s.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
  }

  @Test
  void roundRobinSpreadsNewConnectionsEvenly() throws Exception {
    EchoServer a = echo("127.0.2.1");
    EchoServer b = echo("127.0.2.2");
    EchoServer c = echo("127.0.2.3");
    ServiceProxy proxy = proxy(Balancing.ROUND_ROBIN, Duration.ZERO);
    proxy.setEndpoints(List.of(a.address(), b.address(), c.address()));

    for (int i = 0; i < 30; i++) {
      connectAndEcho(proxy);
    }

    assertThat(proxy.routedTo(a.address())).isEqualTo(10);
    assertThat(proxy.routedTo(b.address())).isEqualTo(10);
    assertThat(proxy.routedTo(c.address())).isEqualTo(10);
    assertThat(proxy.activeConnections().values()).containsOnly(10);
  }

  @Test
  void removedEndpointKeepsItsConnectionsAndGetsNoNewOnesOnceTheChangeHasPropagated() throws Exception {
    EchoServer a = echo("127.0.2.1");
    EchoServer b = echo("127.0.2.2");
    // Long enough that two connections made right after the change still see the old endpoints.
    ServiceProxy proxy = proxy(Balancing.ROUND_ROBIN, Duration.ofSeconds(3));
    proxy.setEndpoints(List.of(a.address(), b.address()));
    await().atMost(Duration.ofSeconds(15)).until(() -> proxy.visibleEndpoints().size() == 2);
    List<Socket> before = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      before.add(connectAndEcho(proxy));
    }
    assertThat(proxy.routedTo(a.address())).isEqualTo(2);

    proxy.setEndpoints(List.of(b.address()));
    // Not yet propagated: the proxy still sends new connections to a.
    connectAndEcho(proxy);
    connectAndEcho(proxy);
    assertThat(proxy.routedTo(a.address())).isEqualTo(3);

    await().atMost(Duration.ofSeconds(15)).until(() -> proxy.visibleEndpoints().equals(List.of(b.address())));
    for (int i = 0; i < 10; i++) {
      connectAndEcho(proxy);
    }
    assertThat(proxy.routedTo(a.address())).isEqualTo(3);
    assertThat(proxy.routedTo(b.address())).isEqualTo(13);
    // Established connections to a were not moved or closed.
    assertThat(proxy.activeTo(a.address())).isEqualTo(3);
    for (Socket s : before) {
      assertEchoes(s);
    }
  }

  @Test
  void leastConnectionSendsNewConnectionsToTheEmptiestEndpoint() throws Exception {
    EchoServer a = echo("127.0.2.1");
    EchoServer b = echo("127.0.2.2");
    ServiceProxy proxy = proxy(Balancing.LEAST_CONNECTION, Duration.ZERO);
    proxy.setEndpoints(List.of(a.address()));
    for (int i = 0; i < 4; i++) {
      connectAndEcho(proxy);
    }
    proxy.setEndpoints(List.of(a.address(), b.address()));
    for (int i = 0; i < 4; i++) {
      connectAndEcho(proxy);
    }
    assertThat(proxy.activeTo(a.address())).isEqualTo(4);
    assertThat(proxy.activeTo(b.address())).isEqualTo(4);
    connectAndEcho(proxy);
    connectAndEcho(proxy);
    assertThat(proxy.activeTo(a.address())).isEqualTo(5);
    assertThat(proxy.activeTo(b.address())).isEqualTo(5);
  }

  @Test
  void randomChoiceUsesEveryEndpoint() throws Exception {
    EchoServer a = echo("127.0.2.1");
    EchoServer b = echo("127.0.2.2");
    ServiceProxy proxy = proxy(Balancing.RANDOM, Duration.ZERO);
    proxy.setEndpoints(List.of(a.address(), b.address()));
    for (int i = 0; i < 40; i++) {
      connectAndEcho(proxy);
    }
    // 40 fair coin flips all landing on one side: 2^-39.
    assertThat(proxy.routedTo(a.address())).isPositive();
    assertThat(proxy.routedTo(b.address())).isPositive();
    assertThat(proxy.routedTo(a.address()) + proxy.routedTo(b.address())).isEqualTo(40);
  }

  @Test
  void withoutEndpointsANewConnectionIsClosedAtOnce() throws Exception {
    ServiceProxy proxy = proxy(Balancing.RANDOM, Duration.ZERO);
    Socket s = closing(new Socket());
    s.connect(proxy.address(), 2000);
    s.setSoTimeout(5000);
    assertThat(s.getInputStream().read()).isEqualTo(-1);
  }

  @Test
  void closedEndpointClosesItsProxiedConnections() throws Exception {
    EchoServer a = echo("127.0.2.1");
    ServiceProxy proxy = proxy(Balancing.RANDOM, Duration.ZERO);
    proxy.setEndpoints(List.of(a.address()));
    Socket s = connectAndEcho(proxy);
    s.getOutputStream().write(1);
    assertThat(s.getInputStream().read()).isEqualTo(1);
    s.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.activeTo(a.address()) == 0);
  }

  @Test
  void splicesALargeStreamBothWaysWithoutLosingAByte() throws Exception {
    EchoServer a = echo("127.0.2.1");
    ServiceProxy proxy = proxy(Balancing.RANDOM, Duration.ZERO);
    proxy.setEndpoints(List.of(a.address()));
    byte[] data = new byte[4 << 20];
    new Random(42).nextBytes(data);
    Socket s = closing(new Socket());
    s.connect(proxy.address(), 2000);
    s.setSoTimeout(20000);
    // Write from a second thread: the echo comes back while we are still sending.
    Thread writer = new Thread(() -> {
      try {
        OutputStream out = s.getOutputStream();
        for (int off = 0; off < data.length; off += 64 << 10) {
          out.write(data, off, Math.min(64 << 10, data.length - off));
        }
        out.flush();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    writer.start();
    InputStream in = s.getInputStream();
    byte[] back = in.readNBytes(data.length);
    writer.join(20000);
    assertThat(back).isEqualTo(data);
  }
}
