package dev.ferry.check;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The preStop hook a container needs, as a patch of its {@code lifecycle.preStop}: one hook that
 * sleeps long enough and, for a service in a registry, calls the registry's offline first. Every
 * finding about the hook of one container carries this same patch, so applying any of them, or all,
 * gives the same hook. An existing {@code exec} hook is kept and extended (its last {@code sleep}
 * lengthened, the offline call put in front) rather than replaced: it may do things of its own.
 */
final class HookFix {
  private HookFix() {}

  private static final Pattern LAST_SLEEP = Pattern.compile("(?s)(.*\\bsleep\\s+)([\"']?[0-9.]+[smhd]?[\"']?)");

  /**
   * @param current the container's hook, or null
   * @param now what {@code current} does, or null
   * @param needSeconds how long the hook must keep the pod serving
   * @param offlineUrl the registry's offline URL to call first, or null when it needs none
   */
  static ObjectNode preStop(LifecycleHandler current, PreStop now, int needSeconds, String offlineUrl) {
    ObjectNode hook = Patch.object();
    boolean exec = current != null && current.getExec() != null && current.getExec().getCommand() != null
        && !current.getExec().getCommand().isEmpty();
    // A sleep action is replaced, never shortened.
    long slept = now == null || current.getSleep() == null ? 0 : (long) now.atLeastSeconds();
    if (offlineUrl == null && !exec) {
      hook.putObject("sleep").put("seconds", Math.max(slept, needSeconds));
    } else {
      // An exec hook is kept and lengthened by what it lacks; any other becomes one that sleeps enough.
      List<String> command = exec ? current.getExec().getCommand() : List.of();
      double deficit = exec ? Math.max(0, needSeconds - now.atLeastSeconds()) : Math.max(slept, needSeconds);
      ArrayNode cmd = hook.putObject("exec").putArray("command");
      command(command, deficit, offlineUrl).forEach(cmd::add);
    }
    // A hook has one action: the patch takes away the ones it does not use.
    if (current != null) {
      for (String other : List.of("exec", "sleep", "httpGet", "tcpSocket")) {
        if (!hook.has(other) && present(current, other)) {
          hook.putNull(other);
        }
      }
    }
    return hook;
  }

  private static boolean present(LifecycleHandler h, String action) {
    return switch (action) {
      case "exec" -> h.getExec() != null;
      case "sleep" -> h.getSleep() != null;
      case "httpGet" -> h.getHttpGet() != null;
      default -> h.getTcpSocket() != null;
    };
  }

  /** The exec command: the offline call first when asked, then the current command with {@code deficit} more sleep. */
  private static List<String> command(List<String> current, double deficit, String offlineUrl) {
    String offline = offlineUrl == null ? null : "curl -s " + offlineUrl + " || wget -qO- " + offlineUrl;
    if (current.isEmpty()) {
      return List.of("sh", "-c", offline + "; sleep " + number(deficit));
    }
    if (offline == null && !PreStop.shellScript(current)) {
      List<String> direct = lengthened(current, deficit);
      if (direct != null) {
        return direct;
      }
    }
    String script = PreStop.shellScript(current) ? String.join(" ", current.subList(2, current.size()))
        : String.join(" ", current);
    script = lengthened(script, deficit);
    if (offline != null) {
      script = offline + "; " + script;
    }
    String shell = PreStop.shellScript(current) ? current.get(0) : "sh";
    String flag = PreStop.shellScript(current) ? current.get(1) : "-c";
    return List.of(shell, flag, script);
  }

  /** A command run without a shell ({@code [sleep, "2"]}) with its sleep lengthened, or null when it has none. */
  private static List<String> lengthened(List<String> command, double deficit) {
    for (int i = command.size() - 2; i >= 0; i--) {
      if (PreStop.basename(command.get(i)).equals("sleep") && PreStop.seconds(command.get(i + 1)) >= 0) {
        List<String> out = new ArrayList<>(command);
        out.set(i + 1, number(PreStop.seconds(command.get(i + 1)) + deficit));
        return out;
      }
    }
    return deficit == 0 ? command : null;
  }

  /** The script with its last sleep lengthened by {@code deficit}, or a sleep added when it has none. */
  private static String lengthened(String script, double deficit) {
    if (deficit == 0) {
      return script;
    }
    Matcher m = LAST_SLEEP.matcher(script);
    if (m.lookingAt() && PreStop.seconds(m.group(2)) >= 0) {
      return m.group(1) + number(PreStop.seconds(m.group(2)) + deficit) + script.substring(m.end());
    }
    return script + "; sleep " + number(deficit);
  }

  /** {@code 5}, {@code 1.5}: a number of seconds as sleep takes it. */
  static String number(double s) {
    return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
  }
}
