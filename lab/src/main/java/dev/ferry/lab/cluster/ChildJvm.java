package dev.ferry.lab.cluster;

import java.util.ArrayList;
import java.util.List;

/** The options of the lab's child JVMs (broker pods, fleet shards). */
public final class ChildJvm {

  private ChildJvm() {}

  /** {@code options}, plus whatever {@code FERRY_LAB_CHILD_JVM_OPTS} adds (e.g. GC logging). */
  public static List<String> options(String... options) {
    List<String> all = new ArrayList<>(List.of(options));
    String extra = System.getenv("FERRY_LAB_CHILD_JVM_OPTS");
    if (extra != null && !extra.isBlank()) {
      all.addAll(List.of(extra.trim().split("\\s+")));
    }
    return List.copyOf(all);
  }
}
