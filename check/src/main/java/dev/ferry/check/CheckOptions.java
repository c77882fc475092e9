package dev.ferry.check;

import java.util.Set;

/**
 * What {@link Checker} assumes where the objects do not say:
 *
 * @param propagationSeconds how long an endpoint change takes to reach every kube-proxy, ingress
 *     controller and load balancer; a preStop hook must keep the pod serving at least this long.
 *     A LosslessDeployment's {@code spec.lifecycle.propagationSeconds} raises it for that object.
 * @param shutdownSeconds how long the app needs after SIGTERM to finish in-flight requests, for
 *     workloads that do not say (a LosslessDeployment says: {@code spec.lifecycle.shutdownSeconds};
 *     a Dubbo provider says: {@code dubbo.service.shutdown.wait}).
 * @param nginxClasses ingress class names served by ingress-nginx, besides those an IngressClass of
 *     the input maps to the controller {@code k8s.io/ingress-nginx}
 * @param ignore risks not to report
 */
public record CheckOptions(int propagationSeconds, int shutdownSeconds, Set<String> nginxClasses, Set<Risk> ignore) {

  public static final int DEFAULT_PROPAGATION_SECONDS = 5;
  public static final int DEFAULT_SHUTDOWN_SECONDS = 10;

  public CheckOptions {
    if (propagationSeconds < 0 || shutdownSeconds < 0) {
      throw new IllegalArgumentException("seconds cannot be negative");
    }
    nginxClasses = Set.copyOf(nginxClasses);
    ignore = Set.copyOf(ignore);
  }

  public static CheckOptions defaults() {
    return new CheckOptions(DEFAULT_PROPAGATION_SECONDS, DEFAULT_SHUTDOWN_SECONDS, Set.of("nginx"), Set.of());
  }
}
