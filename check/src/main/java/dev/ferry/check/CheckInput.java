package dev.ferry.check;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;

/**
 * What was read, in input order: the objects to check (Deployments, LosslessDeployments, Services,
 * Ingresses, and IngressClasses that say which Ingresses ingress-nginx serves) and the objects
 * skipped.
 */
public record CheckInput(List<Entry> entries, List<Skipped> skipped) {

  /** One object and where it was read. */
  public record Entry(HasMetadata object, String source) {}

  public CheckInput {
    entries = List.copyOf(entries);
    skipped = List.copyOf(skipped);
  }

  /** True when there is something {@link Checker} judges (IngressClasses alone are not). */
  public boolean hasCheckable() {
    return entries.stream().anyMatch(e -> Checker.isCheckable(e.object()));
  }
}
