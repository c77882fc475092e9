package dev.ferry.workload;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A plain-socket server that misbehaves in one chosen way, for the client's error classes. */
final class StubServer implements AutoCloseable {
  enum Mode {
    /** Answers 503 and keeps the connection. */
    ANSWER_503,
    /** Reads the request, then closes the connection without answering. */
    CLOSE_AFTER_REQUEST,
    /** Reads the request, then resets the connection (SO_LINGER 0). */
    RESET_AFTER_REQUEST,
    /** Reads the request and never answers. */
    NEVER_ANSWER,
    /**
     * Answers a connection's first request 200 (keep-alive); reads its second, then closes without
     * answering: an idle keep-alive connection closed by the server just as a request crosses it.
     */
    CLOSE_ON_SECOND_REQUEST
  }

  private final ServerSocket server;
  private final Mode mode;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  /** Requests read, on every connection. */
  final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
  private final Thread acceptor;

  StubServer(InetSocketAddress address, Mode mode) throws IOException {
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(address, 200);
    this.mode = mode;
    this.acceptor = Thread.ofVirtual().start(this::accept);
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      int n = 0;
      while (readRequest(in)) {
        requests.incrementAndGet();
        n++;
        switch (mode) {
          case CLOSE_ON_SECOND_REQUEST -> {
            if (n > 1) {
              return;
            }
            s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
                .getBytes(StandardCharsets.US_ASCII));
          }
          case ANSWER_503 -> s.getOutputStream().write(
              "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: keep-alive\r\n\r\nbusy"
                  .getBytes(StandardCharsets.US_ASCII));
          case CLOSE_AFTER_REQUEST -> {
            return;
          }
          case RESET_AFTER_REQUEST -> {
            s.setSoLinger(true, 0);
            return;
          }
          case NEVER_ANSWER -> {
            while (in.read() != -1) {
              // hold the connection until the client gives up
            }
            return;
          }
        }
      }
    } catch (IOException e) {
      // the client went away
    } finally {
      sockets.remove(s);
    }
  }

  /** Reads up to the blank line that ends a request without a body; false at EOF. */
  private static boolean readRequest(InputStream in) throws IOException {
    int state = 0;
    int c;
    while ((c = in.read()) != -1) {
      state = switch (state) {
        case 0, 2 -> c == '\r' ? state + 1 : 0;
        case 1 -> c == '\n' ? 2 : 0;
        case 3 -> c == '\n' ? 4 : 0;
        default -> 0;
      };
      if (state == 4) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    server.close();
    acceptor.interrupt();
    try {
      // once this returns nothing accepts here: the next test may bind the same address
      acceptor.join(java.time.Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Socket s : sockets) {
      s.close();
    }
  }
}
