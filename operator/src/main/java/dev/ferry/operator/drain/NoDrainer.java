package dev.ferry.operator.drain;

import dev.ferry.core.release.DrainView;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/** {@code drain.type: none}: the plans wait {@code waitTakeover} after the gate closed; nothing to call. */
public final class NoDrainer implements Drainer {
  @Override
  public Observation observe(List<Pod> pods) {
    return Observation.of(Map.of());
  }

  @Override
  public void start(Pod pod, List<Pod> migrateTo, int share) {}

  @Override
  public void stop(Pod pod) {}
}
