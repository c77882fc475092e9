package dev.ferry.check;

import java.util.List;

/**
 * What {@link Checker} found: the risks, the risks left out by {@code --ignore} or the ignore
 * annotation, every object judged, every object skipped, and the assumptions it made.
 */
public record CheckResult(
    List<Finding> findings, List<Finding> ignored, List<ObjectRef> checked, List<Skipped> skipped,
    CheckOptions options) {

  public CheckResult {
    findings = List.copyOf(findings);
    ignored = List.copyOf(ignored);
    checked = List.copyOf(checked);
    skipped = List.copyOf(skipped);
  }

  public boolean clean() {
    return findings.isEmpty();
  }
}
