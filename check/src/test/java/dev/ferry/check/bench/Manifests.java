package dev.ferry.check.bench;

import java.util.Random;

/** The manifests of one app, as a team would write them; varied by a seeded {@link Random}. */
final class Manifests {
  private Manifests() {}

  static final int NAMESPACES = 200;
  static final String[] TEAMS = {"payments", "search", "checkout", "identity", "catalog", "ads", "mail", "data"};
  static final String[] TIERS = {"frontend", "backend", "worker"};

  /** A workload, its Service, maybe an Ingress, and a ConfigMap, separated by {@code ---}. */
  static String app(int i, Random r) {
    String name = "app-" + i;
    String ns = "ns-" + (i % NAMESPACES);
    String team = TEAMS[i % TEAMS.length];
    String tier = TIERS[r.nextInt(TIERS.length)];
    boolean ferry = r.nextInt(10) == 0;
    StringBuilder out = new StringBuilder();
    out.append(ferry ? losslessDeployment(name, ns, team, tier, r) : deployment(name, ns, team, tier, r));
    out.append(service(name, ns, team, tier, r));
    if (r.nextInt(3) == 0) {
      out.append(ingress(name, ns, r));
    }
    out.append(configMap(name, ns, r));
    return out.toString();
  }

  private static String labels(String name, String team, String tier) {
    return "{app: " + name + ", team: " + team + ", tier: " + tier + ", app.kubernetes.io/part-of: shop}";
  }

  static String deployment(String name, String ns, String team, String tier, Random r) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: %1$s
          namespace: %2$s
          labels: %3$s
          annotations: {deployment.kubernetes.io/revision: "%4$d"}
        spec:
          replicas: %5$d
          selector:
            matchLabels: {app: %1$s, team: %6$s}
          strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%%, maxUnavailable: 0}}
          template:
            metadata:
              labels: %3$s
            spec:
        %7$s      containers:
        %8$s
        ---
        """.formatted(name, ns, labels(name, team, tier), r.nextInt(40), 2 + r.nextInt(8), team,
        r.nextBoolean() ? "      terminationGracePeriodSeconds: " + (10 + 10 * r.nextInt(6)) + "\n" : "",
        containers(name, r));
  }

  static String losslessDeployment(String name, String ns, String team, String tier, Random r) {
    return """
        apiVersion: ferry.dev/v1alpha1
        kind: LosslessDeployment
        metadata: {name: %1$s, namespace: %2$s}
        spec:
          replicas: %4$d
          selector:
            matchLabels: {app: %1$s}
          template:
            metadata:
              labels: %3$s
            spec:
              containers:
        %5$s
          service: {name: %1$s}
          strategy: {type: Rolling, rolling: {maxSurge: 1, maxUnavailable: 0}}
        %6$s---
        """.formatted(name, ns, labels(name, team, tier), 2 + r.nextInt(8), containers(name, r),
        r.nextBoolean() ? "  lifecycle: {preStopSleepSeconds: 5, shutdownSeconds: 20}\n" : "");
  }

  /** The app container (probes, env, resources, sometimes a preStop or a Dubbo registry) and a log sidecar. */
  static String containers(String name, Random r) {
    StringBuilder env = new StringBuilder();
    for (int e = 0; e < 6 + r.nextInt(10); e++) {
      env.append("            - {name: SETTING_").append(e).append(", value: \"").append(Long.toHexString(r.nextLong()))
          .append("\"}\n");
    }
    if (r.nextInt(8) == 0) {
      env.append("            - {name: DUBBO_REGISTRY_ADDRESS, value: \"nacos://nacos.infra:8848\"}\n");
    }
    String preStop = switch (r.nextInt(3)) {
      case 0 -> "";
      case 1 -> "          lifecycle: {preStop: {sleep: {seconds: " + (2 + r.nextInt(10)) + "}}}\n";
      default -> "          lifecycle: {preStop: {exec: {command: [sh, -c, \"sleep " + r.nextInt(15) + "\"]}}}\n";
    };
    String readiness = r.nextInt(4) == 0 ? "" : """
                  readinessProbe:
                    httpGet: {path: /ready, port: http}
                    periodSeconds: 2
                    failureThreshold: 3
        """;
    return """
                - name: %1$s
                  image: registry.example.com/%1$s:%2$d.%3$d.%4$d
                  args: ["--server.port=8080", "--spring.profiles.active=prod", "-Xmx512m"]
                  ports:
                    - {name: http, containerPort: 8080}
                    - {name: metrics, containerPort: 9090}
                  env:
        %5$s          resources:
                    requests: {cpu: 250m, memory: 512Mi}
                    limits: {cpu: "1", memory: 1Gi}
                  livenessProbe:
                    httpGet: {path: /live, port: http}
                    periodSeconds: 10
        %6$s%7$s          volumeMounts:
                    - {name: config, mountPath: /etc/%1$s}
                - name: log-shipper
                  image: registry.example.com/fluent-bit:3.1
                  resources:
                    requests: {cpu: 50m, memory: 64Mi}
                  volumeMounts:
                    - {name: logs, mountPath: /var/log/app}""".formatted(name, r.nextInt(5), r.nextInt(20), r.nextInt(50),
        env, readiness, preStop);
  }

  static String service(String name, String ns, String team, String tier, Random r) {
    boolean local = r.nextInt(10) == 0;
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: %1$s, namespace: %2$s, labels: {app: %1$s}}
        spec:
          type: %3$s
          selector: {app: %1$s, team: %4$s, tier: %5$s}
          ports:
            - {name: http, port: 80, targetPort: http}
        ---
        """.formatted(name, ns, local ? "LoadBalancer\n  externalTrafficPolicy: Local" : "ClusterIP", team, tier);
  }

  static String ingress(String name, String ns, Random r) {
    return """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: %1$s
          namespace: %2$s
        %3$sspec:
          ingressClassName: nginx
          rules:
            - host: %1$s.example.com
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: %1$s, port: {name: http}}}}
        ---
        """.formatted(name, ns, r.nextBoolean()
        ? "  annotations: {nginx.ingress.kubernetes.io/service-upstream: \"true\"}\n" : "");
  }

  static String configMap(String name, String ns, Random r) {
    StringBuilder data = new StringBuilder();
    for (int k = 0; k < 8; k++) {
      data.append("  key-").append(k).append(": \"").append(Long.toHexString(r.nextLong()))
          .append(Long.toHexString(r.nextLong())).append("\"\n");
    }
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "-config, namespace: " + ns + "}\ndata:\n"
        + data + "---\n";
  }
}
