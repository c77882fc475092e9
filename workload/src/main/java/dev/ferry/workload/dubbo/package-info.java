/**
 * The Dubbo 3 workload: providers on ZooKeeper with Dubbo's own {@code delay}, {@code warmup} and
 * QoS {@code offline}, a consumer the load generator sends through, and an embedded ZooKeeper.
 */
package dev.ferry.workload.dubbo;
