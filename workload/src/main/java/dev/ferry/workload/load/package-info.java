/** The open-model load generator, its request senders and its per-second statistics. */
package dev.ferry.workload.load;
