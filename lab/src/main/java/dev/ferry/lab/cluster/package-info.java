/**
 * The lab's embedded Kubernetes cluster: {@link dev.ferry.lab.cluster.EmbeddedCluster} runs an API
 * server (fabric8's mock server in CRUD mode, plain HTTP on loopback) and the components that play
 * Kubernetes' part against it (ReplicaSet, StatefulSet and Job controllers, a kubelet that runs each pod
 * as a lab broker node on its own loopback address, an EndpointSlice controller, a kube-proxy that
 * makes each Service a {@link dev.ferry.lab.net.ServiceProxy}). The real Ferry operator talks to it
 * through the ordinary client, as it would to a real cluster.
 *
 * <h2>Addresses</h2>
 * Pods get {@code 127.0.10.1}–{@code 127.0.19.254}, Services {@code 127.0.20.x}, the API server
 * {@code 127.0.21.1} (any free port); each address once per JVM, from a random place in its range
 * (see {@code Loopback}), and an address another process holds is skipped. Each pod's broker listens
 * on MQTT 1883, EMQX API 18083 and cluster 4370 of its own address; its IP is in the pod's status
 * once the broker has bound it (a sandbox exists), then Running.
 *
 * <h2>Differences from a real cluster, and why</h2>
 * <ul>
 *   <li>Graceful deletion is a finalizer ({@code lab.ferry.dev/graceful-deletion}) that the
 *       controllers put on every pod they create: the mock server deletes at once otherwise.
 *       {@code deletionTimestamp} is the time of the DELETE (no grace period added), in local time.
 *   <li>One node; no scheduler (pods are bound at creation), no adoption of orphans, no
 *       container restarts.
 *   <li>Jobs: one completion, parallelism one, {@code restartPolicy: Never} (what migration Jobs
 *       are); the back-off between a failed pod and the next starts at {@code
 *       ClusterConfig.jobBackoff} (1 s, Kubernetes 10 s) and doubles, up to six minutes.
 *   <li>Every component lists what it needs from the API on every pass (every 100 ms by default)
 *       instead of watching: the lab has a few dozen objects, and a fresh read never acts on a stale
 *       cache.
 * </ul>
 */
package dev.ferry.lab.cluster;
