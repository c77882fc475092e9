/** The HTTP service workload and the HTTP client pool the load generator and the ingress use. */
package dev.ferry.workload.http;
