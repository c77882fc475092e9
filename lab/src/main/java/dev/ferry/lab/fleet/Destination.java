package dev.ferry.lab.fleet;

import java.net.InetSocketAddress;

/**
 * Where a client connects, asked again before every connection attempt. In the lab it is the
 * Service's address; a test may point clients anywhere. Called on the client's event loop: it
 * must not block.
 */
@FunctionalInterface
public interface Destination {

  InetSocketAddress addressFor(String clientId);

  static Destination fixed(InetSocketAddress address) {
    return clientId -> address;
  }
}
