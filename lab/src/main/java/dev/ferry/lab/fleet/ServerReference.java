package dev.ferry.lab.fleet;

import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Reads an MQTT 5 Server-Reference (§4.11): a space-separated list of servers, of which a client
 * uses the first. Accepted forms: {@code host:port}, {@code [v6]:port}, {@code host} (port 1883),
 * each optionally with an {@code mqtt://} or {@code tcp://} scheme, as EMQX's {@code redirect_to}
 * is often written.
 */
final class ServerReference {

  static final int DEFAULT_PORT = 1883;

  private ServerReference() {}

  static Optional<InetSocketAddress> parse(String reference) {
    if (reference == null || reference.isBlank()) {
      return Optional.empty();
    }
    String first = reference.trim().split("\\s+")[0];
    int scheme = first.indexOf("://");
    if (scheme >= 0) {
      first = first.substring(scheme + 3);
    }
    if (first.endsWith("/")) {
      first = first.substring(0, first.length() - 1);
    }
    String host;
    int port = DEFAULT_PORT;
    try {
      if (first.startsWith("[")) {
        int close = first.indexOf(']');
        if (close < 0) {
          return Optional.empty();
        }
        host = first.substring(1, close);
        if (first.length() > close + 2 && first.charAt(close + 1) == ':') {
          port = Integer.parseInt(first.substring(close + 2));
        }
      } else {
        int colon = first.lastIndexOf(':');
        host = colon < 0 ? first : first.substring(0, colon);
        if (colon >= 0) {
          port = Integer.parseInt(first.substring(colon + 1));
        }
      }
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (host.isEmpty() || port < 1 || port > 65535) {
      return Optional.empty();
    }
    // A literal is used as is; a name is left unresolved for Netty to resolve, never here.
    boolean literal = NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
    return Optional.of(literal ? new InetSocketAddress(host, port) : InetSocketAddress.createUnresolved(host, port));
  }
}
