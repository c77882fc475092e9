package dev.ferry.lab.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A run-to-completion container (a Job's pod): it runs once and exits with a code and, on failure,
 * a message (its termination message, what {@code terminationMessagePolicy: FallbackToLogsOnError}
 * shows). The lab runs these images, in this process:
 *
 * <ul>
 *   <li>{@code people-migrate:<version>} with args {@code ["expand"]}, {@code ["contract"]} or
 *       {@code ["bigbang"]}: the example service's migration step of that version, against the
 *       PostgreSQL of env {@code JDBC_URL}, {@code DB_USER}, {@code DB_PASSWORD} (see {@link PeopleImages});
 *   <li>{@code busybox:*} with a shell line of {@code sleep N}, {@code exit N}, {@code true} or
 *       {@code false} joined by {@code ;} or {@code &&} (for the lab's own tests).
 * </ul>
 */
interface PodTask {

  /** How the container ended: exit code 0 is success. */
  record Exit(int code, String message) {
    static Exit ok() {
      return new Exit(0, null);
    }

    boolean succeeded() {
      return code == 0;
    }

    /** The container status's reason, as the kubelet sets it. */
    String reason() {
      return code == 0 ? "Completed" : "Error";
    }
  }

  /** Whether the lab runs {@code image} as a run-to-completion container. */
  static boolean handles(String image) {
    String name = imageName(image);
    return name.equals(PeopleImages.MIGRATE) || name.equals("busybox");
  }

  static String imageName(String image) {
    if (image == null) {
      return "";
    }
    String s = image.substring(image.lastIndexOf('/') + 1);
    int colon = s.indexOf(':');
    return (colon < 0 ? s : s.substring(0, colon)).toLowerCase(Locale.ROOT);
  }

  static String tag(String image) {
    int colon = image.lastIndexOf(':');
    return colon < image.lastIndexOf('/') || colon < 0 ? "latest" : image.substring(colon + 1);
  }

  /** Starts the pod's first container on a thread of its own; the future completes when it exits. */
  static CompletableFuture<Exit> start(Pod pod, Map<String, String> env) {
    Container c = pod.getSpec().getContainers().get(0);
    List<String> argv = new ArrayList<>();
    if (c.getCommand() != null) {
      argv.addAll(c.getCommand());
    }
    if (c.getArgs() != null) {
      argv.addAll(c.getArgs());
    }
    CompletableFuture<Exit> exit = new CompletableFuture<>();
    Thread.ofVirtual().name("task-" + Pods.name(pod)).start(() -> {
      try {
        exit.complete(imageName(c.getImage()).equals(PeopleImages.MIGRATE)
            ? PeopleImages.migrate(tag(c.getImage()), argv, env)
            : shell(argv));
      } catch (RuntimeException | Error e) {
        exit.complete(new Exit(1, String.valueOf(e)));
      }
    });
    return exit;
  }

  /** {@code busybox}: {@code sh -c "sleep 1; exit 3"} and the like. */
  private static Exit shell(List<String> argv) {
    List<String> words = new ArrayList<>(argv);
    if (words.size() >= 2 && words.get(0).equals("sh") && words.get(1).equals("-c")) {
      words = words.subList(2, words.size());
    }
    for (String part : String.join(" ", words).split(";|&&")) {
      String[] w = part.trim().split("\\s+");
      switch (w[0]) {
        case "", "true" -> { }
        case "false" -> {
          return new Exit(1, null);
        }
        case "sleep" -> {
          try {
            Thread.sleep((long) (Double.parseDouble(w[1]) * 1000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Exit(137, "killed");
          }
        }
        case "exit" -> {
          int code = w.length > 1 ? Integer.parseInt(w[1]) : 0;
          return new Exit(code, code == 0 ? null : "exit " + code);
        }
        default -> {
          return new Exit(127, "sh: " + w[0] + ": not found");
        }
      }
    }
    return Exit.ok();
  }
}
