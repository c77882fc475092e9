package dev.ferry.operator.drain;

import dev.ferry.core.release.DrainView;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/**
 * Empties one pod before it is deleted. Implementations talk to what runs in the pods (EMQX's REST
 * API, the HTTP drain protocol) and report drains in core's terms, so the plans need not know which
 * drainer runs.
 *
 * <p>Every method is idempotent: starting a drain that runs, or stopping one that does not, is fine.
 */
public interface Drainer {

  /** What runs on each of these pods, and which of them cannot take clients over yet. */
  Observation observe(List<Pod> pods);

  /**
   * Starts draining {@code pod} towards {@code migrateTo}, at the spec's rates divided by
   * {@code share} (as many drains run side by side).
   */
  void start(Pod pod, List<Pod> migrateTo, int share) throws DrainException;

  /** Stops a drain so that the pod accepts clients again. */
  void stop(Pod pod) throws DrainException;

  /**
   * What a drainer sees.
   *
   * @param drains what runs on each pod, by pod name; pods with no drain may be left out
   * @param notInCluster pods that cannot take clients over yet, with why (a broker outside the
   *     cluster); empty for drainers with no cluster
   */
  record Observation(Map<String, DrainView> drains, Map<String, String> notInCluster) {
    public Observation {
      drains = Map.copyOf(drains);
      notInCluster = Map.copyOf(notInCluster);
    }

    /** Drains only: every pod can take clients over. */
    public static Observation of(Map<String, DrainView> drains) {
      return new Observation(drains, Map.of());
    }
  }

  /** A drain call that failed; the message says where and why, never a credential. */
  final class DrainException extends Exception {
    public DrainException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
