package dev.ferry.check;

import io.fabric8.kubernetes.api.model.LifecycleHandler;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a preStop hook does, as far as can be told from the object: how long it keeps the pod serving
 * at least (its sleeps), whether that is all it does (then the length is exact), and whether it takes
 * the pod out of a service registry first.
 *
 * <p>The {@code sleep} action counts its seconds. An {@code exec} hook is read as a shell script
 * ({@code sh -c '...'} or the command itself): {@code sleep N} counts N, quick commands ({@code curl},
 * {@code wget}, {@code echo}, ...) count 0, and anything else (a script of the image) makes the length
 * unknown — at least the sleeps, maybe more. {@code httpGet} and {@code tcpSocket} hooks last as long
 * as the app answers: unknown.
 *
 * @param atLeastSeconds the sleeps the hook surely makes
 * @param exact whether the hook does nothing else that could take time
 * @param offline whether it calls an {@code offline} command or URL (Dubbo QoS {@code offline},
 *     {@code offlineApp}, {@code offlineInterface}, or a URL whose path says offline)
 * @param text the command line or URL, for messages
 */
public record PreStop(double atLeastSeconds, boolean exact, boolean offline, String text) {

  private static final Set<String> SHELLS = Set.of("sh", "bash", "ash", "dash", "zsh", "busybox");
  private static final Set<String> QUICK = Set.of(
      "curl", "wget", "echo", "printf", "true", ":", "nc", "telnet", "kill", "test", "[");
  private static final Pattern SEGMENTS = Pattern.compile("\\s*(?:;|&&|\\|\\||\\||\\n|(?<!>)&(?![&>]))\\s*");
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)([smhd]?)");

  /** The hook as it stands, or null when there is none. */
  public static PreStop of(LifecycleHandler h) {
    if (h == null) {
      return null;
    }
    if (h.getSleep() != null && h.getSleep().getSeconds() != null) {
      return new PreStop(h.getSleep().getSeconds(), true, false, "sleep " + h.getSleep().getSeconds());
    }
    if (h.getExec() != null && h.getExec().getCommand() != null && !h.getExec().getCommand().isEmpty()) {
      return ofCommand(h.getExec().getCommand());
    }
    if (h.getHttpGet() != null) {
      String path = h.getHttpGet().getPath() == null ? "/" : h.getHttpGet().getPath();
      String port = h.getHttpGet().getPort() == null ? "" : ":" + portText(h.getHttpGet().getPort());
      return new PreStop(0, false, saysOffline(path), "GET " + port + path);
    }
    return new PreStop(0, false, false, "tcpSocket");
  }

  static String portText(io.fabric8.kubernetes.api.model.IntOrString p) {
    return p.getIntVal() != null ? String.valueOf(p.getIntVal()) : p.getStrVal();
  }

  /** Whether the command is {@code sh -c SCRIPT} (or another shell's): its third word is a script. */
  static boolean shellScript(List<String> command) {
    return SHELLS.contains(basename(command.get(0))) && command.size() >= 3 && command.get(1).startsWith("-")
        && command.get(1).contains("c");
  }

  static PreStop ofCommand(List<String> command) {
    String script;
    String first = basename(command.get(0));
    if (shellScript(command)) {
      script = String.join(" ", command.subList(2, command.size()));
    } else if (first.equals("busybox") && command.size() >= 2) {
      script = String.join(" ", command.subList(1, command.size()));
    } else {
      script = String.join(" ", command);
    }
    double sleeps = 0;
    boolean exact = true;
    for (String segment : SEGMENTS.split(script.trim())) {
      String[] words = segment.trim().split("\\s+");
      if (words.length == 0 || words[0].isEmpty()) {
        continue;
      }
      String cmd = basename(words[0]);
      if (cmd.equals("exec") && words.length > 1) {
        cmd = basename(words[1]);
        words = java.util.Arrays.copyOfRange(words, 1, words.length);
      }
      if (cmd.equals("sleep")) {
        double s = words.length > 1 ? seconds(words[1]) : -1;
        if (s < 0) {
          exact = false;
        } else {
          sleeps += s;
        }
      } else if (!QUICK.contains(cmd)) {
        exact = false;
      }
    }
    return new PreStop(sleeps, exact, saysOffline(script), String.join(" ", command));
  }

  /** Seconds of a sleep argument (10, 1.5, 10s, 2m), or -1 when it is not one (infinity, $VAR). */
  static double seconds(String arg) {
    var m = DURATION.matcher(arg.replaceAll("^[\"']|[\"']$", ""));
    if (!m.matches()) {
      return -1;
    }
    double v = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "m" -> v * 60;
      case "h" -> v * 3600;
      case "d" -> v * 86400;
      default -> v;
    };
  }

  static boolean saysOffline(String text) {
    return text.toLowerCase(Locale.ROOT).contains("offline");
  }

  static String basename(String path) {
    String p = path.replaceAll("^[\"']|[\"']$", "");
    int slash = p.lastIndexOf('/');
    return slash >= 0 ? p.substring(slash + 1) : p;
  }

  /** The length as the table shows it: {@code 10s}, or {@code >=10s} when the hook may take longer. */
  public String lengthText() {
    return (exact ? "" : "at least ") + Checker.seconds(atLeastSeconds);
  }
}
