package dev.ferry.workload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A plain-socket HTTP/1.1 client connection for tests that need to see the connection itself. */
final class RawHttp implements AutoCloseable {
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    boolean closes() {
      return "close".equalsIgnoreCase(header("connection"));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttp(InetSocketAddress to) throws IOException {
    socket = new Socket();
    socket.connect(to, 2000);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  static Response once(InetSocketAddress to, String method, String path) throws IOException {
    try (RawHttp c = new RawHttp(to)) {
      return c.call(method, path);
    }
  }

  /** Writes the request without reading the answer. */
  void send(String method, String path) throws IOException {
    out.write((method + " " + path + " HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  Response call(String method, String path) throws IOException {
    send(method, path);
    return read();
  }

  Response read() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before the answer");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String l;
    while ((l = line()) != null && !l.isEmpty()) {
      int c = l.indexOf(':');
      headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
    }
    int len = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(len);
    return new Response(Integer.parseInt(status.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
  }

  /** Whether the server closed the connection (EOF or reset) within the socket timeout. */
  boolean closedByServer() {
    try {
      return in.read() == -1;
    } catch (IOException e) {
      return true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
