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

  /** What runs on each of these pods, by pod name; pods with no drain may be left out. */
  Map<String, DrainView> observe(List<Pod> pods);

  /** Starts draining {@code pod} towards {@code migrateTo}. */
  void start(Pod pod, List<Pod> migrateTo) throws DrainException;

  /** Stops a drain so that the pod accepts clients again. */
  void stop(Pod pod) throws DrainException;

  /** A drain call that failed; the message says where and why, never a credential. */
  final class DrainException extends Exception {
    public DrainException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
