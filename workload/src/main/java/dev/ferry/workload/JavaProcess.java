package dev.ferry.workload;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs a workload's entry point as a process of its own, on this JVM's class
 * path: what a simulated kubelet starts when a pod must be a real process (SIGTERM runs the
 * workload's own graceful shutdown, SIGKILL ends it with nothing answered or unregistered).
 */
public final class JavaProcess {
  private JavaProcess() {}

  /** {@code java -Xmx<heap> -cp <this class path> <main> <args...>}. */
  public static List<String> command(Class<?> main, String heap, List<String> args) {
    return command(main, List.of("-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), args);
  }

  /** {@code java <jvmOptions...> -cp <this class path> <main> <args...>}. */
  public static List<String> command(Class<?> main, List<String> jvmOptions, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(args);
    return cmd;
  }
}
