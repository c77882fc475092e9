/**
 * The lab's request/response workloads: {@link dev.ferry.workload.http.HttpService} (an HTTP
 * service with start-up time, service time, graceful shutdown and Ferry's HTTP drain protocol),
 * {@link dev.ferry.workload.ingress.Ingress} (an ingress-nginx-like L7 proxy with slow start),
 * {@link dev.ferry.workload.dubbo.DubboProvider} (Apache Dubbo 3 on ZooKeeper) and
 * {@link dev.ferry.workload.load.LoadGenerator} (an open-model load generator). Each is started
 * in-process with a config and returns a handle with its address and {@code close()}, so a
 * simulated kubelet can run one per pod on its own loopback address. See docs/workloads.md.
 */
package dev.ferry.workload;
