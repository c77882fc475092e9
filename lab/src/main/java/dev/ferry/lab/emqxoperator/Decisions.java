package dev.ferry.lab.emqxoperator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The EMQX Operator's decisions that need no I/O, each as its source writes it
 * ({@code controllers/apps/v2beta1/}), so that tests can hold them to it.
 */
final class Decisions {
  private Decisions() {}

  /**
   * The body of {@code POST /load_rebalance/{node}/evacuation/start} ({@code sync_pods.go},
   * {@code startEvacuationByAPI}): both rates and {@code migrate_to} (the update set's nodes, as
   * the status lists them: possibly an empty list), {@code wait_takeover} only when above 0. It
   * never sends {@code wait_health_check}, so EMQX waits its default 60 s before evicting, nor
   * {@code redirect_to}.
   */
  static Map<String, Object> evacuationBody(EmqxCr.Spec spec, List<String> migrateTo) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("conn_evict_rate", spec.connEvictRate);
    body.put("sess_evict_rate", spec.sessEvictRate);
    body.put("migrate_to", List.copyOf(migrateTo));
    if (spec.waitTakeover > 0) {
      body.put("wait_takeover", spec.waitTakeover);
    }
    return body;
  }

  /**
   * An evacuation start counts as done on 200, and on a 400 whose body says {@code already_started}
   * (the operator ignores that one on purpose); anything else is an error.
   */
  static boolean evacuationStarted(int status, String body) {
    return status == 200 || (status == 400 && body != null && body.contains("already_started"));
  }

  /**
   * Whether the old set may lose a node now, as far as the cluster's state goes
   * ({@code canBeScaleDownSts}): the initial delay since Available has passed (whole seconds, strictly
   * more), and the first listed evacuation, if any, is {@code prohibiting} (done).
   */
  static boolean mayTouchOldSet(Instant availableSince, Instant now, int initialDelaySeconds,
      List<EmqxApi.Evacuation> evacuations) {
    if (availableSince == null || Duration.between(availableSince, now).toSeconds() <= initialDelaySeconds) {
      return false;
    }
    return evacuations.isEmpty() || "prohibiting".equals(evacuations.get(0).state());
  }

  /** The old set's next pod to go: always its highest ordinal, {@code <set>-<replicas-1>}. */
  static String podToScaleDown(String setName, int specReplicas) {
    return setName + "-" + (specReplicas - 1);
  }

  /** {@code checkWaitTakeoverReady}: no pod deleted yet, or the last deletion more than waitTakeover seconds ago. */
  static boolean takeoverWaitOver(Instant lastDeletion, Instant now, int waitTakeover) {
    return lastDeletion == null || Duration.between(lastDeletion, now).toSeconds() > waitTakeover;
  }

  /**
   * The pod-template hash ({@code util.go}, {@code computeHash}): FNV-32a over the template (here its
   * JSON) and the collision count when there is one, its decimal value encoded with Kubernetes'
   * safe alphabet.
   */
  static String templateHash(String templateJson, Integer collisionCount) {
    int h = 0x811c9dc5;
    byte[] bytes = templateJson.getBytes(StandardCharsets.UTF_8);
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x01000193;
    }
    if (collisionCount != null) {
      int c = collisionCount;
      byte[] le = {(byte) c, (byte) (c >>> 8), (byte) (c >>> 16), (byte) (c >>> 24), 0, 0, 0, 0};
      for (byte b : le) {
        h ^= b & 0xff;
        h *= 0x01000193;
      }
    }
    return safeEncode(Long.toString(Integer.toUnsignedLong(h)));
  }

  private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

  private static String safeEncode(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      out.append(ALPHANUMS.charAt(c % ALPHANUMS.length()));
    }
    return out.toString();
  }

  /** {@code checkInCluster}'s version test: Enterprise 5.0.3 and later also ask the node's availability_check. */
  static boolean asksAvailability(String edition, String version) {
    if (!"Enterprise".equals(edition) || version == null) {
      return false;
    }
    String[] v = version.split("[.-]");
    try {
      int major = Integer.parseInt(v[0]);
      int minor = v.length > 1 ? Integer.parseInt(v[1]) : 0;
      int patch = v.length > 2 ? Integer.parseInt(v[2]) : 0;
      return major > 5 || (major == 5 && (minor > 0 || patch >= 3));
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
