/**
 * The lab's client fleet: thousands of MQTT clients in one process on one Netty event loop group,
 * that connect through an address function (in the lab, the Service), keep persistent sessions,
 * reconnect the way real clients do, receive QoS 1 messages with per-client sequence numbers, and
 * count every disconnect and every lost or duplicated message. Start at {@link dev.ferry.lab.fleet.Fleet}.
 *
 * <h2>Shards</h2>
 * A process has about 20,000 open files here, and each client holds one socket, so the fleet checks
 * its size against the limit ({@link dev.ferry.lab.fleet.OpenFileBudget}) and refuses what would not
 * fit. Larger fleets run as shards, one process each ({@link dev.ferry.lab.fleet.FleetShard}): shard
 * {@code k} of {@code n} owns the client indexes {@code [k*N/n, (k+1)*N/n)}, so client ids and
 * topics are unique across shards, and has its own publisher for its own clients, so loss and
 * duplicates are counted inside one process. Each shard writes its {@link dev.ferry.lab.fleet.FleetReport}
 * as JSON; the lab adds the per-client lists and sums the per-second series by second.
 */
package dev.ferry.lab.fleet;
