package dev.ferry.check;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * What a container's command line, arguments and environment say about the application in it: Java
 * system properties ({@code -Dkey=value}), Spring-style arguments ({@code --key=value}), and
 * environment variables read as relaxed property names ({@code DUBBO_PROVIDER_DELAY} is
 * {@code dubbo.provider.delay}, as Dubbo and Spring Boot read them). Settings baked into the image
 * (a {@code dubbo.properties}, an {@code application.yml}) cannot be seen from here.
 *
 * @param properties every {@code key=value} found, keys lower case
 * @param dubboSignal what shows the container runs a Dubbo provider, or null when nothing does
 */
record AppSettings(Map<String, String> properties, String dubboSignal) {

  /** Dubbo's QoS port (its {@code offline} command) and its default protocol port. */
  static final int DUBBO_QOS_PORT = 22222;
  static final int DUBBO_PORT = 20880;

  private static final Pattern PROPERTY = Pattern.compile("(?:^|\\s)(?:-D|--)([A-Za-z][\\w.\\-\\[\\]]*)=(\\S*)");
  private static final Pattern DELAY_KEY = Pattern.compile("dubbo\\.(provider|service)(\\..+)?\\.delay");

  static AppSettings of(Container c) {
    Map<String, String> props = new LinkedHashMap<>();
    List<String> texts = new ArrayList<>();
    if (c.getCommand() != null) {
      texts.addAll(c.getCommand());
    }
    if (c.getArgs() != null) {
      texts.addAll(c.getArgs());
    }
    String signal = null;
    if (c.getEnv() != null) {
      for (EnvVar e : c.getEnv()) {
        if (e.getName() == null) {
          continue;
        }
        if (e.getValue() != null) {
          texts.add(e.getValue());
          props.putIfAbsent(e.getName().toLowerCase(Locale.ROOT).replace('_', '.'), e.getValue());
        }
        if (signal == null && e.getName().toUpperCase(Locale.ROOT).startsWith("DUBBO_")) {
          signal = "env " + e.getName();
        }
      }
    }
    for (String t : texts) {
      var m = PROPERTY.matcher(t);
      while (m.find()) {
        props.putIfAbsent(m.group(1).toLowerCase(Locale.ROOT), m.group(2).replaceAll("^[\"']|[\"']$", ""));
      }
    }
    if (signal == null) {
      signal = props.keySet().stream().filter(k -> k.startsWith("dubbo.")).findFirst().map(k -> "property " + k)
          .orElse(null);
    }
    if (signal == null && c.getPorts() != null) {
      for (ContainerPort p : c.getPorts()) {
        Integer n = p.getContainerPort();
        if (n != null && (n == DUBBO_QOS_PORT || n == DUBBO_PORT)) {
          signal = "port " + n + (n == DUBBO_QOS_PORT ? " (Dubbo QoS)" : " (Dubbo)");
          break;
        }
        if (p.getName() != null && p.getName().toLowerCase(Locale.ROOT).contains("dubbo")) {
          signal = "port " + p.getName();
          break;
        }
      }
    }
    return new AppSettings(props, signal);
  }

  boolean dubbo() {
    return dubboSignal != null;
  }

  /** Dubbo's registration delay in milliseconds when one above zero is set ({@code -1} is not a delay). */
  OptionalInt dubboDelayMillis() {
    int best = 0;
    for (var e : properties.entrySet()) {
      if (DELAY_KEY.matcher(e.getKey()).matches()) {
        try {
          best = Math.max(best, Integer.parseInt(e.getValue().trim()));
        } catch (NumberFormatException ignored) {
          // a placeholder such as ${DELAY}: not known
        }
      }
    }
    return best > 0 ? OptionalInt.of(best) : OptionalInt.empty();
  }

  /** Dubbo's graceful shutdown wait in seconds ({@code dubbo.service.shutdown.wait}, milliseconds). */
  OptionalInt dubboShutdownSeconds() {
    String v = properties.get("dubbo.service.shutdown.wait");
    if (v == null) {
      return OptionalInt.empty();
    }
    try {
      return OptionalInt.of((int) Math.ceil(Long.parseLong(v.trim()) / 1000.0));
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }
}
