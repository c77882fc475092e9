/**
 * The EMQX Operator (github emqx/emqx-operator, {@code controllers/apps/v2beta1/}) imitated for the
 * lab: the same decisions and the same API calls, in the project's own code, so that its releases
 * can be measured beside Ferry's. Cores only (the lab's brokers are one StatefulSet); the EMQX
 * resource lives in memory, everything else goes through the lab's Kubernetes API and the lab
 * brokers' EMQX API.
 *
 * <p>What it does, from its source:
 *
 * <ol>
 *   <li><b>A new revision is a new StatefulSet</b> ({@code add_emqx_core.go}): named
 *       {@code <name>-core-<hash>}, the hash over the pod template and a collision count; pods carry
 *       the readiness gate {@code apps.emqx.io/on-serving}; pod management Parallel. When the name is
 *       taken: before the cluster is Available and with the hash of the current revision, it is a
 *       revert (the update revision goes back); otherwise the collision count goes up and the next
 *       pass makes a set of a new name with the same template.
 *   <li><b>Who serves</b> ({@code update_pod_conditions.go}): a pod of the update set whose
 *       containers are ready gets on-serving True once its node is in the cluster's {@code /nodes}
 *       (as the oldest ready core pod sees it) and its {@code availability_check} answers 200;
 *       the current set's pods get on-serving False once the cluster is Available: they all leave
 *       the Service at once. Pods of any other set are not touched.
 *   <li><b>Status</b> ({@code update_emqx_status.go}, {@code status_machine.go}): one step per call
 *       of CoreNodesProgressing, CoreNodesReady (the update set's readyReplicas equal the spec),
 *       Available, Ready (running nodes equal the spec and the current revision is the update
 *       one). The current revision moves on when its set has no pods: to the oldest other set that
 *       still has some, else to the update set.
 *   <li><b>Draining</b> ({@code sync_pods.go}): once Available and {@code initialDelaySeconds}
 *       after it, while the first listed evacuation (if any) is {@code prohibiting}, the old set's
 *       highest ordinal is looked up by {@code GET /nodes/{node}}: a 404 (stopped) is scaled down at
 *       once; an Enterprise node with sessions gets {@code POST .../evacuation/start} with
 *       {@code conn_evict_rate}, {@code sess_evict_rate}, {@code migrate_to} (the update set's
 *       nodes) and {@code wait_takeover} when above 0: never {@code wait_health_check}, so EMQX
 *       waits its default 60 s first; a node with no session left is scaled down once
 *       {@code waitTakeover} has passed since the set's last pod deletion. Scaling down is
 *       {@code spec.replicas - 1} on the old set, one node at a time.
 *   <li><b>Clean-up</b> ({@code sync_sets.go}): once Ready, old sets beyond the revision history
 *       (3) with no pods are deleted. Nothing ever removes the stopped nodes from the cluster.
 *   <li><b>Errors</b>: a failed sub-step ends the pass; controller-runtime requeues it with
 *       exponential back-off. It reconciles every second until Ready, then every 30 s.
 *   <li><b>Rebalance</b> ({@code rebalance_controller.go}): {@link RebalanceJob}.
 * </ol>
 *
 * <p>Where the lab differs: nodes are named {@code emqx@<pod IP>} (the operator's cores use the
 * pod's DNS name) and are matched to pods by address; the "last pod deletion" is the time of the
 * scale-down write, not the StatefulSet controller's event.
 */
package dev.ferry.lab.emqxoperator;
