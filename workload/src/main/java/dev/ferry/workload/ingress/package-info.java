/** An ingress-nginx-like L7 proxy that learns its upstreams late and honours warmup (slow start). */
package dev.ferry.workload.ingress;
