/**
 * The lab's network: {@link dev.ferry.lab.net.ServiceProxy}, a TCP proxy that plays a Kubernetes
 * Service (a ClusterIP as kube-proxy implements it) in front of the lab's pods.
 */
package dev.ferry.lab.net;
