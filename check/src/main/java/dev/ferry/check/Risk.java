package dev.ferry.check;

/**
 * Each way a release can lose requests that {@code ferry check} finds. The id is what the output,
 * {@code --ignore} and the {@value Checker#IGNORE_ANNOTATION} annotation use; docs/check.md has a
 * section per risk under the same id.
 */
public enum Risk {
  /** A container gets traffic as soon as it started, before it can serve (online loss). */
  NO_READINESS_PROBE("no-readiness-probe"),
  /** SIGTERM comes while endpoints, proxies and load balancers still send requests (offline loss). */
  NO_PRESTOP("no-prestop"),
  /** The preStop hook ends before the endpoint removal has reached every proxy. */
  PRESTOP_TOO_SHORT("prestop-too-short"),
  /** The kubelet kills the container (SIGKILL) before preStop plus the app's shutdown are over. */
  GRACE_TOO_SHORT("grace-too-short"),
  /** {@code externalTrafficPolicy: Local}: a node that lost its last pod keeps getting traffic. */
  EXTERNAL_TRAFFIC_LOCAL("external-traffic-local"),
  /** ingress-nginx routes to pod IPs it learned earlier, not through the Service. */
  NGINX_NO_SERVICE_UPSTREAM("nginx-no-service-upstream"),
  /** A registry-based service that SIGTERM takes out of its registry only as it stops. */
  REGISTRY_NO_OFFLINE("registry-no-offline"),
  /** A registry-based service that registers before it is ready to take its share. */
  REGISTRY_NO_DELAY("registry-no-delay");

  private final String id;

  Risk(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** The risk with this id, or null. */
  public static Risk byId(String id) {
    for (Risk r : values()) {
      if (r.id.equals(id)) {
        return r;
      }
    }
    return null;
  }
}
