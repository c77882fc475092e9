package dev.ferry.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A container's preStop hook as our kubelet runs it: an HTTP call (an {@code httpGet} action, or the
 * URL an {@code exec} hook passes to wget or curl, as the operator renders {@code offlineUrl}), then
 * a sleep (a {@code sleep} action, or an exec of {@code sleep N}). There is no shell in our pods, so
 * any other command does nothing; a hook's HTTP call to {@code localhost} reaches the pod itself.
 *
 * <p>Where the call comes from matters to applications that trust local callers only (Dubbo's QoS
 * port refuses foreign addresses by default): an {@code exec} hook runs inside the container, so
 * its call comes from loopback ({@code fromContainer}); an {@code httpGet} action is sent by the
 * kubelet from the node, a foreign address to the pod.
 */
public record PreStopHook(String url, Duration sleep, boolean fromContainer) {
  private static final Pattern URL = Pattern.compile("https?://[^'\"\\s]+");

  public static PreStopHook of(Pod pod, int defaultPort) {
    for (Container c : pod.getSpec().getContainers()) {
      var hook = c.getLifecycle() == null ? null : c.getLifecycle().getPreStop();
      if (hook == null) {
        continue;
      }
      String url = null;
      boolean exec = false;
      if (hook.getHttpGet() != null && hook.getHttpGet().getPort() != null) {
        var g = hook.getHttpGet();
        String scheme = g.getScheme() == null ? "http" : g.getScheme().toLowerCase(Locale.ROOT);
        String port = g.getPort().getIntVal() != null ? String.valueOf(g.getPort().getIntVal()) : String.valueOf(defaultPort);
        url = scheme + "://" + (g.getHost() == null ? "localhost" : g.getHost()) + ":" + port
            + (g.getPath() == null ? "/" : g.getPath());
      } else if (hook.getExec() != null && hook.getExec().getCommand() != null) {
        var m = URL.matcher(String.join(" ", hook.getExec().getCommand()));
        if (m.find()) {
          url = m.group();
          exec = true;
        }
      }
      return new PreStopHook(url, sleepOf(hook), exec);
    }
    return new PreStopHook(null, Duration.ZERO, false);
  }

  /** The URL as the pod itself reaches it: localhost is the pod's own address. */
  public static String inPod(String url, String podIp) {
    URI u = URI.create(url);
    String host = u.getHost();
    if (host == null || host.equals("localhost") || host.startsWith("127.")) {
      String h = podIp.contains(":") ? "[" + podIp + "]" : podIp;
      return u.getScheme() + "://" + h + (u.getPort() < 0 ? "" : ":" + u.getPort())
          + (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
          + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }
    return url;
  }

  private static Duration sleepOf(io.fabric8.kubernetes.api.model.LifecycleHandler hook) {
    if (hook.getSleep() != null && hook.getSleep().getSeconds() != null) {
      return Duration.ofSeconds(hook.getSleep().getSeconds());
    }
    if (hook.getExec() != null && hook.getExec().getCommand() != null) {
      List<String> words = new ArrayList<>();
      hook.getExec().getCommand().forEach(w -> words.addAll(List.of(w.trim().split("\\s+"))));
      int i = words.indexOf("sleep");
      if (i >= 0 && i + 1 < words.size()) {
        try {
          return Duration.ofMillis((long) (Double.parseDouble(words.get(i + 1)) * 1000));
        } catch (NumberFormatException e) {
          return Duration.ZERO;
        }
      }
    }
    return Duration.ZERO;
  }
}
