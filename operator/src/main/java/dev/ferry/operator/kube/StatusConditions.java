package dev.ferry.operator.kube;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;

/** Conditions as Kubernetes API conventions want them: lastTransitionTime moves only when the status flips. */
public final class StatusConditions {
  private StatusConditions() {}

  public static Condition of(
      List<Condition> previous, String type, boolean value, String reason, String message, Long generation,
      Instant now) {
    String status = value ? "True" : "False";
    String since = now.toString();
    if (previous != null) {
      for (Condition c : previous) {
        if (type.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
          since = c.getLastTransitionTime();
        }
      }
    }
    return new ConditionBuilder()
        .withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
