package dev.ferry.lab.cluster;

import java.util.ArrayList;
import java.util.List;

/** The options of the lab's child JVMs (broker pods, fleet shards). */
public final class ChildJvm {

  private ChildJvm() {}

  /** The level of the children's {@code dev.ferry} logs, which go to the run's terminal (null: theirs). */
  private static volatile String logLevel;

  /** A quiet lab run: children log {@code dev.ferry} at this level only (e.g. ERROR). */
  public static void logLevel(String level) {
    logLevel = level;
  }

  /** {@code options}, plus whatever {@code FERRY_LAB_CHILD_JVM_OPTS} adds (e.g. GC logging). */
  public static List<String> options(String... options) {
    List<String> all = new ArrayList<>(List.of(options));
    if (logLevel != null) {
      all.add("-DFERRY_LOG_LEVEL=" + logLevel); // logback.xml reads it for dev.ferry
    }
    String extra = System.getenv("FERRY_LAB_CHILD_JVM_OPTS");
    if (extra != null && !extra.isBlank()) {
      all.addAll(List.of(extra.trim().split("\\s+")));
    }
    return List.copyOf(all);
  }
}
