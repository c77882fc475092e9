package dev.ferry.workload;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** {@code --name value} command-line options of the workloads' process entry points. */
public final class Args {
  private final Map<String, String> values = new HashMap<>();

  public Args(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("expected --option, got " + a);
      }
      int eq = a.indexOf('=');
      if (eq > 0) {
        values.put(a.substring(2, eq), a.substring(eq + 1));
      } else if (i + 1 < args.length) {
        values.put(a.substring(2), args[++i]);
      } else {
        throw new IllegalArgumentException("option " + a + " has no value");
      }
    }
  }

  public String string(String name) {
    String v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException("missing --" + name);
    }
    return v;
  }

  public String string(String name, String dflt) {
    return values.getOrDefault(name, dflt);
  }

  public int integer(String name) {
    return Integer.parseInt(string(name));
  }

  /** Milliseconds, as {@code --name-ms}. */
  public Duration millis(String name, Duration dflt) {
    String v = values.get(name);
    return v == null ? dflt : Duration.ofMillis(Long.parseLong(v));
  }

  /** {@code host:port}. */
  public InetSocketAddress address(String name) {
    String v = string(name);
    int c = v.lastIndexOf(':');
    if (c < 0) {
      throw new IllegalArgumentException("--" + name + " must be host:port: " + v);
    }
    return new InetSocketAddress(v.substring(0, c), Integer.parseInt(v.substring(c + 1)));
  }
}
